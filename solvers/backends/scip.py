"""SCIP MIP backend through OR-Tools' ``model_builder`` (the model filled from CSR in one call).

Parameters: time limit, ``limits/gap``, ``randomization/randomseedshift``;
SCIP runs single-threaded here (``threads`` is noted, not used). Warm starts
are passed as a solution hint.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from scenario.instance import Instance
from solvers.backends.base import Backend, make_solution, status_from_gap, warm_start_vector
from solvers.model.builder import LinearModel
from solvers.result import Solution, SolveParameters, Status


class ScipBackend(Backend):
    name = "scip"
    supports_warm_start = True
    integer_only = False
    proves_bound = True
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
        if warm_start is not None and warm_start.objective is not None:
            hint = warm_start_vector(model, instance, warm_start)
            for j, value in enumerate(hint):
                helper.add_hint(j, float(value))
            notes.append(
                f"warm start from {warm_start.backend} (objective {warm_start.objective:.6g})"
            )
        solver = mb.Solver(self.solver_name)
        solver.set_time_limit_in_seconds(float(params.time_limit_s))
        solver.set_solver_specific_parameters(self._specific(params))
        solver.enable_output(bool(params.log))
        result = solver.solve(m)
        version = self.version()
        SS = mb.SolveStatus
        if result == SS.INFEASIBLE:
            return make_solution(
                model, instance, None, Status.INFEASIBLE, None, started, self.name, version
            )
        if result not in (SS.OPTIMAL, SS.FEASIBLE):
            notes.append(f"{self.name} stopped: {result.name} {solver.status_string}".strip())
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
            result != SS.OPTIMAL,
            tuple(notes),
        )
        status = (
            Status.OPTIMAL
            if result == SS.OPTIMAL
            else status_from_gap(sol.objective, sol.bound, params.gap)
        )
        return replace(sol, status=status)
