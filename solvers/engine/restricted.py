"""The model restricted to a set of sites: every row kept, the other sites' columns gone.

A plan that opens only sites in K is a point of the restricted model:

- the ``open`` column of every site outside K is fixed to 0, and its pool (GPU)
  and share columns are removed (their value is 0);
- inside K, ``open`` keeps its bounds, or is fixed to 1 when asked (``fix_open``);
- every other column (unserved demand, blocks of no site) and every row that
  still has a column stay (a row left empty must hold at 0, or the restricted
  model has no point: :meth:`Restrictor.restrict` returns None).

So an optimal point of the restricted model is the best plan among those that
open only sites of K, under *every* row of the model, including rows of
families the engine knows nothing about. Each region may further keep only its
``pairs_per_region`` cheapest share columns: fewer columns, and every point of
the smaller model is still a plan of the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.engine.structure import Structure
from gpuplace.solvers.model.builder import LinearModel

__all__ = ["Restricted", "Restrictor"]


@dataclass(frozen=True, eq=False)
class Restricted:
    """A restricted model and the columns of the full model it keeps."""

    model: LinearModel
    keep: np.ndarray  # column indices of the full model, in order

    def expand(self, values: np.ndarray, n_vars: int) -> np.ndarray:
        """A full value vector (0 outside the kept columns)."""
        full = np.zeros(n_vars)
        full[self.keep] = values
        return full

    def restrict_values(self, full: np.ndarray) -> np.ndarray:
        return full[self.keep]


class Restrictor:
    """Builds restricted models of one model (the column-wise matrix is made once)."""

    def __init__(self, structure: Structure, open_col: np.ndarray) -> None:
        model = structure.model
        self.model = model
        self.open_col = open_col
        self.A = model.A.tocsc()
        owner, region = structure.col_site, structure.col_region
        self.share_cols = np.flatnonzero((owner >= 0) & (region >= 0))
        self.share_site = owner[self.share_cols]
        self.share_region = region[self.share_cols]
        other = (owner >= 0) & (region < 0)
        other[open_col] = False
        self.site_cols = np.flatnonzero(other)  # pool columns (GPUs): kept at sites in K
        self.site_col_site = owner[self.site_cols]
        self.free_cols = np.flatnonzero(owner < 0)  # columns of no site: always kept

    def restrict(
        self,
        sites: np.ndarray,
        *,
        fix_open: bool = False,
        pair_cost: np.ndarray | None = None,
        pairs_per_region: int | None = None,
        keep: np.ndarray | None = None,
    ) -> Restricted | None:
        """The model with only the sites in ``sites`` (bool [S]) able to open.

        ``fix_open`` fixes their ``open`` columns to 1. With ``pair_cost`` (one value per
        column of the model) and ``pairs_per_region``, each region keeps that many of its
        share columns at those sites, the cheapest first, plus the columns flagged in
        ``keep`` (e.g. a warm start's). None when a row left without columns cannot hold.
        """
        model = self.model
        at_k = sites[self.share_site]
        shares = self.share_cols[at_k]
        if pair_cost is not None and pairs_per_region:
            shares = self._cheapest(shares, self.share_region[at_k], pair_cost, pairs_per_region)
            if keep is not None:
                extra = self.share_cols[keep[self.share_cols]]
                shares = np.union1d(shares, extra)
        cols = np.concatenate(
            [self.open_col, self.site_cols[sites[self.site_col_site]], shares, self.free_cols]
        )
        cols.sort()
        col_lb, col_ub = model.col_lb[cols].copy(), model.col_ub[cols].copy()
        open_pos = np.searchsorted(cols, self.open_col)
        col_ub[open_pos[~sites]] = 0.0
        if fix_open:
            col_lb[open_pos[sites & (model.col_ub[self.open_col] >= 1)]] = 1.0
        A = self.A[:, cols].tocsr()
        rows = _binding_rows(A, model.row_lb, model.row_ub, col_lb, col_ub)
        if rows is None:
            return None
        # rows scaled to a largest coefficient of 1 and the objective to one of at most 1:
        # budgets of 1e9 beside shares of 1 otherwise strain HiGHS's tolerances (points are
        # unchanged; objective values are not used from the restricted model)
        A = sp.csr_matrix(A[rows])
        scale = np.abs(A).max(axis=1).toarray().ravel()
        scale = np.where(scale > 0, scale, 1.0)
        A = sp.csr_matrix(sp.diags(1.0 / scale) @ A)
        c = model.c[cols]
        c_scale = max(float(np.abs(c).max(initial=0.0)), 1e-12)
        sub = LinearModel(
            A=A,
            row_lb=model.row_lb[rows] / scale,
            row_ub=model.row_ub[rows] / scale,
            col_lb=col_lb,
            col_ub=col_ub,
            integer=model.integer[cols],
            step=model.step[cols],
            c=c / c_scale,
            c0=0.0,
            sense=model.sense,
            var_blocks={},
            con_blocks=(),
            meta={},
        )
        return Restricted(sub, cols)

    @staticmethod
    def _cheapest(shares: np.ndarray, region: np.ndarray, cost: np.ndarray, n: int) -> np.ndarray:
        """Each region's ``n`` cheapest of ``shares``."""
        order = np.lexsort((cost[shares], region))
        reg = region[order]
        rank = np.arange(order.size) - np.searchsorted(reg, reg, side="left")
        return np.sort(shares[order[rank < n]])


def _binding_rows(
    A: sp.csr_matrix, row_lb: np.ndarray, row_ub: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> np.ndarray | None:
    """Rows that can bind given the column bounds; None when some row cannot hold at all.

    A row whose activity range over the box already lies within its bounds (an empty
    row holding at 0, a link to a closed site, ...) is left out.
    """
    lo_part = np.where(A.data > 0, A.data * lb[A.indices], A.data * ub[A.indices])
    hi_part = np.where(A.data > 0, A.data * ub[A.indices], A.data * lb[A.indices])
    n = A.shape[0]
    act_lo = np.zeros(n)
    act_hi = np.zeros(n)
    nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
    if nonempty.size:
        with np.errstate(invalid="ignore"):
            act_lo[nonempty] = np.add.reduceat(lo_part, A.indptr[nonempty])
            act_hi[nonempty] = np.add.reduceat(hi_part, A.indptr[nonempty])
    act_lo = np.nan_to_num(act_lo, nan=-np.inf)
    act_hi = np.nan_to_num(act_hi, nan=np.inf)
    tol_lb = 1e-9 * np.maximum(1.0, np.abs(row_lb))
    tol_ub = 1e-9 * np.maximum(1.0, np.abs(row_ub))
    if np.any(act_hi < row_lb - tol_lb) or np.any(act_lo > row_ub + tol_ub):
        return None
    always = (act_lo >= row_lb - tol_lb) & (act_hi <= row_ub + tol_ub)
    return np.flatnonzero(~always)
