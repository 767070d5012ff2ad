"""Every backend by name: what ``solvers.solve(..., solver=NAME)`` runs."""

from __future__ import annotations

from gpuplace.solvers.backends.base import Backend
from gpuplace.solvers.backends.cpsat import CpSatBackend
from gpuplace.solvers.backends.greedy import GreedyBackend
from gpuplace.solvers.backends.highs import HighsBackend
from gpuplace.solvers.backends.scip import ScipBackend
from gpuplace.solvers.engine.backend import EngineBackend, FastAliasBackend

BACKENDS: dict[str, type[Backend]] = {
    "auto": EngineBackend,
    "cpsat": CpSatBackend,
    "highs": HighsBackend,
    "scip": ScipBackend,
    "greedy": GreedyBackend,
    "fast": FastAliasBackend,
}


def register_backend(cls: type[Backend], replace: bool = False) -> type[Backend]:
    """Add a backend class under ``cls.name`` (usable as a decorator)."""
    if cls.name in BACKENDS and not replace and BACKENDS[cls.name] is not cls:
        raise ValueError(f"backend {cls.name!r} is already registered")
    BACKENDS[cls.name] = cls
    return cls


__all__ = ["BACKENDS", "register_backend"]
