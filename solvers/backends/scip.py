"""SCIP MIP backend through OR-Tools' ``model_builder`` (the model filled from CSR in one call).

Parameters: time limit, ``limits/gap``, ``randomization/randomseedshift``.

Threads: **not honoured**. SCIP as built into OR-Tools is single-threaded
(no FiberSCIP/ConcurrentSCIP through ``model_builder``), so ``threads`` is
ignored and ``gpuplace solve --solver list`` shows ``threads: no``. A SCIP run
is deterministic for a given seed when it ends before its time limit.

Stopping: ``model_builder``'s ``stop_search`` (SCIP's interrupt) is called from
a watchdog on a cancel request or at the deadline; SCIP honours it at its next
check. If it has not returned within
:data:`~solvers.backends.base.ABANDON_GRACE_S`, the warm start (or nothing) is
returned and the SCIP thread is left to finish on its own. Values cannot be
read from a running SCIP, so an interrupted SCIP keeps only what it returns.

Warm starts are passed as a solution hint.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from scenario.instance import Instance
from solvers.backends.base import (
    ABANDON_GRACE_S,
    Backend,
    deadline_of,
    fallback_solution,
    make_solution,
    remaining_s,
    run_bounded,
    should_stop,
    status_from_gap,
    stop_reason,
    warm_start_vector,
)
from solvers.cancel import cancel_requested
from solvers.model.builder import LinearModel
from solvers.result import Solution, SolveParameters, Status


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
        from ortools.linear_solver.python import model_builder as mb

        started = time.perf_counter()
        deadline = deadline_of(params, started)
        version = self.version()
        m = mb.Model()
        helper = m.helper
        helper.fill_model_from_sparse_data(
            model.col_lb.astype(float),
            model.col_ub.astype(float),
            model.c.astype(float),
            model.row_lb.astype(float),
            model.row_ub.astype(float),
            model.A.tocsr().astype(float),
        )
        for j in np.flatnonzero(model.integer):
            helper.set_var_integrality(int(j), True)
        helper.set_objective_offset(float(model.c0))
        helper.set_maximize(model.sense == "max")
        notes: list[str] = []
        warm = warm_start if warm_start is not None and warm_start.objective is not None else None
        if warm is not None:
            hint = warm_start_vector(model, instance, warm)
            for j, value in enumerate(hint.tolist()):
                helper.add_hint(j, value)
            notes.append(f"warm start from {warm.backend} (objective {warm.objective:.6g})")
        if should_stop(deadline):
            notes.append(f"{self.name} not started: {stop_reason()}")
            return fallback_solution(model, instance, warm, started, self.name, version, notes)
        solver = mb.Solver(self.solver_name)
        solver.set_time_limit_in_seconds(remaining_s(deadline, floor_s=0.01))
        solver.set_solver_specific_parameters(self._specific(params))
        solver.enable_output(bool(params.log))
        results: list = []
        if not run_bounded(lambda: results.append(solver.solve(m)), deadline, solver.stop_search):
            notes.append(
                f"{self.name} did not stop within {ABANDON_GRACE_S:g} s of the {stop_reason()}; "
                "its thread ends at its next check"
            )
            return fallback_solution(model, instance, warm, started, self.name, version, notes)
        result = results[0]
        stopped = cancel_requested()
        SS = mb.SolveStatus
        if result == SS.INFEASIBLE:
            return make_solution(
                model, instance, None, Status.INFEASIBLE, None, started, self.name, version
            )
        if result not in (SS.OPTIMAL, SS.FEASIBLE):
            notes.append(f"{self.name} stopped: {result.name} {solver.status_string}".strip())
            if warm is not None:
                return fallback_solution(model, instance, warm, started, self.name, version, notes)
            return make_solution(
                model,
                instance,
                None,
                Status.NO_SOLUTION,
                None,
                started,
                self.name,
                version,
                True,
                tuple(notes),
            )
        values = solver.values(m.get_variables()).to_numpy(dtype=float)
        bound = float(solver.best_objective_bound)
        if not np.isfinite(bound):
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
            stopped or result != SS.OPTIMAL,
            tuple(notes),
        )
        status = (
            Status.OPTIMAL
            if result == SS.OPTIMAL
            else status_from_gap(sol.objective, sol.bound, params.gap)
        )
        return replace(sol, status=status)
