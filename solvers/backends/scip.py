"""SCIP MIP backend through OR-Tools' ``model_builder`` (the model filled from CSR in one call).

Parameters: time limit, ``limits/gap``, ``randomization/randomseedshift``.

Threads: **not honoured**. SCIP as built into OR-Tools is single-threaded
(no FiberSCIP/ConcurrentSCIP through ``model_builder``), so ``threads`` is
ignored and ``gpuplace solve --solver list`` shows ``threads: no``. A SCIP run
is deterministic for a given seed when it ends before its time limit.

Stopping: ``model_builder``'s ``stop_search`` does not reach SCIP (a SCIP run
stopped after 2 s went on to its 60 s time limit), so SCIP honours only its own
time limit. It therefore runs in a child Python process (own session, SIGINT
ignored, ended by the kernel when its parent dies, even by ``kill -9``) that is killed on a cancel request or
:data:`~solvers.runtime.ABANDON_GRACE_S` after the deadline; a killed run
keeps nothing of its own (the warm start, if any, is returned). Starting the
child costs about a second. ``auto`` uses SCIP only when neither HiGHS nor
CP-SAT is installed.

Presolve and start (:mod:`solvers.backends.prepared`): the model of the
instance with its interchangeable regions merged is solved where that is exact,
with the caller's warm start or else a quick greedy plan as a solution hint;
the greedy plan is returned when SCIP ends without a plan of its own.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import numpy as np

from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.prepared import prepare
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.result import Solution, SolveParameters, Status
from gpuplace.solvers.runtime import ABANDON_GRACE_S, WATCH_POLL_S

# Exit status of a child whose parent went away; prctl option number (linux/prctl.h).
_ORPHANED = 3
_PR_SET_PDEATHSIG = 1


class ScipBackend(Backend):
    name = "scip"
    supports_warm_start = True
    integer_only = False
    proves_bound = True
    honours_threads = False
    solver_name = "scip"

    @classmethod
    def is_available(cls) -> bool:
        try:
            from ortools.linear_solver.python import model_builder as mb
        except ImportError:
            return False
        return bool(mb.Solver(cls.solver_name).solver_is_supported())

    @classmethod
    def version(cls) -> str:
        import ortools

        return f"SCIP via OR-Tools {ortools.__version__}"  # type: ignore[attr-defined]

    def _specific(self, params: SolveParameters) -> str:
        return f"limits/gap = {params.gap}\nrandomization/randomseedshift = {int(params.seed)}\n"

    def _solve(self, run: Run) -> Solution:
        prepared = prepare(run)
        model, hint = prepared.model, prepared.start
        task = {
            "solver": self.solver_name,
            "col_lb": model.col_lb.astype(float),
            "col_ub": model.col_ub.astype(float),
            "c": model.c.astype(float),
            "c0": float(model.c0),
            "row_lb": model.row_lb.astype(float),
            "row_ub": model.row_ub.astype(float),
            "A": model.A.tocsr().astype(float),
            "integer": np.flatnonzero(model.integer),
            "maximize": model.sense == "max",
            "hint": hint,
            "time_limit_s": run.remaining_s(floor_s=0.01),
            "specific": self._specific(run.params),
            "log": bool(run.params.log),
        }
        answer = _run_child(task, run.deadline, run.cancel)
        own = prepared.own_plan()
        if answer is None:
            run.notes.append(
                f"{self.name} stopped by the {run.stop_reason()} (child process ended)"
            )
            if own is not None:
                run.notes.append("the greedy start is kept")
                return run.plan(own, None, interrupted=True)
            return run.fallback()
        status_name, values, bound, status_string = answer
        if status_name == "INFEASIBLE":
            return run.solution(None, Status.INFEASIBLE, notes=())
        if bound is not None and not np.isfinite(bound):
            bound = None
        if status_name not in ("OPTIMAL", "FEASIBLE"):
            run.notes.append(f"{self.name} stopped: {status_name} {status_string}".strip())
            if own is not None:
                run.notes.append("the greedy start is kept")
                return run.plan(own, bound, interrupted=True)
            if run.warm is not None:
                return run.fallback()
            return run.solution(None, Status.NO_SOLUTION, interrupted=True)
        assert values is not None  # an optimal or feasible answer carries its values
        return run.plan(
            prepared.lift(values),
            bound,
            optimal=status_name == "OPTIMAL",
            interrupted=run.cancel.cancelled or status_name != "OPTIMAL",
        )


def _run_child(task: dict[str, Any], deadline: float, cancel: CancelToken) -> tuple | None:
    """Solve ``task`` in a child Python process; None when it was killed or failed.

    The child is a plain ``python -c`` (not multiprocessing, which would re-import
    the caller's ``__main__``) in its own session, so a terminal's Ctrl-C reaches
    only this process; it is killed at once when ``cancel`` is cancelled and
    :data:`~solvers.runtime.ABANDON_GRACE_S` after ``deadline``. The
    task goes in on stdin and the answer comes back on
    stdout, pickled (the child's own output, e.g. the SCIP log, goes to stderr).
    """
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from gpuplace.solvers.backends.scip import child_main; child_main()",
            str(os.getpid()),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None,
        start_new_session=True,
    )
    answer: list[bytes] = []

    def talk() -> None:
        out, _ = child.communicate(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))
        answer.append(out)

    reader = threading.Thread(target=talk, name="gpuplace-scip-io", daemon=True)
    reader.start()
    give_up: float | None = None
    try:
        while reader.is_alive():
            reader.join(WATCH_POLL_S)
            now = time.perf_counter()
            if give_up is None and cancel.cancelled:
                give_up = now
            if give_up is None and now >= deadline:
                give_up = now + ABANDON_GRACE_S
            if give_up is not None and now >= give_up and reader.is_alive():
                return None
    finally:
        if child.poll() is None:
            child.kill()
        reader.join()
    if child.returncode != 0 or not answer or not answer[0]:
        return None
    try:
        return pickle.loads(answer[0])
    except (pickle.UnpicklingError, EOFError):
        return None


def _die_with_parent(parent: int) -> None:
    """End this child as soon as ``parent`` is gone (also after ``kill -9`` of the parent).

    Linux: the kernel kills it when the thread that started it ends
    (``PR_SET_PDEATHSIG``); everywhere: a watcher thread checks the parent pid.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_POLL_S * 10)
        os._exit(_ORPHANED)

    if os.getppid() != parent:
        os._exit(_ORPHANED)
    threading.Thread(target=watch, name="gpuplace-scip-parent", daemon=True).start()


def child_main() -> None:
    """Child process: read a pickled task on stdin, solve with model_builder, answer on stdout.

    Ignores SIGINT, dies with its parent, and ends quietly when the parent no
    longer reads the answer.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(int(sys.argv[1]))
    result_fd = os.dup(1)
    os.dup2(2, 1)  # solver output must not mix with the answer
    task = pickle.load(sys.stdin.buffer)
    from ortools.linear_solver.python import model_builder as mb

    m = mb.Model()
    helper = m.helper
    helper.fill_model_from_sparse_data(
        task["col_lb"], task["col_ub"], task["c"], task["row_lb"], task["row_ub"], task["A"]
    )
    for j in task["integer"].tolist():
        helper.set_var_integrality(j, True)
    helper.set_objective_offset(task["c0"])
    helper.set_maximize(task["maximize"])
    if task["hint"] is not None:
        for j, value in enumerate(task["hint"].tolist()):
            helper.add_hint(j, value)
    solver = mb.Solver(task["solver"])
    solver.set_time_limit_in_seconds(task["time_limit_s"])
    solver.set_solver_specific_parameters(task["specific"])
    solver.enable_output(task["log"])
    result = solver.solve(m)
    values = None
    bound = None
    if result in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE):
        values = solver.values(m.get_variables()).to_numpy(dtype=float)
        bound = float(solver.best_objective_bound)
    try:
        with os.fdopen(result_fd, "wb") as out:
            pickle.dump((result.name, values, bound, solver.status_string), out)
    except BrokenPipeError:  # the parent stopped listening (stopped or killed)
        os._exit(_ORPHANED)


__all__ = ["ScipBackend", "child_main"]
