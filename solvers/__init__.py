"""Placement model, backends and diagnosis: ``solve(instance, solver=...) -> Solution``."""

from gpuplace.solvers.api import available_solvers, params_from_instance, solve
from gpuplace.solvers.diagnose import diagnose
from gpuplace.solvers.result import Solution, SolveParameters, Status

__all__ = [
    "SolveParameters",
    "Solution",
    "Status",
    "available_solvers",
    "diagnose",
    "params_from_instance",
    "solve",
]

# Registers the "fast" solver (solvers/fast); placed last so the backend registry exists.
import gpuplace.solvers.fast  # noqa: E402, F401
