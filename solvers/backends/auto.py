"""``auto``: a greedy warm start, then the exact backend that suits the instance.

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
marked interrupted.

Before all this, an instance that is a pure facility-location problem
(:func:`solvers.fast.flp.from_instance` recognises it: cost objective, one GPU
type that costs nothing, only capacities and site counts) goes to the ``fast``
backend (:func:`fast_applies`); only when that finds no plan and proves no
infeasibility does the rule above run, with the time left.
"""

from __future__ import annotations

import time
from dataclasses import replace

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import (
    Backend,
    deadline_of,
    empty_solution,
    remaining_s,
    should_stop,
    status_from_gap,
    stop_reason,
)
from gpuplace.solvers.backends.cpsat import CpSatBackend
from gpuplace.solvers.backends.greedy import GreedyBackend
from gpuplace.solvers.backends.highs import HighsBackend
from gpuplace.solvers.backends.scip import ScipBackend
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import Solution, SolveParameters, Status

CPSAT_MAX_PAIRS = 20_000
_GREEDY_MAX_S = 10.0


def choose(instance: Instance) -> type[Backend]:
    """The exact backend ``auto`` uses for ``instance``."""
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


def fast_applies(instance: Instance) -> bool:
    """Whether ``auto`` hands ``instance`` to the ``fast`` backend (a facility-location core)."""
    from gpuplace.solvers.fast import flp, highs_mip

    return highs_mip.available() and flp.from_instance(instance) is not None


class AutoBackend(Backend):
    name = "auto"
    supports_warm_start = True
    proves_bound = True
    deterministic = False  # it may choose cpsat

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
        deadline = deadline_of(params, started)
        if fast_applies(instance):
            from gpuplace.solvers.fast.backend import FastBackend

            result = FastBackend().solve(model, instance, params, warm_start)
            if (
                result.objective is not None
                or result.status == Status.INFEASIBLE
                or should_stop(deadline)
            ):
                note = "auto chose fast (facility-location core)"
                return replace(
                    result, notes=(note,) + result.notes, wall_s=time.perf_counter() - started
                )
        # A caller's warm start is only a hint (it may break rows of this model); a greedy
        # plan computed here satisfies every row and may be returned as it is.
        start = warm_start
        own: Solution | None = None
        if start is None or start.objective is None:
            greedy_limit = min(0.1 * params.time_limit_s, _GREEDY_MAX_S)
            own = start = GreedyBackend().solve(
                model, instance, replace(params, time_limit_s=greedy_limit)
            )
        exact = choose(instance)
        note = f"auto chose {exact.name}"
        if should_stop(deadline):
            why = f"{exact.name} not started: {stop_reason()}"
            if own is None:
                return empty_solution(
                    instance,
                    Status.NO_SOLUTION,
                    started,
                    self.name,
                    self.version(),
                    interrupted=True,
                    notes=(note, why),
                )
            return replace(
                own,
                interrupted=True,
                notes=(note, why) + own.notes,
                wall_s=time.perf_counter() - started,
            )
        hint = start if start.objective is not None else None
        result = exact().solve(
            model, instance, replace(params, time_limit_s=remaining_s(deadline)), hint
        )
        wall_s = time.perf_counter() - started
        start = own
        if (
            start is not None
            and start.objective is not None
            and (
                result.objective is None or _better(start.objective, result.objective, model.sense)
            )
        ):
            bound = result.bound if result.status != Status.INFEASIBLE else None
            kept = "found no plan" if result.objective is None else "found only a worse plan"
            return replace(
                start,
                bound=bound,
                status=status_from_gap(start.objective, bound, params.gap),
                interrupted=start.interrupted or result.interrupted,
                notes=start.notes + (note, f"{exact.name} {kept} in time; greedy plan kept"),
                wall_s=wall_s,
            )
        return replace(result, notes=(note,) + result.notes, wall_s=wall_s)


def _better(a: float, b: float, sense: str) -> bool:
    """Whether objective ``a`` is strictly better than ``b`` (beyond round-off)."""
    tol = 1e-9 * max(1.0, abs(a), abs(b))
    return a < b - tol if sense == "min" else a > b + tol
