"""CP-SAT's start: a plan for its hint and a proven bound for its objective.

CP-SAT's own bound on placement models is weak (its LP relaxation of the
quantised model closes little of the fixed-cost gap), while the engine finds
plans and bounds cheaply. A CP-SAT backend built with an engine start
(:func:`gpuplace.solvers.backends.cpsat_engine.engine_start`, what
``solvers.solve(..., "cpsat")`` uses) runs it first on the presolved model;
its plan becomes CP-SAT's solution hint and its bound the lower end of
CP-SAT's objective domain
(:func:`~gpuplace.solvers.backends.cpsat_translate.restrict_objective`). The
better of CP-SAT's plan and the engine's is returned, with the better bound.
This module holds what the CP-SAT backend needs of it without importing the
engine (which reaches the backends through its fallbacks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpuplace.solvers.backends.base import Run
from gpuplace.solvers.backends.cpsat_translate import Translation
from gpuplace.solvers.backends.prepared import Prepared

__all__ = ["EngineStart", "StartFn", "better_bound", "hint"]


@dataclass(frozen=True, eq=False)
class EngineStart:
    """The engine's plan (values of the presolved model, None without one) and bound."""

    values: np.ndarray | None
    bound: float | None


# (run, presolved model) -> the engine's plan and bound; notes go to the run
StartFn = Callable[[Run, Prepared], EngineStart]


def hint(tr: Translation, values: np.ndarray) -> None:
    """Hand ``values`` (of the translated model) to CP-SAT as its solution hint."""
    z = np.rint(values / tr.step).astype(np.int64)
    tr.model.proto.solution_hint.vars.extend(tr.z.tolist())
    tr.model.proto.solution_hint.values.extend(z.tolist())


def better_bound(a: float | None, b: float | None, sense: str) -> float | None:
    """The tighter of two bounds of the same objective (None when neither exists)."""
    if a is None or b is None:
        return b if a is None else a
    return max(a, b) if sense == "min" else min(a, b)
