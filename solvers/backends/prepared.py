"""What the exact backends (``highs``, ``scip``, ``cpsat``) solve: a presolved model and a start.

1. **Presolve** (:mod:`gpuplace.solvers.presolve`): where region aggregation is
   exact for the model (:func:`~gpuplace.solvers.presolve.model_applicable`),
   the model of the aggregated instance is solved instead; its optimum is the
   original's, so its bound is one of the original, and its plans map back
   (:meth:`Prepared.lift`) to plans of the original with the same objective.
2. **A start**: the caller's warm start (mapped to the aggregated regions), else
   a quick greedy plan (:class:`~gpuplace.solvers.backends.greedy.GreedyBackend`,
   at most :data:`GREEDY_SHARE` of the time limit and :data:`GREEDY_MAX_S`), which
   satisfies every row of the model.

Dominance pruning of candidate pairs is not applied: with capacities, link
loads or site counts a pair's worth depends on the rest of the plan, and no
rule found removes a pair while provably keeping every optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import overload

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers import presolve
from gpuplace.solvers.backends.base import Run
from gpuplace.solvers.backends.greedy import GreedyBackend
from gpuplace.solvers.backends.solution import warm_start_vector
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.formulation import build_model

__all__ = ["GREEDY_MAX_S", "GREEDY_SHARE", "Prepared", "prepare"]

GREEDY_SHARE = 0.05
GREEDY_MAX_S = 3.0


@dataclass(eq=False)
class Prepared:
    """The model to solve, its instance, a start (values of ``model``) and the way back.

    ``start_is_plan``: the start is the greedy's plan, which satisfies every row (a
    caller's warm start is only a hint).
    """

    model: LinearModel
    instance: Instance
    start: np.ndarray | None
    original: LinearModel
    aggregation: presolve.Aggregation | None = None
    start_is_plan: bool = False

    def own_plan(self) -> np.ndarray | None:
        """The greedy start as values of the original model, or None."""
        return self.lift(self.start) if self.start_is_plan else None

    @overload
    def lift(self, values: np.ndarray) -> np.ndarray: ...

    @overload
    def lift(self, values: None) -> None: ...

    def lift(self, values: np.ndarray | None) -> np.ndarray | None:
        """Values of the original model from values of :attr:`model`."""
        if values is None or self.aggregation is None:
            return values
        return presolve.lift_values(self.aggregation, self.original, self.model, values)


def prepare(run: Run, *, start: bool = True) -> Prepared:
    """Presolve ``run.model`` and find a start (see the module docstring); notes go to ``run``.

    ``start=False`` skips the greedy plan (the caller finds its own start).
    """
    model, instance, agg = run.model, run.instance, None
    if presolve.model_applicable(model, instance):
        candidate = presolve.aggregate(instance)
        if candidate.merged:
            agg, instance = candidate, candidate.reduced
            model = build_model(instance)
            run.notes.append(
                f"presolve: {candidate.original.n_regions} regions -> {instance.n_regions} "
                f"(exact aggregation), {model.n_vars} columns"
            )
    prepared = Prepared(model, instance, None, run.model, agg)
    if run.warm is not None:
        values = warm_start_vector(run.model, run.instance, run.warm)
        prepared.start = (
            values if agg is None else presolve.reduce_values(agg, run.model, model, values)
        )
        run.note_warm_start()
    elif start:
        prepared.start = greedy_start(run, model, instance)
        prepared.start_is_plan = prepared.start is not None
    return prepared


def greedy_start(run: Run, model: LinearModel, instance: Instance) -> np.ndarray | None:
    """A greedy plan of ``model`` as values (None when the greedy finds none in its time)."""
    limit = min(GREEDY_SHARE * run.params.time_limit_s, GREEDY_MAX_S, run.remaining_s())
    if limit <= 0.05 or run.should_stop():
        return None
    greedy = GreedyBackend().solve(model, instance, replace(run.params, time_limit_s=limit))
    if greedy.objective is None:
        run.notes.append("no greedy start: " + "; ".join(greedy.notes[-1:]))
        return None
    run.notes.append(f"warm start from greedy (objective {greedy.objective:.6g})")
    return warm_start_vector(model, instance, greedy)
