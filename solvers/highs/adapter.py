"""Arrays or a :class:`~solvers.model.LinearModel` -> one bounded HiGHS run -> :class:`HighsResult`.

Every HiGHS solve of gpuplace goes through here: the ``highs`` backend
(:func:`solve_model`), the formulations of :mod:`solvers.fast` and the
diagnosis (:func:`solve_arrays`), and the many tiny transportation LPs of the
capacitated facility-location search (:func:`solve_lp_here`). The matrix is
handed over in CSC form in one piece, so a model with 10^6 columns costs a
few array copies, not a Python loop.

A run goes through :func:`solvers.highs.run.run_highs`: in a forked child
process above :data:`~solvers.highs.run.SMALL_MODEL_NNZ` nonzeros, in a
helper thread below; HiGHS is asked to stop at the deadline or when the
cancel token is cancelled, and a child that has not answered
:data:`~solvers.runtime.ABANDON_GRACE_S` later is killed and its last
incumbent returned. Statuses are :class:`~solvers.result.Status` values:

- OPTIMAL: HiGHS proved the point within ``gap`` (an LP: optimal);
- INFEASIBLE: proven infeasible (also "unbounded or infeasible" without a
  point when the objective is bounded on the column box);
- FEASIBLE: a point, not proven (a limit, an interrupt, a killed child);
- NO_SOLUTION: no point.
"""

from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.highs.events import HighsOutcome
from gpuplace.solvers.highs.quiet import new_highs
from gpuplace.solvers.highs.run import run_highs, use_child
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import SolveParameters, Status
from gpuplace.solvers.runtime import remaining_s, usable_threads


@functools.cache
def _highspy() -> Any | None:
    """The ``highspy`` module (the optional [mip] extra), imported on first use; None without it."""
    try:
        import highspy
    except ImportError:  # pragma: no cover - exercised only without the extra
        return None
    return highspy


def _model_statuses() -> Any:
    """``highspy.HighsModelStatus``, asked once a model exists (so highspy is there)."""
    highspy = _highspy()
    assert highspy is not None
    return highspy.HighsModelStatus


@dataclass(frozen=True, eq=False)
class HighsResult:
    """Outcome of one HiGHS run.

    ``objective`` is that of ``values`` (None without a point); ``bound`` is
    HiGHS's proven dual bound (an LP: its optimal value), or None.
    ``stopped``: HiGHS ended at a limit or interrupt, or did not end (then
    ``finished`` is False and ``values`` is its last incumbent). ``detail`` is
    HiGHS's model status text.
    """

    status: Status
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    wall_s: float
    nodes: int = 0
    row_dual: np.ndarray | None = None  # LP only
    stopped: bool = False
    finished: bool = True
    in_child: bool = False
    detail: str = ""


def available() -> bool:
    """True when highspy can be imported."""
    return _highspy() is not None


def version() -> str:
    """The HiGHS version string, or "" without highspy."""
    highspy = _highspy()
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
    maximize: bool = False,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    threads: int = 2,
    seed: int = 0,
    start: np.ndarray | None = None,
    log: bool = False,
    options: dict | None = None,
    cancel: CancelToken | None = None,
) -> HighsResult:
    """Minimise (``maximize``: maximise) ``c·v + offset`` s.t. ``row_lb <= A v <= row_ub``, box.

    Parameters
    ----------
    integer
        Boolean mask of integer columns (None: an LP).
    time_limit_s
        Wall-clock limit from the moment the model is passed (at least 0.05 s).
    gap
        Relative MIP gap at which HiGHS stops.
    start
        A feasible point handed to HiGHS as its first incumbent (may be None).
    options
        Extra HiGHS options, by name.
    cancel
        HiGHS stops once this token is cancelled (None: only the time limit).

    Returns
    -------
    HighsResult
    """
    t0 = time.perf_counter()
    limit_s = float(max(time_limit_s, 0.05))
    h, is_mip = _highs(
        c,
        A,
        row_lb,
        row_ub,
        col_lb,
        col_ub,
        integer,
        offset=offset,
        maximize=maximize,
        gap=gap,
        threads=threads,
        seed=seed,
        start=start,
        log=log,
        options={"time_limit": limit_s, **(options or {})},
    )
    deadline = time.perf_counter() + limit_s
    bounded = _bounded(c, col_lb, col_ub, maximize)
    return _run(h, deadline, cancel or CancelToken(), is_mip, bounded, c, offset, A.nnz, t0)


def solve_model(
    model: LinearModel,
    params: SolveParameters,
    deadline: float,
    start: np.ndarray | None = None,
    options: dict | None = None,
) -> HighsResult:
    """HiGHS on ``model`` until ``deadline`` or ``params.cancel``: gap, threads, seed, log of ``params``.

    ``start`` (a value vector of ``model``) is handed to HiGHS as its first incumbent.
    """
    t0 = time.perf_counter()
    h, is_mip = _highs(
        model.c,
        model.A,
        model.row_lb,
        model.row_ub,
        model.col_lb,
        model.col_ub,
        model.integer if model.integer.any() else None,
        offset=float(model.c0),
        maximize=model.sense == "max",
        gap=params.gap,
        threads=params.threads,
        seed=params.seed,
        start=start,
        log=params.log,
        options=options,
    )
    h.setOptionValue("time_limit", remaining_s(deadline, floor_s=0.01))
    bounded = _bounded(model.c, model.col_lb, model.col_ub, model.sense == "max")
    return _run(h, deadline, params.cancel, is_mip, bounded, model.c, model.c0, model.A.nnz, t0)


