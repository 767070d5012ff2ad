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

Threads: HiGHS keeps a task scheduler per calling thread; each solve runs in
its own thread (in the child, or here), so ``threads`` takes effect on every
solve. HiGHS's MIP search is
deterministic for a given ``random_seed`` and thread count; a run stopped by
the time limit or a cancel request is not repeatable.
"""

from __future__ import annotations

from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.solution import warm_start_vector
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.result import Solution, Status
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
        start = None
        options: dict = {}
        if run.warm is not None:
            start = warm_start_vector(run.model, run.instance, run.warm)
            # Feasibility jump looks for a first plan and checks no interrupt while it runs
            # (15 s on a 300 000-column model); with a warm start there is one already.
            options["mip_heuristic_run_feasibility_jump"] = False
            run.note_warm_start()
        result = adapter.solve_model(run.model, run.params, run.deadline, start, options)
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
            if result.values is None:
                return run.fallback()
            return run.plan(result.values, result.bound, interrupted=True)
        if result.status == Status.INFEASIBLE:
            return run.solution(None, Status.INFEASIBLE, notes=())
        interrupted = run.cancel.cancelled or result.stopped
        if result.values is None:
            # HiGHS reports our own interrupt (deadline or cancel) as "Interrupted by user"
            why = f"by the {run.stop_reason()}" if result.stopped else f"({result.detail})"
            run.notes.append(f"HiGHS stopped {why} before it found a plan")
            return run.solution(None, Status.NO_SOLUTION, result.bound, interrupted=interrupted)
        return run.plan(
            result.values,
            result.bound,
            optimal=result.status == Status.OPTIMAL,
            interrupted=interrupted,
        )


__all__ = ["HighsBackend"]
