"""SCIP MIP backend through OR-Tools' ``model_builder`` (the model filled from CSR in one call).

Parameters: time limit, ``limits/gap``, ``randomization/randomseedshift``.

Threads: **not honoured**. SCIP as built into OR-Tools is single-threaded
(no FiberSCIP/ConcurrentSCIP through ``model_builder``), so ``threads`` is
ignored and ``gpuplace solve --solver list`` shows ``threads: no``. A SCIP run
is deterministic for a given seed when it ends before its time limit.

Stopping: ``model_builder``'s ``stop_search`` does not reach SCIP (a SCIP run
stopped after 2 s went on to its 60 s time limit), so SCIP honours only its own
time limit. It therefore runs in a child Python process (own session, SIGINT
ignored) that is killed on a cancel request or
:data:`~solvers.backends.base.ABANDON_GRACE_S` after the deadline; a killed run
keeps nothing of its own (the warm start, if any, is returned). Starting the
child costs about a second. ``auto`` uses SCIP only when neither HiGHS nor
CP-SAT is installed.

Warm starts are passed as a solution hint.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import (
    ABANDON_GRACE_S,
    WATCH_POLL_S,
    Backend,
    deadline_of,
    fallback_solution,
    make_solution,
    no_plan,
    remaining_s,
    should_stop,
    status_from_gap,
    stop_reason,
    warm_start_vector,
)
from gpuplace.solvers.cancel import cancel_requested
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import Solution, SolveParameters, Status


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

        return f"SCIP via OR-Tools {ortools.__version__}"

    def _specific(self, params: SolveParameters) -> str:
        return f"limits/gap = {params.gap}\nrandomization/randomseedshift = {int(params.seed)}\n"

    def solve(
        self,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        warm_start: Solution | None = None,
    ) -> Solution:
        started = time.perf_counter()
        deadline = deadline_of(params, started)
        version = self.version()
        notes: list[str] = []
        warm = warm_start if warm_start is not None and warm_start.objective is not None else None
        hint = None
        if warm is not None:
            hint = warm_start_vector(model, instance, warm)
            notes.append(f"warm start from {warm.backend} (objective {warm.objective:.6g})")
        if should_stop(deadline):
            notes.append(f"{self.name} not started: {stop_reason()}")
            return fallback_solution(model, instance, warm, started, self.name, version, notes)
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
            "time_limit_s": remaining_s(deadline, floor_s=0.01),
            "specific": self._specific(params),
            "log": bool(params.log),
        }
        answer = _run_child(task, deadline)
        if answer is None:
            notes.append(f"{self.name} stopped by the {stop_reason()} (child process ended)")
            return fallback_solution(model, instance, warm, started, self.name, version, notes)
        status_name, values, bound, status_string = answer
        stopped = cancel_requested()
        if status_name == "INFEASIBLE":
            return no_plan(model, instance, Status.INFEASIBLE, started, self.name, version)
        if status_name not in ("OPTIMAL", "FEASIBLE"):
            notes.append(f"{self.name} stopped: {status_name} {status_string}".strip())
            if warm is not None:
                return fallback_solution(model, instance, warm, started, self.name, version, notes)
            return no_plan(
                model,
                instance,
                Status.NO_SOLUTION,
                started,
                self.name,
                version,
                interrupted=True,
                notes=notes,
            )
        if bound is not None and not np.isfinite(bound):
            bound = None
        sol = make_solution(
            model,
            instance,
            values,
            Status.FEASIBLE,
            bound,
            started,
            self.name,
            version,
            stopped or status_name != "OPTIMAL",
            tuple(notes),
        )
        status = (
            Status.OPTIMAL
            if status_name == "OPTIMAL"
            else status_from_gap(sol.objective, sol.bound, params.gap)
        )
        return replace(sol, status=status)


def _run_child(task: dict[str, Any], deadline: float) -> tuple | None:
    """Solve ``task`` in a child Python process; None when it was killed or failed.

    The child is a plain ``python -c`` (not multiprocessing, which would re-import
    the caller's ``__main__``) in its own session, so a terminal's Ctrl-C reaches
    only this process; the task goes in on stdin and the answer comes back on
    stdout, pickled (the child's own output, e.g. the SCIP log, goes to stderr).
    """
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from gpuplace.solvers.backends.scip import child_main; child_main()",
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
            if give_up is None and cancel_requested():
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


def child_main() -> None:
    """Child process: read a pickled task on stdin, solve with model_builder, answer on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    with os.fdopen(result_fd, "wb") as out:
        pickle.dump((result.name, values, bound, solver.status_string), out)
