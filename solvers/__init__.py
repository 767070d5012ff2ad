"""Placement model, backends and diagnosis: ``solve(instance, solver=...) -> Solution``."""

from solvers.api import available_solvers, params_from_instance, solve
from solvers.diagnose import diagnose
from solvers.result import Solution, SolveParameters, Status

__all__ = [
    "SolveParameters",
    "Solution",
    "Status",
    "available_solvers",
    "diagnose",
    "params_from_instance",
    "solve",
]