def solve_lp_here(
    c: np.ndarray,
    A: sp.spmatrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    threads: int,
) -> np.ndarray | None:
    """Optimal point of ``min c·x, row_lb <= A x <= row_ub, col_lb <= x <= col_ub``, or None.

    Solved in the calling thread with no time limit or stop check: for LPs so
    small and many (transportation LPs) that a thread or child per run would
    cost more than the LP.
    """
    h, _ = _highs(c, A, row_lb, row_ub, col_lb, col_ub, None, threads=threads)
    h.run()
    if h.getModelStatus() != _model_statuses().kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=float)


def _highs(
    c: np.ndarray,
    A: sp.spmatrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    integer: np.ndarray | None,
    *,
    offset: float = 0.0,
    maximize: bool = False,
    gap: float | None = None,
    threads: int = 2,
    seed: int | None = None,
    start: np.ndarray | None = None,
    log: bool = False,
    options: dict | None = None,
) -> tuple[Any, bool]:
    """A ``Highs`` holding the model (CSC), its options and start: (h, is_mip).

    ``gap`` and ``seed`` left None keep HiGHS's defaults.
    """
    highspy = _highspy()
    if highspy is None:
        raise RuntimeError("highspy is not installed (pip install 'gpuplace[mip]')")
    A = sp.csc_matrix(A)
    A.sort_indices()
    n_rows, n_cols = A.shape
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.offset_ = float(offset)
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
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
    settings = {"threads": usable_threads(threads), **(options or {})}
    if gap is not None:
        settings["mip_rel_gap"] = float(gap)
    if seed is not None:
        settings["random_seed"] = int(seed)
    for key, value in settings.items():
        with contextlib.suppress(Exception):  # an option this HiGHS does not know
            h.setOptionValue(key, value)
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    return h, is_mip


def _bounded(c: np.ndarray, col_lb: np.ndarray, col_ub: np.ndarray, maximize: bool) -> bool:
    """Whether the objective is bounded on the column box (then "unbounded or infeasible" is infeasible)."""
    c = -np.asarray(c) if maximize else np.asarray(c)
    return bool(np.all(np.isfinite(col_lb[c > 0])) and np.all(np.isfinite(col_ub[c < 0])))


def _run(
    h: Any,
    deadline: float,
    cancel: CancelToken,
    is_mip: bool,
    bounded: bool,
    c: np.ndarray,
    offset: float,
    nnz: int,
    t0: float,
) -> HighsResult:
    collect = functools.partial(_collect, is_mip=is_mip, bounded=bounded)
    run = run_highs(h, deadline, cancel, collect, in_child=use_child(int(nnz)))
    wall_s = time.perf_counter() - t0
    if run.report is None:
        return _from_incumbent(run, c, offset, is_mip, wall_s)
    return HighsResult(**run.report, wall_s=wall_s, in_child=run.in_child)


def _collect(h: Any, is_mip: bool, bounded: bool) -> dict[str, Any]:
    """:class:`HighsResult` fields of a finished run (picklable: it may come from the child)."""
    ms = _model_statuses()
    info = h.getInfo()
    status = h.getModelStatus()
    has_point = info.primal_solution_status == 2  # kSolutionStatusFeasible
    solution = h.getSolution()
    if is_mip:
        bound: float | None = float(info.mip_dual_bound)
    else:
        bound = float(info.objective_function_value) if status == ms.kOptimal else None
    if status == ms.kOptimal and has_point:
        common = Status.OPTIMAL
    elif status == ms.kInfeasible or (
        status == ms.kUnboundedOrInfeasible and not has_point and bounded
    ):
        common = Status.INFEASIBLE
    else:
        common = Status.FEASIBLE if has_point else Status.NO_SOLUTION
    lp_optimal = status == ms.kOptimal and not is_mip
    return {
        "status": common,
        "values": np.asarray(solution.col_value, dtype=float) if has_point else None,
        "objective": float(info.objective_function_value) if has_point else None,
        "bound": bound if bound is not None and np.isfinite(bound) else None,
        "nodes": max(int(info.mip_node_count), 0) if is_mip else 0,
        "row_dual": np.asarray(solution.row_dual, dtype=float) if lp_optimal else None,
        "stopped": status in (ms.kTimeLimit, ms.kInterrupt, ms.kIterationLimit, ms.kSolutionLimit),
        "detail": h.modelStatusToString(status),
    }


def _from_incumbent(
    run: HighsOutcome, c: np.ndarray, offset: float, is_mip: bool, wall_s: float
) -> HighsResult:
    """A run that did not end (killed, or left behind): its last incumbent, if any, and no proof."""
    values, bound = run.incumbent, run.bound
    if values is None:
        return HighsResult(
            Status.NO_SOLUTION,
            None,
            None,
            None,
            wall_s,
            stopped=True,
            finished=False,
            in_child=run.in_child,
        )
    objective = float(np.dot(np.asarray(c, dtype=float), values) + offset)
    if not is_mip or bound is None or not np.isfinite(bound):
        bound = None
    return HighsResult(
        Status.FEASIBLE,
        values,
        objective,
        bound,
        wall_s,
        stopped=True,
        finished=False,
        in_child=run.in_child,
    )


__all__ = [
    "HighsResult",
    "available",
    "solve_arrays",
    "solve_lp_here",
    "solve_model",
    "version",
]
