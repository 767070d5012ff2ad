"""HiGHS MIP backend through ``highspy`` (the model passed as one CSR matrix).

``highspy`` is used directly rather than through OR-Tools because it reports
the MIP dual bound (``mip_dual_bound``) and accepts a starting solution
(``setSolution``); OR-Tools' HiGHS path reports the incumbent as the bound.
Parameters: time_limit, mip_rel_gap, threads, random_seed.

Stopping. HiGHS checks its time limit and its interrupt callbacks only between
phases: on a 300 000-column model presolve, symmetry detection, probing and
the feasibility-jump heuristic each ran 5-15 s without a check. So the run
goes through :func:`solvers.backends.highs_process.run_highs`: in a forked
child process (a thread for models of at most
:data:`~solvers.backends.highs_process.SMALL_MODEL_NNZ` nonzeros), asked to
stop through the interrupt callbacks on a cancel request or at the deadline and
killed :data:`~solvers.backends.base.ABANDON_GRACE_S` later if it has not
answered. Every improving incumbent reaches this process as it is found, so a
killed run returns its last incumbent (or the warm start).

Threads: HiGHS keeps a task scheduler per calling thread; each solve runs in
its own thread (in the child, or here), so ``threads`` takes effect on every
solve. HiGHS's MIP search is
deterministic for a given ``random_seed`` and thread count; a run stopped by
the time limit or a cancel request is not repeatable.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import (
    ABANDON_GRACE_S,
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
from gpuplace.solvers.backends.highs_process import run_highs, use_child
from gpuplace.solvers.cancel import cancel_requested
from gpuplace.solvers.highs_quiet import new_highs
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import Solution, SolveParameters, Status


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
        deadline = deadline_of(params, started)
        version = self.version()
        h = new_highs(highspy, log=bool(params.log))
        h.setOptionValue("mip_rel_gap", float(params.gap))
        h.setOptionValue("random_seed", int(params.seed))
        with contextlib.suppress(Exception):
            h.setOptionValue("threads", int(params.threads))
        is_mip = bool(model.integer.any())
        h.passModel(_highs_lp(highspy, model, is_mip))
        notes: list[str] = []
        warm = warm_start if warm_start is not None and warm_start.objective is not None else None
        if warm is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(warm_start_vector(model, instance, warm))
            sol.value_valid = True
            h.setSolution(sol)
            # Feasibility jump looks for a first plan and checks no interrupt while it runs
            # (15 s on a 300 000-column model); with a warm start there is one already.
            with contextlib.suppress(Exception):
                h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
            notes.append(f"warm start from {warm.backend} (objective {warm.objective:.6g})")
        if should_stop(deadline):
            notes.append("HiGHS not started: " + stop_reason())
            return fallback_solution(model, instance, warm, started, self.name, version, notes)
        h.setOptionValue("time_limit", remaining_s(deadline, floor_s=0.01))
        run = run_highs(h, deadline, _collect, in_child=use_child(model.A.nnz))
        if run.report is None:
            where = (
                "its child process was ended"
                if run.in_child
                else "the solver thread ends at its next check"
            )
            notes.append(
                f"HiGHS did not stop within {ABANDON_GRACE_S:g} s of the "
                + stop_reason()
                + f"; its last incumbent is kept and {where}"
            )
            if run.incumbent is None:
                return fallback_solution(model, instance, warm, started, self.name, version, notes)
            sol = make_solution(
                model,
                instance,
                run.incumbent,
                Status.FEASIBLE,
                run.bound,
                started,
                self.name,
                version,
                True,
                tuple(notes),
            )
            return replace(sol, status=status_from_gap(sol.objective, sol.bound, params.gap))
        return self._report(run.report, highspy, model, instance, params, started, is_mip, notes)

    def _report(
        self,
        report: dict[str, Any],
        highspy: Any,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        started: float,
        is_mip: bool,
        notes: list[str],
    ) -> Solution:
        """The Solution of a HiGHS run that returned (``report`` from :func:`_collect`)."""
        status = report["status"]
        MS = highspy.HighsModelStatus
        values = report["values"]
        if is_mip:
            bound = report["mip_dual_bound"]
        else:
            bound = report["objective"] if status == MS.kOptimal else None
        if bound is not None and not np.isfinite(bound):
            bound = None
        version = self.version()
        if status in (MS.kInfeasible,):
            return no_plan(model, instance, Status.INFEASIBLE, started, self.name, version)
        if status == MS.kUnboundedOrInfeasible and values is None:
            return no_plan(model, instance, Status.INFEASIBLE, started, self.name, version)
        interrupted = cancel_requested() or status in (
            MS.kTimeLimit,
            MS.kInterrupt,
            MS.kIterationLimit,
            MS.kSolutionLimit,
        )
        if values is None:
            notes.append(f"HiGHS stopped: {report['status_text']}")
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
        return replace(sol, status=final)


def _highs_lp(highspy: Any, model: LinearModel, is_mip: bool) -> Any:
    """The model as a ``HighsLp`` (row-wise matrix)."""
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
    lp.sense_ = highspy.ObjSense.kMaximize if model.sense == "max" else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = model.n_vars
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in model.integer
        ]
    return lp


def _collect(h: Any) -> dict[str, Any]:
    """What :meth:`HighsBackend._report` needs from a finished run (picklable)."""
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    return {
        "status": status,
        "status_text": h.modelStatusToString(status),
        "values": np.asarray(h.getSolution().col_value, dtype=float) if has_solution else None,
        "mip_dual_bound": float(info.mip_dual_bound),
        "objective": float(info.objective_function_value),
    }
