"""HiGHS MIP backend through ``highspy`` (the model passed as one CSR matrix).

``highspy`` is used directly rather than through OR-Tools because it reports
the MIP dual bound (``mip_dual_bound``) and accepts a starting solution
(``setSolution``); OR-Tools' HiGHS path reports the incumbent as the bound.
Parameters: time_limit, mip_rel_gap, threads, random_seed.

Stopping. HiGHS checks its time limit and its interrupt callbacks only between
phases: on a 300 000-column model presolve, symmetry detection, probing and
the feasibility-jump heuristic each ran 5-15 s without a check. So the run
goes through the HiGHS adapter (:func:`solvers.highs.adapter.solve_model`): in a
forked child process (a thread for models of at most
:data:`~solvers.highs.run.SMALL_MODEL_NNZ` nonzeros), asked to stop through
the interrupt callbacks on a cancel request or at the deadline and killed
:data:`~solvers.runtime.ABANDON_GRACE_S` later if it has not
answered. Every improving incumbent reaches this process as it is found, so a
killed run returns its last incumbent (or the warm start).

Presolve and start (:mod:`solvers.backends.prepared`): the model of the
instance with its interchangeable regions merged is solved where that is exact,
from the caller's warm start or else a quick greedy plan (``setSolution``).

Threads: HiGHS keeps a task scheduler per calling thread; each solve runs in
its own thread (in the child, or here), so ``threads`` takes effect on every
solve. HiGHS's MIP search is
deterministic for a given ``random_seed`` and thread count; a run stopped by
the time limit or a cancel request is not repeatable.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.prepared import Prepared, prepare
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.result import Solution, Status, StopReason
from gpuplace.solvers.runtime import ABANDON_GRACE_S


class HighsBackend(Backend):
    name = "highs"
    label = "HiGHS"
    supports_warm_start = True
    integer_only = False
    proves_bound = True

    @classmethod
    def is_available(cls) -> bool:
        return adapter.available()

    @classmethod
    def version(cls) -> str:
        try:
            from importlib.metadata import version

            return f"highspy {version('highspy')}"
        except Exception:
            return "highspy"

    def _solve(self, run: Run) -> Solution:
        prepared = prepare(run)
        options: dict = {}
        if prepared.start is not None:
            # Feasibility jump looks for a first plan and checks no interrupt while it runs
            # (15 s on a 300 000-column model); with a start there is one already.
            options["mip_heuristic_run_feasibility_jump"] = False
        result = adapter.solve_model(
            prepared.model, run.params, run.deadline, prepared.start, options
        )
        if not result.finished:
            where = (
                "its child process was ended"
                if result.in_child
                else "the solver thread ends at its next check"
            )
            run.notes.append(
                f"HiGHS did not stop within {ABANDON_GRACE_S:g} s of the "
                + run.stop_reason()
                + f"; its last incumbent is kept and {where}"
            )
            values = _values(result.values, prepared)
            if values is None:
                return run.fallback()
            return run.plan(values, result.bound, interrupted=True)
        if result.status == Status.INFEASIBLE:
            return run.solution(None, Status.INFEASIBLE, notes=())
        interrupted = run.cancel.cancelled or result.stopped
        values = _values(result.values, prepared)
        if values is None:
            # HiGHS reports our own interrupt (deadline or cancel) as "Interrupted by user"
            why = f"by the {run.stop_reason()}" if result.stopped else f"({result.detail})"
            run.notes.append(f"HiGHS stopped {why} before it found a plan")
            return run.solution(None, Status.NO_SOLUTION, result.bound, interrupted=interrupted)
        if result.values is None:
            run.notes.append(f"HiGHS stopped: {result.detail}; the greedy start is kept")
        solution = run.plan(
            values,
            result.bound,
            optimal=result.status == Status.OPTIMAL,
            interrupted=interrupted,
        )
        limit = solver_limit(result.detail)
        return solution if limit is None else replace(solution, stop_reason=limit)


def solver_limit(detail: str) -> StopReason | None:
    """A HiGHS model status that names a limit other than time: memory, or nodes/iterations.

    >>> solver_limit("Memory limit reached"), solver_limit("Solution limit reached")
    (<StopReason.MEMORY_LIMIT: 'memory_limit'>, <StopReason.NODE_LIMIT: 'node_limit'>)
    >>> solver_limit("Time limit reached") is None
    True
    """
    text = detail.lower()
    if "memory" in text:
        return StopReason.MEMORY_LIMIT
    if any(word in text for word in ("iteration limit", "solution limit", "node limit")):
        return StopReason.NODE_LIMIT
    return None


def _values(found: np.ndarray | None, prepared: Prepared) -> np.ndarray | None:
    """HiGHS's incumbent in the original model's terms, else the greedy start, else None."""
    return prepared.lift(found) if found is not None else prepared.own_plan()


__all__ = ["HighsBackend"]
