"""LPs and MIPs in matrix form, solved with HiGHS (``highspy``) under a time limit.

The diagnosis solves many variants of one model; :class:`Runner` silences
HiGHS's banner and reports each run as an :class:`Outcome` with only *proven* facts: a status,
the objective of the point found, and the solver's proven bound.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.highs_quiet import new_highs

INFEASIBLE, OPTIMAL, FEASIBLE, UNKNOWN = "infeasible", "optimal", "feasible", "unknown"


@dataclass(frozen=True, eq=False)
class MatrixProblem:
    """``sense`` c·v subject to row_lb <= A v <= row_ub, col_lb <= v <= col_ub, v_j integer."""

    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    c: np.ndarray
    sense: str = "min"

    @property
    def n_vars(self) -> int:
        return int(self.col_lb.shape[0])

    def bounded(self) -> bool:
        """Whether the objective is bounded on the box (so "unbounded or infeasible" is infeasible)."""
        c = self.c if self.sense == "min" else -self.c
        return bool(
            np.all(np.isfinite(self.col_lb[c > 0])) and np.all(np.isfinite(self.col_ub[c < 0]))
        )


@dataclass(frozen=True, eq=False)
class Outcome:
    """One run: status (``infeasible``, ``optimal``, ``feasible``, ``unknown``).

    ``objective`` is that of ``x`` (None without a point); ``bound`` is a
    proven bound on the optimum (lower when minimising), or None.
    """

    status: str
    objective: float | None
    bound: float | None
    x: np.ndarray | None
    wall_s: float
    detail: str = ""

    @property
    def found(self) -> bool:
        return self.x is not None


class Runner:
    """Solve :class:`MatrixProblem` s one after the other with HiGHS.

    Each run gets a fresh ``highspy.Highs`` object: HiGHS measures
    ``time_limit`` on a clock that keeps running across the runs of one object.

    Parameters
    ----------
    seed
        HiGHS ``random_seed``.
    gap
        ``mip_rel_gap`` of MIP runs.
    """

    def __init__(self, seed: int = 0, gap: float = 1e-6) -> None:
        import highspy

        self._highspy = highspy
        self._seed = int(seed)
        self._gap = float(gap)

    def _new(self):
        h = new_highs(self._highspy)
        h.setOptionValue("random_seed", self._seed)
        h.setOptionValue("mip_rel_gap", self._gap)
        with contextlib.suppress(Exception):
            h.setOptionValue("threads", 1)
        return h

    def run(self, problem: MatrixProblem, time_limit_s: float, relax: bool = False) -> Outcome:
        """Solve ``problem`` (its LP relaxation when ``relax``) within ``time_limit_s``."""
        hs = self._highspy
        started = time.perf_counter()
        h = self._new()
        h.setOptionValue("time_limit", max(0.05, float(time_limit_s)))
        A = problem.A.tocsr()
        lp = hs.HighsLp()
        lp.num_col_ = problem.n_vars
        lp.num_row_ = int(A.shape[0])
        lp.col_cost_ = np.asarray(problem.c, dtype=float)
        lp.col_lower_ = np.asarray(problem.col_lb, dtype=float)
        lp.col_upper_ = np.asarray(problem.col_ub, dtype=float)
        lp.row_lower_ = np.asarray(problem.row_lb, dtype=float)
        lp.row_upper_ = np.asarray(problem.row_ub, dtype=float)
        lp.sense_ = hs.ObjSense.kMaximize if problem.sense == "max" else hs.ObjSense.kMinimize
        lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = problem.n_vars
        lp.a_matrix_.num_row_ = int(A.shape[0])
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        is_mip = bool(problem.integer.any()) and not relax
        if is_mip:
            lp.integrality_ = [
                hs.HighsVarType.kInteger if flag else hs.HighsVarType.kContinuous
                for flag in problem.integer
            ]
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        MS = hs.HighsModelStatus
        wall = time.perf_counter() - started
        infeasible = status == MS.kInfeasible or (
            status == MS.kUnboundedOrInfeasible and problem.bounded()
        )
        if infeasible:
            return Outcome(INFEASIBLE, None, None, None, wall, h.modelStatusToString(status))
        x = None
        if info.primal_solution_status == 2:  # kSolutionStatusFeasible
            x = np.asarray(h.getSolution().col_value, dtype=float)
        objective = float(np.dot(problem.c, x)) if x is not None else None
        if status == MS.kOptimal and objective is not None:
            bound: float | None = (
                float(info.mip_dual_bound) if is_mip else float(info.objective_function_value)
            )
        elif is_mip:
            bound = float(info.mip_dual_bound)
        else:
            bound = None
        if bound is not None and not np.isfinite(bound):
            bound = None
        if bound is not None and objective is not None:
            bound = min(bound, objective) if problem.sense == "min" else max(bound, objective)
        state = OPTIMAL if status == MS.kOptimal and x is not None else FEASIBLE
        if x is None:
            state = UNKNOWN
        return Outcome(state, objective, bound, x, wall, h.modelStatusToString(status))
