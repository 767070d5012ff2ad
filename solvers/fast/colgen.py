"""Pricing the share columns of a placement model: its LP bound without all its pairs.

A world instance has millions of candidate pairs, and HiGHS spends most of a
minute on an LP of that size. Most pairs are never used: a region is served
by a few cheap sites. Column generation solves the LP over an *active* subset
of the share columns (all other columns kept), prices every share column with
the row duals, ``rc_j = c_j − a_jᵀ π``, adds the ones with negative reduced
cost and repeats. When none is left, the duals are feasible for the full LP
(rows that only held inactive columns, e.g. their linking rows ``x_p − y_s <= 0``,
take dual 0), so the restricted LP value *is* the full LP bound.

Rows that are satisfied by every point within the column bounds once the
inactive columns are fixed at 0 are left out of the restricted LP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.highs.lp import solve_relaxation
from gpuplace.solvers.model.builder import LinearModel

__all__ = ["LpBound", "Restricted", "full_vector", "initial_active", "lp_bound", "restrict"]


@dataclass(frozen=True, eq=False)
class Restricted:
    """A restricted model: the kept columns and rows of a :class:`LinearModel`."""

    cols: np.ndarray  # indices into the full model's columns
    rows: np.ndarray  # indices into the full model's rows
    arrays: dict  # keyword arguments of solvers.highs.adapter.solve_arrays (minimisation)


def _row_activity_bounds(
    A: sp.csr_matrix, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Least and greatest value of each row of ``A v`` over ``lb <= v <= ub``."""
    pos = A.multiply(A > 0).tocsr()
    neg = A.multiply(A < 0).tocsr()
    lbf = np.where(np.isfinite(lb), lb, 0.0)
    ubf = np.where(np.isfinite(ub), ub, 0.0)
    pos_mask = (pos != 0).astype(np.float64)
    neg_mask = (neg != 0).astype(np.float64)
    lo_inf = (
        pos_mask @ np.isneginf(lb).astype(float) + neg_mask @ np.isposinf(ub).astype(float)
    ) > 0
    hi_inf = (
        pos_mask @ np.isposinf(ub).astype(float) + neg_mask @ np.isneginf(lb).astype(float)
    ) > 0
    lo = np.where(lo_inf, -np.inf, pos @ lbf + neg @ ubf)
    hi = np.where(hi_inf, np.inf, pos @ ubf + neg @ lbf)
    return lo, hi


def restrict(model: LinearModel, active_share: np.ndarray) -> Restricted:
    """The model with only the active share columns (by position in the share block)."""
    share = model.var_blocks["share"]
    keep = np.ones(model.n_vars, dtype=bool)
    keep[share.start : share.stop] = False
    keep[share.start + np.asarray(active_share, dtype=np.int64)] = True
    cols = np.flatnonzero(keep)
    A = model.A[:, cols].tocsr()
    col_lb, col_ub = model.col_lb[cols], model.col_ub[cols]
    lo, hi = _row_activity_bounds(A, col_lb, col_ub)
    needed = (lo < model.row_lb - 1e-9) | (hi > model.row_ub + 1e-9)
    rows = np.flatnonzero(needed)
    sign = 1.0 if model.sense == "min" else -1.0
    arrays = dict(
        c=sign * model.c[cols],
        A=A[rows],
        row_lb=model.row_lb[rows],
        row_ub=model.row_ub[rows],
        col_lb=col_lb,
        col_ub=col_ub,
        integer=model.integer[cols],
        offset=sign * model.c0,
    )
    return Restricted(cols, rows, arrays)


def full_vector(model: LinearModel, restricted: Restricted, values: np.ndarray) -> np.ndarray:
    """A full-model value vector: restricted values, inactive share columns at 0."""
    v = np.zeros(model.n_vars)
    v[restricted.cols] = values
    return v


def initial_active(model: LinearModel, pair_region: np.ndarray, per_region: int) -> np.ndarray:
    """The ``per_region`` cheapest share columns of every region (by objective coefficient)."""
    share = model.var_blocks["share"]
    cost = model.c[share.start : share.stop] * (1.0 if model.sense == "min" else -1.0)
    order = np.lexsort((cost, pair_region))
    region_sorted = pair_region[order]
    first = np.searchsorted(region_sorted, region_sorted, side="left")
    rank = np.arange(order.size) - first
    return np.sort(order[rank < per_region])


@dataclass(frozen=True, eq=False)
class LpBound:
    """Outcome of column generation."""

    bound: float | None  # full-LP value (a proven bound), None if not converged
    active: np.ndarray  # share positions in the final restricted model
    rounds: int
    lp_values: np.ndarray | None  # full-model vector of the last LP solution
    reduced_cost: np.ndarray | None  # per share column, at the final duals


def lp_bound(
    model: LinearModel,
    pair_region: np.ndarray,
    active: np.ndarray,
    *,
    deadline: float,
    threads: int = 2,
    add_per_region: int = 5,
    max_rounds: int = 60,
    log: bool = False,
) -> LpBound:
    """Column generation on the share columns until no reduced cost is negative.

    Parameters
    ----------
    active
        Share positions to start with (e.g. :func:`initial_active` plus a
        known plan's pairs).
    deadline
        ``time.perf_counter()`` value at which to give up (bound None).
    """
    share = model.var_blocks["share"]
    sign = 1.0 if model.sense == "min" else -1.0
    c_share = sign * model.c[share.start : share.stop]
    A_share = model.A[:, share.start : share.stop].tocsc()
    active = np.unique(active)
    in_active = np.zeros(share.size, dtype=bool)
    in_active[active] = True
    values = None
    for rounds in range(1, max_rounds + 1):
        remaining = deadline - time.perf_counter()
        if remaining <= 0.1:
            break
        restricted = restrict(model, np.flatnonzero(in_active))
        result = solve_relaxation(restricted.arrays, deadline, threads=threads)
        if result is None or result.row_dual is None or result.values is None:
            break
        assert result.objective is not None  # an optimal LP has its value
        values = full_vector(model, restricted, result.values)
        dual = np.zeros(model.n_rows)
        dual[restricted.rows] = result.row_dual
        rc = c_share - A_share.T @ dual
        scale = max(1.0, abs(result.objective))
        candidates = np.flatnonzero((rc < -1e-9 * scale) & ~in_active)
        if log:
            print(
                f"CG round {rounds}: {in_active.sum()} columns, {restricted.rows.size} rows, "
                f"LP {result.objective:.6g}, {candidates.size} priced in, {result.wall_s:.2f}s"
            )
        if candidates.size == 0:
            return LpBound(result.objective * sign, np.flatnonzero(in_active), rounds, values, rc)
        # the most negative few per region
        order = candidates[np.lexsort((rc[candidates], pair_region[candidates]))]
        reg = pair_region[order]
        first = np.searchsorted(reg, reg, side="left")
        chosen = order[(np.arange(order.size) - first) < add_per_region]
        in_active[chosen] = True
    return LpBound(None, np.flatnonzero(in_active), max_rounds, values, None)
