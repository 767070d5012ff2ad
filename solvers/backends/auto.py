"""``auto``: facility-location cores to ``fast``; otherwise a greedy warm start, then an exact backend.

An instance that is a pure facility-location problem
(:meth:`solvers.fast.backend.FastBackend.handles`: cost objective, one GPU
type that costs nothing, only capacities and site counts) goes to the
``fast`` backend; only when that finds no plan and proves no infeasibility
does the rule of :mod:`solvers.backends.greedy_exact` run (greedy warm start,
then CP-SAT, HiGHS or SCIP), with the time left. Every other instance goes to
that rule directly.
"""

from __future__ import annotations

import time
from dataclasses import replace

from gpuplace.solvers.backends.base import Run
from gpuplace.solvers.backends.greedy_exact import GreedyExactBackend
from gpuplace.solvers.fast.backend import FastBackend
from gpuplace.solvers.result import Solution, Status


class AutoBackend(GreedyExactBackend):
    name = "auto"

    @classmethod
    def version(cls) -> str:
        return "auto"

    def _solve(self, run: Run) -> Solution:
        if FastBackend.handles(run.instance):
            result = FastBackend().solve(run.model, run.instance, run.params, run.warm)
            if (
                result.objective is not None
                or result.status == Status.INFEASIBLE
                or run.should_stop()
            ):
                note = "auto chose fast (facility-location core)"
                return replace(
                    result, notes=(note,) + result.notes, wall_s=time.perf_counter() - run.started
                )
        return super()._solve(run)


__all__ = ["AutoBackend"]
