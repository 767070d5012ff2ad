"""``auto``: a greedy warm start, then the exact backend that suits the instance.

Rule (documented in ``docs/extending.md`` too):

1. Run ``greedy`` (at most 10 % of the time limit, <= 10 s) for a starting plan.
2. Single sourcing with at most 20 000 candidate pairs -> ``cpsat`` (shares are
   binary there, so CP-SAT loses nothing to quantisation and its search is
   strong on pure 0/1 assignment); otherwise ``highs``; if HiGHS is missing,
   ``scip``; then ``cpsat``.
3. The exact backend gets the greedy plan as a warm start and the remaining
   time. If it finds nothing in time, the greedy plan is returned (FEASIBLE).
"""

from __future__ import annotations

import time
from dataclasses import replace

from scenario.instance import Instance
from solvers.backends.base import Backend
from solvers.backends.cpsat import CpSatBackend
from solvers.backends.greedy import GreedyBackend
from solvers.backends.highs import HighsBackend
from solvers.backends.scip import ScipBackend
from solvers.model.builder import LinearModel
from solvers.result import Solution, SolveParameters, Status

CPSAT_MAX_PAIRS = 20_000


def choose(instance: Instance) -> type[Backend]:
    """The exact backend ``auto`` uses for ``instance``."""
    if (
        instance.constraints.single_sourcing
        and instance.n_pairs <= CPSAT_MAX_PAIRS
        and CpSatBackend.is_available()
    ):
        return CpSatBackend
    for cls in (HighsBackend, ScipBackend, CpSatBackend):
        if cls.is_available():
            return cls
    return GreedyBackend


class AutoBackend(Backend):
    name = "auto"
    supports_warm_start = True
    proves_bound = True

    @classmethod
    def is_available(cls) -> bool:
        return True

    @classmethod
    def version(cls) -> str:
        return "auto"

    def solve(
        self,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        warm_start: Solution | None = None,
    ) -> Solution:
        started = time.perf_counter()
        greedy_limit = min(0.1 * params.time_limit_s, 10.0)
        start = warm_start
        if start is None or start.objective is None:
            start = GreedyBackend().solve(
                model, instance, replace(params, time_limit_s=greedy_limit)
            )
        exact = choose(instance)
        remaining = max(1.0, params.time_limit_s - (time.perf_counter() - started))
        hint = start if start.objective is not None else None
        result = exact().solve(model, instance, replace(params, time_limit_s=remaining), hint)
        note = f"auto chose {exact.name}"
        if result.status == Status.NO_SOLUTION and start.objective is not None:
            return replace(
                start,
                notes=start.notes + (note, f"{exact.name} found no plan in time; greedy plan kept"),
                wall_s=time.perf_counter() - started,
            )
        return replace(result, notes=(note,) + result.notes, wall_s=time.perf_counter() - started)
