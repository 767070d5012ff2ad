"""``fast``: the exact speed-ups of :mod:`solvers.fast` behind the Backend interface.

Route, by what the instance is:

1. A pure facility-location core (:func:`solvers.fast.flp.from_instance`):
   uncapacitated with exactly p sites open (p-median) -> Lagrangian
   branch-and-bound (:mod:`solvers.fast.pmedian`); other uncapacitated ->
   radius formulation with level generation (:mod:`solvers.fast.radius`);
   capacitated -> strong formulation with lazy linking rows
   (:mod:`solvers.fast.cflp`).
2. Anything else: exact region aggregation (:mod:`solvers.presolve`), then,
   where :mod:`solvers.fast.lagrange` applies (cost objective, every region
   served, no redundancy or existing GPUs), the Lagrangian bound and
   Lagrangian plans together (:mod:`solvers.fast.dual_primal`), each plan
   checked against every row of the full model. Otherwise, or when no
   Lagrangian plan passes, ``auto``'s rule (greedy warm start, then an exact
   backend: :mod:`solvers.backends.greedy_exact`) on the reduced instance,
   with the Lagrangian bound from the time left when it applies.
   The plan is disaggregated onto the original regions.

Every bound reported is a proven bound of the original instance; the plan is
returned in the original instance's terms, so ``verify_plan`` checks it as usual.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.greedy_exact import GreedyExactBackend
from gpuplace.solvers.fast import cflp, dual_primal, flp, lagrange, pmedian, radius
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.presolve import aggregate, disaggregate_shares, disaggregate_unserved
from gpuplace.solvers.result import Solution, Status, gap_of, status_from_gap


def _gpus_for(instance: Instance, served: np.ndarray) -> np.ndarray:
    """GPUs for a facility-location plan (one free GPU type): enough for the served demand."""
    util = instance.constraints.max_utilisation
    need = np.ceil(served / (util * float(instance.gpu_throughput[0])) - 1e-9)
    return np.maximum(need, 0).astype(np.int64).reshape(-1, 1)


# up to this many (reduced) pairs the MIP proves small instances outright; the Lagrangian
# loop, whose dual can stall short of the gap on them, is for larger ones
_EXACT_FIRST_PAIRS = 5_000


class FastBackend(Backend):
    """See the module docstring."""

    name = "fast"
    supports_warm_start = True
    proves_bound = True
    interruptible = False
    plans_when_stopped = True

    @classmethod
    def is_available(cls) -> bool:
        return adapter.available()

    @classmethod
    def version(cls) -> str:
        return f"fast/highs {adapter.version()}"

    @classmethod
    def handles(cls, instance: Instance) -> bool:
        """Whether ``instance`` is a pure facility-location core this backend solves (``auto`` asks)."""
        return cls.is_available() and flp.from_instance(instance) is not None

    def _solve(self, run: Run) -> Solution:
        problem = flp.from_instance(run.instance)
        if problem is not None:
            return self._facility(run, problem)
        return self._general(run)

    # -- facility-location core ------------------------------------------------
    def _facility(self, run: Run, problem: flp.FacilityProblem) -> Solution:
        params, instance, model = run.params, run.instance, run.model
        budget = max(params.time_limit_s - (time.perf_counter() - run.started), 0.5)
        gap, threads, seed = params.gap, params.threads, params.seed
        if problem.capacitated:
            result = cflp.solve(
                problem, time_limit_s=budget, gap=gap, threads=threads, seed=seed, cancel=run.cancel
            )
        else:
            found = None
            if pmedian.applies(problem):
                found = pmedian.solve(
                    problem, time_limit_s=budget, gap=params.gap, seed=params.seed
                )
            if found is None:
                budget = max(params.time_limit_s - (time.perf_counter() - run.started), 0.5)
                found = radius.solve(
                    problem,
                    time_limit_s=budget,
                    gap=gap,
                    threads=threads,
                    seed=seed,
                    cancel=run.cancel,
                )
            result = found
        if result.share is None or result.open_sites is None:
            status = Status.INFEASIBLE if result.status == Status.INFEASIBLE else Status.NO_SOLUTION
            return run.solution(None, status, notes=result.notes)
        served = np.bincount(
            instance.pair_site,
            weights=result.share * instance.region_demand[instance.pair_region],
            minlength=instance.n_sites,
        )
        v = np.zeros(model.n_vars)
        blocks = model.var_blocks
        v[blocks["open"].start : blocks["open"].stop] = result.open_sites
        gpus = np.where(result.open_sites[:, None], _gpus_for(instance, served), 0)
        v[blocks["gpus"].start : blocks["gpus"].stop] = gpus.reshape(-1)
        v[blocks["share"].start : blocks["share"].stop] = result.share
        status = status_from_gap(result.objective, result.bound, params.gap)
        return run.solution(
            v, status, result.bound, interrupted=run.cancel.cancelled, notes=result.notes
        )

    # -- general instances -----------------------------------------------------
    def _general(self, run: Run) -> Solution:
        params, instance, model = run.params, run.instance, run.model
        agg = aggregate(instance)
        run.notes.append(f"presolve: {agg.original.n_regions} regions -> {agg.reduced.n_regions}")
        reduced = agg.reduced
        if lagrange.applies(reduced) and reduced.n_pairs > _EXACT_FIRST_PAIRS:
            found = self._dual_primal(run, agg)
            if found is not None:
                return found
        red_model = model if agg.merged == 0 else build_model(reduced)
        elapsed = time.perf_counter() - run.started
        share_of_time = 0.6 if lagrange.applies(instance) else 1.0
        exact_limit = max((params.time_limit_s - elapsed) * share_of_time, 1.0)
        result = GreedyExactBackend().solve(
            red_model, reduced, replace(params, time_limit_s=exact_limit)
        )
        run.notes.extend(result.notes)
        bound = result.bound
        # a time-limit stop inside the rule is not a cancel request: only the latter skips the bound
        interrupted = run.cancel.cancelled
        if result.objective is not None and lagrange.applies(instance) and not interrupted:
            g = gap_of(result.objective, bound)
            if g is None or g > params.gap:
                lag = lagrange.subgradient(
                    reduced,
                    result.objective,
                    deadline=run.started + params.time_limit_s - 0.5,
                    target_gap=params.gap,
                    stop=run.cancel.is_set,
                )
                interrupted = run.cancel.cancelled
                run.notes.append(f"Lagrangian bound {lag.bound:.6g} after {lag.iterations} step(s)")
                if bound is None or lag.bound > bound:
                    bound = lag.bound
        if result.objective is None:
            status = Status.INFEASIBLE if result.status == Status.INFEASIBLE else Status.NO_SOLUTION
            return run.solution(None, status)
        v = np.zeros(model.n_vars)
        blocks = model.var_blocks
        v[blocks["open"].start : blocks["open"].stop] = result.open_sites
        v[blocks["gpus"].start : blocks["gpus"].stop] = np.asarray(result.new_gpus).reshape(-1)
        v[blocks["share"].start : blocks["share"].stop] = disaggregate_shares(
            agg, result.pair_share
        )
        if "unserved" in blocks:
            v[blocks["unserved"].start : blocks["unserved"].stop] = disaggregate_unserved(
                agg, result.unserved
            )
        status = status_from_gap(result.objective, bound, params.gap)
        return run.solution(v, status, bound, interrupted=interrupted)

    def _dual_primal(self, run: Run, agg) -> Solution | None:
        """Lagrangian bound and Lagrangian plans (:mod:`solvers.fast.dual_primal`).

        None when no plan was found (the caller falls back to ``auto``'s rule)."""
        model, params = run.model, run.params
        blocks = model.var_blocks

        def values(plan) -> np.ndarray:
            v = np.zeros(model.n_vars)
            v[blocks["open"].start : blocks["open"].stop] = plan.open_sites
            v[blocks["gpus"].start : blocks["gpus"].stop] = np.asarray(plan.gpus).reshape(-1)
            v[blocks["share"].start : blocks["share"].stop] = disaggregate_shares(
                agg, plan.pair_share
            )
            return v

        def accept(plan) -> bool:
            return not model.violations(values(plan))

        # a reserve for building the Solution and the plan document afterwards
        reserve_s = min(2.0, 0.05 * params.time_limit_s)
        found = dual_primal.solve(
            agg.reduced,
            deadline=run.started + params.time_limit_s - reserve_s,
            target_gap=params.gap,
            accept=accept,
            stop=run.cancel.is_set,
        )
        run.notes.append(
            f"Lagrangian bound {found.bound:.6g} after {found.iterations} step(s); "
            f"{found.plans_tried} Lagrangian plan(s) tried"
        )
        if found.plan is None:
            run.notes.append("no Lagrangian plan passed every row; falling back to auto")
            return None
        run.notes.append(f"best Lagrangian plan {found.plan.objective:.6g}")
        status = status_from_gap(found.plan.objective, found.bound, params.gap)
        return run.solution(
            values(found.plan), status, found.bound, interrupted=run.cancel.cancelled
        )


__all__ = ["FastBackend"]
