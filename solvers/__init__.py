"""Placement model, backends and diagnosis: ``solve(instance, solver=...) -> Solution``.

Importing the package loads no backend (so ``solvers.verify`` and
``solvers.plan`` stay independent of them): ``solve``, ``available_solvers``
and ``params_from_instance`` load the backends on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from gpuplace.solvers.diagnose import diagnose
from gpuplace.solvers.result import Solution, SolveParameters, Status

_API = ("available_solvers", "params_from_instance", "solve")

__all__ = ["SolveParameters", "Solution", "Status", "diagnose", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'gpuplace.solvers' has no attribute {name!r}")
    api = importlib.import_module("gpuplace.solvers.api")
    for entry in _API:
        globals().setdefault(entry, getattr(api, entry))
    return globals()[name]
