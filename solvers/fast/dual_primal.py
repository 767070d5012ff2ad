"""Lagrangian bound and Lagrangian plans together, until the gap closes or time runs out.

One loop (:func:`solve`):

1. stabilised subgradient steps on the Lagrangian dual
   (:func:`solvers.fast.lagrange.subgradient`): every L(λ) is a proven bound;
2. at the first step and then at most every ``every`` steps, while plan
   attempts have taken at most ``PLAN_SHARE`` of the steps' time, the sites open in the
   subproblems become a plan (:func:`solvers.fast.primal.plan_from_open`:
   repair, assignment LP, whole GPUs); a plan the caller accepts (it checks
   every row of the full model) and that beats the best so far is kept, and
   its cost becomes the subgradient's target;
3. stop once ``(plan − bound) / plan <= target_gap``, at ``deadline``, or on
   ``stop()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.fast import lagrange
from gpuplace.solvers.fast.primal import plan_from_open
from gpuplace.solvers.fast.transport import TransportPlan, TransportSolver

__all__ = ["DualPrimalResult", "MAX_ITERATIONS", "PLAN_SHARE", "solve"]

MAX_ITERATIONS = 100_000
PLAN_SHARE = 0.4  # plan attempts may take 40 % of the time the subgradient steps take


@dataclass(frozen=True, eq=False)
class DualPrimalResult:
    """Best bound and best accepted plan (``plan`` None when none was found)."""

    bound: float
    plan: TransportPlan | None
    iterations: int
    plans_tried: int
    multipliers: np.ndarray


def solve(
    instance: Instance,
    *,
    deadline: float,
    target_gap: float,
    accept: Callable[[TransportPlan], bool] = lambda plan: True,
    stop: Callable[[], bool] | None = None,
    every: int = 5,
    upper: float = np.inf,
) -> DualPrimalResult:
    """Run the loop of the module docstring on ``instance`` (see :func:`lagrange.applies`).

    Parameters
    ----------
    deadline
        ``time.perf_counter()`` value at which to stop.
    target_gap
        Relative gap at which to stop.
    accept
        Called with each improving plan; False rejects it (e.g. it breaks a
        row the assignment LP does not model, such as the budget).
    every
        Subgradient steps between two plan attempts.
    upper
        Cost of a known plan, if any (the first target).
    """
    data = lagrange.site_data(instance)
    solver = TransportSolver(instance, data.gpu)
    best: list[TransportPlan | None] = [None]
    tried: set[bytes] = set()

    began = time.perf_counter()
    clock = {"plans_s": 0.0, "last": 0}

    def on_iteration(iteration: int, sub: lagrange.Subproblems) -> float | None:
        now = time.perf_counter()
        if now >= deadline:
            return None
        # a plan attempt at the first step, then after ``every`` steps and only while the
        # attempts have cost at most PLAN_SHARE of the steps (both matter for the gap)
        steps_s = now - began - clock["plans_s"]
        due = iteration == 1 or (
            iteration - clock["last"] >= every and clock["plans_s"] <= PLAN_SHARE * steps_s
        )
        if not due:
            return None
        clock["last"] = iteration
        try:
            return attempt(sub)
        finally:
            clock["plans_s"] += time.perf_counter() - now

    def attempt(sub: lagrange.Subproblems) -> float | None:
        current = best[0]
        if current is not None and sub.open_sites.sum() > 2 * current.open_sites.sum() + 10:
            return None  # far from a good plan and costly to assign
        key = np.packbits(sub.open_sites).tobytes()
        if key in tried:
            return None
        tried.add(key)
        assert sub.site_value is not None  # the facility subproblem values every site
        plan = plan_from_open(solver, sub.open_sites, sub.site_value, data.usable)
        if plan.objective is None:
            return None
        if (
            current is not None
            and current.objective is not None
            and plan.objective >= current.objective
        ):
            return None
        if not accept(plan):
            return None
        best[0] = plan
        return plan.objective

    result = lagrange.subgradient(
        instance,
        upper,
        deadline=deadline,
        max_iter=MAX_ITERATIONS,
        target_gap=target_gap,
        stop=stop,
        data=data,
        on_iteration=on_iteration,
    )
    return DualPrimalResult(
        result.bound, best[0], result.iterations, len(tried), result.multipliers
    )
