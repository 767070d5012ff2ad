"""A thin, vectorised bridge from numpy/scipy arrays to HiGHS (highspy).

Every fast formulation in :mod:`solvers.fast` ends as one call to
:func:`solve_arrays`: the matrix is handed over in CSC form in one piece, so
building a model with 10^6 columns costs a few array copies, not a Python loop.

Stopping: the run goes through :func:`solvers.backends.highs_process.run_highs`,
like the ``highs`` backend: in a forked child process for models above
:data:`~solvers.backends.highs_process.SMALL_MODEL_NNZ` nonzeros (HiGHS may
run seconds past ``time_limit_s`` between its checks on large models), in a
helper thread below. HiGHS is asked to stop at ``time_limit_s`` or on a cancel
request (:func:`solvers.cancel.request_cancel`); a child that has not answered
:data:`~solvers.backends.base.ABANDON_GRACE_S` later is killed and its last
incumbent returned (status ``feasible``, or ``no_solution`` without one).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.backends.highs_process import run_highs, use_child
from gpuplace.solvers.highs_quiet import new_highs

try:  # highspy is the optional [mip] extra
    import highspy
except ImportError:  # pragma: no cover - exercised only without the extra
    highspy = None


@dataclass(frozen=True, eq=False)
class MipResult:
    """Outcome of one HiGHS run on an array model.

    ``bound`` is HiGHS's proven dual bound (for a pure LP: the optimal value).
    ``values`` is None when no feasible point was found.
    """

    status: str  # optimal | feasible | infeasible | no_solution
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    wall_s: float
    nodes: int = 0
    row_dual: np.ndarray | None = None  # LP only


def available() -> bool:
    """True when highspy can be imported."""
    return highspy is not None


def version() -> str:
    """The HiGHS version string, or "" without highspy."""
    if highspy is None:
        return ""
    h = new_highs(highspy)
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def solve_arrays(
    c: np.ndarray,
    A: sp.spmatrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    integer: np.ndarray | None = None,
    *,
    offset: float = 0.0,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    threads: int = 2,
    seed: int = 0,
    start: np.ndarray | None = None,
    log: bool = False,
    options: dict | None = None,
) -> MipResult:
    """Minimise ``c·v + offset`` s.t. ``row_lb <= A v <= row_ub``, ``col_lb <= v <= col_ub``.

    Parameters
    ----------
    integer
        Boolean mask of integer columns (None: an LP).
    gap
        Relative MIP gap at which HiGHS stops.
    start
        A feasible point handed to HiGHS as its first incumbent (may be None).
    options
        Extra HiGHS options, by name.

    Returns
    -------
    MipResult
    """
    if highspy is None:
        raise RuntimeError("highspy is not installed (pip install 'gpuplace[mip]')")
    t0 = time.perf_counter()
    A = sp.csc_matrix(A)
    A.sort_indices()
    n_rows, n_cols = A.shape
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.offset_ = float(offset)
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.where(np.isneginf(col_lb), -inf, col_lb).astype(np.float64)
    lp.col_upper_ = np.where(np.isposinf(col_ub), inf, col_ub).astype(np.float64)
    lp.row_lower_ = np.where(np.isneginf(row_lb), -inf, row_lb).astype(np.float64)
    lp.row_upper_ = np.where(np.isposinf(row_ub), inf, row_ub).astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    is_mip = integer is not None and bool(np.any(integer))
    if is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in np.asarray(integer, dtype=bool)
        ]
    h = new_highs(highspy, log=bool(log))
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.05)))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", int(threads))
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    h.passModel(lp)
    if start is not None and is_mip:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    deadline = time.perf_counter() + float(max(time_limit_s, 0.05))
    collect = functools.partial(_collect, is_mip=is_mip)
    run = run_highs(h, deadline, collect, in_child=use_child(int(A.nnz)))
    wall_s = time.perf_counter() - t0
    if run.report is None:
        return _from_incumbent(run.incumbent, run.bound, c, offset, is_mip, wall_s)
    report = run.report
    model_status = report["status"]
    ms = highspy.HighsModelStatus
    values = report["values"]
    has_point = values is not None
    objective = report["objective"] if has_point else None
    if is_mip:
        bound = report["mip_dual_bound"]
        if not np.isfinite(bound):
            bound = None
    else:
        bound = objective if model_status == ms.kOptimal else None
    if model_status == ms.kOptimal:
        status = "optimal"
    elif model_status == ms.kInfeasible:
        status = "infeasible"
    elif has_point:
        status = "feasible"
    else:
        status = "no_solution"
    nodes = report["nodes"] if is_mip else 0
    row_dual = None
    if not is_mip and model_status == ms.kOptimal:
        row_dual = report["row_dual"]
    return MipResult(status, values, objective, bound, wall_s, max(nodes, 0), row_dual)


def _collect(h: Any, is_mip: bool) -> dict[str, Any]:
    """What :func:`solve_arrays` needs from a finished run (picklable)."""
    info = h.getInfo()
    status = h.getModelStatus()
    has_point = info.primal_solution_status == 2  # kSolutionStatusFeasible
    solution = h.getSolution()
    lp_optimal = status == highspy.HighsModelStatus.kOptimal and not is_mip
    return {
        "status": status,
        "values": np.asarray(solution.col_value, dtype=float) if has_point else None,
        "objective": float(info.objective_function_value),
        "mip_dual_bound": float(info.mip_dual_bound),
        "nodes": int(info.mip_node_count),
        "row_dual": np.asarray(solution.row_dual, dtype=float) if lp_optimal else None,
    }


def _from_incumbent(
    values: np.ndarray | None,
    bound: float | None,
    c: np.ndarray,
    offset: float,
    is_mip: bool,
    wall_s: float,
) -> MipResult:
    """The result of a run that was killed: its last incumbent, if any, and no proof."""
    if values is None:
        return MipResult("no_solution", None, None, None, wall_s)
    objective = float(np.dot(np.asarray(c, dtype=float), values) + offset)
    if bound is not None and not np.isfinite(bound):
        bound = None
    return MipResult("feasible", values, objective, bound if is_mip else None, wall_s)
