"""HiGHS MIP backend through ``highspy`` (the model passed as one CSR matrix).

``highspy`` is used directly rather than through OR-Tools because it reports
the MIP dual bound (``mip_dual_bound``) and accepts a starting solution
(``setSolution``); OR-Tools' HiGHS path reports the incumbent as the bound.
Parameters: time_limit, mip_rel_gap, threads, random_seed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import numpy as np

from scenario.instance import Instance
from solvers.backends.base import Backend, make_solution, status_from_gap, warm_start_vector
from solvers.model.builder import LinearModel
from solvers.result import Solution, SolveParameters, Status


@contextlib.contextmanager
def _quiet_stdout(enabled: bool) -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner when constructed)."""
    if not enabled:
        yield
        return
    try:
        fd = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


class HighsBackend(Backend):
    name = "highs"
    supports_warm_start = True
    integer_only = False
    proves_bound = True

    @classmethod
    def is_available(cls) -> bool:
        try:
            import highspy  # noqa: F401
        except ImportError:
            return False
        return True

    @classmethod
    def version(cls) -> str:
        try:
            from importlib.metadata import version

            return f"highspy {version('highspy')}"
        except Exception:
            return "highspy"

    def solve(
        self,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        warm_start: Solution | None = None,
    ) -> Solution:
        import highspy

        started = time.perf_counter()
        with _quiet_stdout(not params.log):
            h = highspy.Highs()
        h.setOptionValue("output_flag", bool(params.log))
        h.setOptionValue("time_limit", float(params.time_limit_s))
        h.setOptionValue("mip_rel_gap", float(params.gap))
        h.setOptionValue("random_seed", int(params.seed))
        with contextlib.suppress(Exception):
            h.setOptionValue("threads", int(params.threads))

        A = model.A.tocsr()
        lp = highspy.HighsLp()
        lp.num_col_ = model.n_vars
        lp.num_row_ = model.n_rows
        lp.col_cost_ = model.c
        lp.col_lower_ = model.col_lb
        lp.col_upper_ = model.col_ub
        lp.row_lower_ = model.row_lb
        lp.row_upper_ = model.row_ub
        lp.offset_ = float(model.c0)
        lp.sense_ = (
            highspy.ObjSense.kMaximize if model.sense == "max" else highspy.ObjSense.kMinimize
        )
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = model.n_vars
        lp.a_matrix_.num_row_ = model.n_rows
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        is_mip = bool(model.integer.any())
        if is_mip:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in model.integer
            ]
        h.passModel(lp)
        notes: list[str] = []
        if warm_start is not None and warm_start.objective is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(warm_start_vector(model, instance, warm_start))
            sol.value_valid = True
            h.setSolution(sol)
            notes.append(
                f"warm start from {warm_start.backend} (objective {warm_start.objective:.6g})"
            )
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        MS = highspy.HighsModelStatus
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        values = np.asarray(h.getSolution().col_value, dtype=float) if has_solution else None
        if is_mip:
            bound = float(info.mip_dual_bound)
        else:
            bound = float(info.objective_function_value) if status == MS.kOptimal else None
        if bound is not None and not np.isfinite(bound):
            bound = None
        version = self.version()
        if status in (MS.kInfeasible,):
            return make_solution(
                model, instance, None, Status.INFEASIBLE, None, started, self.name, version
            )
        if status == MS.kUnboundedOrInfeasible and values is None:
            return make_solution(
                model, instance, None, Status.INFEASIBLE, None, started, self.name, version
            )
        interrupted = status in (
            MS.kTimeLimit,
            MS.kInterrupt,
            MS.kIterationLimit,
            MS.kSolutionLimit,
        )
        if values is None:
            notes.append(f"HiGHS stopped: {h.modelStatusToString(status)}")
            return make_solution(
                model,
                instance,
                None,
                Status.NO_SOLUTION,
                bound,
                started,
                self.name,
                version,
                interrupted,
                tuple(notes),
            )
        sol = make_solution(
            model,
            instance,
            values,
            Status.FEASIBLE,
            bound,
            started,
            self.name,
            version,
            interrupted,
            tuple(notes),
        )
        if status == MS.kOptimal:
            final = Status.OPTIMAL
        else:
            final = status_from_gap(sol.objective, sol.bound, params.gap)
        return _with_status(sol, final)


def _with_status(sol: Solution, status: Status) -> Solution:
    from dataclasses import replace

    return replace(sol, status=status)
