"""One HiGHS run on a :class:`LinearModel` for the engine's exact steps and restricted models."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from gpuplace.solvers.highs import solve_model
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import SolveParameters, Status

__all__ = ["MipRun", "run_mip"]


@dataclass(frozen=True, eq=False)
class MipRun:
    values: np.ndarray | None
    objective: float | None  # model objective (its own sense)
    bound: float | None  # HiGHS's proven bound (its own sense)
    infeasible: bool
    wall_s: float


def run_mip(
    model: LinearModel,
    params: SolveParameters,
    *,
    time_limit_s: float,
    gap: float | None = None,
    start: np.ndarray | None = None,
) -> MipRun:
    """HiGHS on ``model`` for at most ``time_limit_s`` (or until ``params.cancel``)."""
    run_params = params if gap is None else replace(params, gap=gap)
    deadline = time.perf_counter() + max(0.05, float(time_limit_s))
    result = solve_model(model, run_params, deadline, start=start)
    return MipRun(
        result.values,
        result.objective,
        result.bound,
        result.status == Status.INFEASIBLE,
        result.wall_s,
    )
