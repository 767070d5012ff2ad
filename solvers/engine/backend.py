"""``auto``: the engine behind the Backend interface (also answers to ``fast``).

Route, by what the model is:

1. a pure facility-location core (every row of the model belongs to a family the
   facility-location methods model: :func:`facility_core`) -> the facility-location
   methods (p-median branch-and-bound, radius formulation, capacitated
   branch-and-bound: :mod:`gpuplace.solvers.fast`);
2. everything else -> exact region aggregation where it is exact
   (:mod:`gpuplace.solvers.presolve`: no extra rows, no per-region rules), then
   :func:`run_engine <gpuplace.solvers.engine.run.run_engine>` (Lagrangian bound and
   plans from restricted models, every plan checked against every row; a short
   greedy construction when the engine has no plan of its own after its first
   ascent), mapped back to the original regions.

Every bound is a proven bound of the original model; every plan is a plan of it.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers import presolve
from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.greedy import GreedyBackend
from gpuplace.solvers.backends.solution import warm_start_vector
from gpuplace.solvers.engine.run import run_engine
from gpuplace.solvers.fast.backend import FastBackend
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.result import Solution, Status

__all__ = ["EngineBackend", "FastAliasBackend", "facility_core"]

CORE_BLOCKS = frozenset({"open", "gpus", "share", "unserved"})
# families the facility-location methods model exactly (with the instance's flags checked
# by solvers.fast.flp.from_instance)
FACILITY_FAMILIES = frozenset(
    {"assignment", "linking", "capacity", "power", "space", "site_status", "min_gpus", "site_count"}
)
GREEDY_SHARE = 0.05  # of the time limit, for the first plan
GREEDY_MAX_S = 5.0


def facility_core(model: LinearModel, instance: Instance) -> bool:
    """Whether every row of ``model`` is one the facility-location methods model."""
    families = set(model.families())
    return (
        families <= FACILITY_FAMILIES
        and set(model.var_blocks) <= CORE_BLOCKS
        and not model.meta.get("extra_families")
        and FastBackend.handles(instance)
    )


def _aggregable(model: LinearModel, instance: Instance) -> bool:
    return (
        presolve.applicable(instance)
        and set(model.var_blocks) <= CORE_BLOCKS
        and not model.meta.get("extra_families")
        and instance.n_regions > 1
    )


class EngineBackend(Backend):
    """See the module docstring."""

    name = "auto"
    supports_warm_start = True
    proves_bound = True
    deterministic = False  # plan attempts follow the wall clock
    plans_when_stopped = True

    @classmethod
    def is_available(cls) -> bool:
        return adapter.available()

    @classmethod
    def version(cls) -> str:
        return f"gpuplace engine/highs {adapter.version()}"

    def _solve(self, run: Run) -> Solution:
        if facility_core(run.model, run.instance):
            core = FastBackend().solve(run.model, run.instance, run.params, run.warm)
            if core.objective is not None or core.status == Status.INFEASIBLE:
                return replace(
                    core,
                    backend=self.name,
                    backend_version=self.version(),
                    notes=("facility-location core",) + core.notes,
                    wall_s=time.perf_counter() - run.started,
                )
        model, instance, agg = run.model, run.instance, None
        if _aggregable(model, instance):
            agg = presolve.aggregate(instance)
            if agg.merged:
                instance = agg.reduced
                model = build_model(instance)
                run.notes.append(
                    f"presolve: {agg.original.n_regions} regions -> {instance.n_regions}"
                )
            else:
                agg = None
        warm = None
        if run.warm is not None and agg is None:
            warm = warm_start_vector(model, instance, run.warm)
        result = run_engine(
            model,
            instance,
            run.params,
            deadline=run.deadline - 0.2,
            warm=warm,
            fallback=lambda: self._greedy(run, model, instance),
        )
        run.notes.extend(result.notes)
        interrupted = run.params.cancel.cancelled
        if result.values is None:
            status = Status.INFEASIBLE if result.infeasible else Status.NO_SOLUTION
            return run.solution(None, status, None, interrupted=interrupted)
        values = (
            result.values if agg is None else _disaggregate(run.model, agg, result.values, model)
        )
        return run.plan(values, result.bound, interrupted=interrupted)

    def _greedy(self, run: Run, model: LinearModel, instance: Instance) -> np.ndarray | None:
        """A short greedy construction (when the engine has no plan of its own yet)."""
        limit = min(GREEDY_SHARE * run.params.time_limit_s, GREEDY_MAX_S, run.remaining_s())
        if limit <= 0.05:
            return None
        greedy = GreedyBackend().solve(model, instance, replace(run.params, time_limit_s=limit))
        if greedy.objective is None:
            return None
        run.notes.append(f"greedy construction {greedy.objective:.6g}")
        return warm_start_vector(model, instance, greedy)


class FastAliasBackend(EngineBackend):
    """``fast``: the name earlier versions gave the engine's speed-ups; the same engine."""

    name = "fast"


def _disaggregate(
    model: LinearModel, agg, reduced_values: np.ndarray, reduced_model: LinearModel
) -> np.ndarray:
    """A value vector of the original model from one of the aggregated model."""
    blocks, red = model.var_blocks, reduced_model.var_blocks
    v = np.zeros(model.n_vars)
    for name in ("open", "gpus"):
        v[blocks[name].start : blocks[name].stop] = reduced_values[red[name].start : red[name].stop]
    share = reduced_values[red["share"].start : red["share"].stop]
    v[blocks["share"].start : blocks["share"].stop] = presolve.disaggregate_shares(agg, share)
    if "unserved" in blocks:
        unserved = reduced_values[red["unserved"].start : red["unserved"].stop]
        v[blocks["unserved"].start : blocks["unserved"].stop] = presolve.disaggregate_unserved(
            agg, unserved
        )
    return v
