"""A greedy warm start, then the exact backend that suits the instance (``auto``'s rule).

Rule (documented in ``docs/extending.md`` too):

1. Run ``greedy`` (at most 10 % of the time limit, <= 10 s) for a starting plan.
2. Single sourcing with at most 20 000 candidate pairs -> ``cpsat`` (shares are
   binary there, so CP-SAT loses nothing to quantisation and its search is
   strong on pure 0/1 assignment); otherwise ``highs``; if HiGHS is missing,
   ``cpsat``; then ``scip`` (which stops only at its time limit or by being
   killed, see :mod:`solvers.backends.scip`).
3. The exact backend gets the greedy plan as a warm start and the *remaining*
   time. If it finds nothing in time, or only a worse plan, the greedy plan is
   returned (FEASIBLE, with the exact backend's bound when it proved one).

A cancel request after step 1 skips step 3 and returns the greedy plan,
marked interrupted. The engine (:mod:`gpuplace.solvers.engine`) adds the
facility-location route in front; :mod:`solvers.fast` falls back to this rule
on the instances its own methods leave without a plan.
"""

from __future__ import annotations

import time
from dataclasses import replace

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.cpsat import CpSatBackend
from gpuplace.solvers.backends.greedy import GreedyBackend
from gpuplace.solvers.backends.highs import HighsBackend
from gpuplace.solvers.backends.scip import ScipBackend
from gpuplace.solvers.result import Solution, Status, status_from_gap

CPSAT_MAX_PAIRS = 20_000
_GREEDY_MAX_S = 10.0


def choose(instance: Instance) -> type[Backend]:
    """The exact backend the rule uses for ``instance``."""
    if (
        instance.constraints.single_sourcing
        and instance.n_pairs <= CPSAT_MAX_PAIRS
        and CpSatBackend.is_available()
    ):
        return CpSatBackend
    for cls in (HighsBackend, CpSatBackend, ScipBackend):
        if cls.is_available():
            return cls
    return GreedyBackend


class GreedyExactBackend(Backend):
    """The rule of the module docstring, as a backend (not registered: ``auto`` is)."""

    name = "greedy+exact"
    supports_warm_start = True
    proves_bound = True
    deterministic = False  # it may choose cpsat
    plans_when_stopped = True  # the greedy plan comes first

    @classmethod
    def is_available(cls) -> bool:
        return True

    @classmethod
    def version(cls) -> str:
        return cls.name

    def _solve(self, run: Run) -> Solution:
        # A caller's warm start is only a hint (it may break rows of this model); a greedy
        # plan computed here satisfies every row and may be returned as it is.
        params = run.params
        start = run.warm
        own: Solution | None = None
        if start is None:
            greedy_limit = min(0.1 * params.time_limit_s, _GREEDY_MAX_S)
            own = start = GreedyBackend().solve(
                run.model, run.instance, replace(params, time_limit_s=greedy_limit)
            )
        exact = choose(run.instance)
        note = f"auto chose {exact.name}"
        if run.should_stop():
            why = f"{exact.name} not started: {run.stop_reason()}"
            if own is None:
                return run.solution(None, Status.NO_SOLUTION, interrupted=True, notes=(note, why))
            return replace(
                own,
                interrupted=True,
                notes=(note, why) + own.notes,
                wall_s=time.perf_counter() - run.started,
            )
        hint = start if start.objective is not None else None
        result = exact().solve(
            run.model, run.instance, replace(params, time_limit_s=run.remaining_s()), hint
        )
        wall_s = time.perf_counter() - run.started
        if (
            own is not None
            and own.objective is not None
            and (
                result.objective is None
                or _better(own.objective, result.objective, run.model.sense)
            )
        ):
            bound = result.bound if result.status != Status.INFEASIBLE else None
            kept = "found no plan" if result.objective is None else "found only a worse plan"
            return replace(
                own,
                bound=bound,
                status=status_from_gap(own.objective, bound, params.gap),
                interrupted=own.interrupted or result.interrupted,
                notes=own.notes + (note, f"{exact.name} {kept} in time; greedy plan kept"),
                wall_s=wall_s,
            )
        return replace(result, notes=(note,) + result.notes, wall_s=wall_s)


def _better(a: float, b: float, sense: str) -> bool:
    """Whether objective ``a`` is strictly better than ``b`` (beyond round-off)."""
    tol = 1e-9 * max(1.0, abs(a), abs(b))
    return a < b - tol if sense == "min" else a > b + tol


__all__ = ["CPSAT_MAX_PAIRS", "GreedyExactBackend", "choose"]
