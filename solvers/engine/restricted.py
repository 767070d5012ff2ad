"""The model restricted to a set of sites: every row kept, the other sites' columns gone.

A plan that opens only sites in K is a point of the restricted model:

- the ``open`` column of every site outside K is fixed to 0, and its pool (GPU)
  and share columns are removed (their value is 0);
- inside K, ``open`` keeps its bounds, or is fixed to 1 when asked (``fix_open``);
- every other column (unserved demand, blocks of no site) and every row stay.

So an optimal point of the restricted model is the best plan among those that
open only sites of K, under *every* row of the model, including rows of
families the engine knows nothing about. :func:`solve_restricted` solves it with
HiGHS and maps the answer back to a full value vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.engine.structure import Structure
from gpuplace.solvers.model.builder import LinearModel

__all__ = ["Restricted", "restrict"]


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


def restrict(
    structure: Structure,
    open_col: np.ndarray,
    sites: np.ndarray,
    *,
    fix_open: bool = False,
    relax: bool = False,
    pair_cost: np.ndarray | None = None,
    pairs_per_region: int | None = None,
    keep: np.ndarray | None = None,
) -> Restricted:
    """The model with only the sites in ``sites`` (bool [S]) able to open.

    ``fix_open`` fixes their ``open`` columns to 1; ``relax`` drops integrality.
    With ``pair_cost`` (one value per column) and ``pairs_per_region``, each region
    keeps only that many of its share columns at those sites, the cheapest first,
    plus the columns flagged in ``keep`` (e.g. a warm start's): fewer columns, and
    every plan of the smaller model is still a plan of the model.
    """
    model = structure.model
    owner = structure.col_site
    in_k = np.zeros(open_col.size + 1, dtype=bool)
    in_k[:-1] = sites
    site_of = np.where(owner >= 0, owner, open_col.size)  # columns of no site -> "kept"
    is_open = np.zeros(model.n_vars, dtype=bool)
    is_open[open_col] = True
    keep_mask = in_k[site_of] | (owner < 0) | is_open
    if pair_cost is not None and pairs_per_region:
        keep_mask &= _cheapest_pairs(structure, keep_mask, pair_cost, pairs_per_region, keep)
    keep = np.flatnonzero(keep_mask)
    col_lb = model.col_lb[keep].copy()
    col_ub = model.col_ub[keep].copy()
    open_pos = np.searchsorted(keep, open_col)
    col_ub[open_pos[~sites]] = 0.0
    if fix_open:
        usable = sites & (model.col_ub[open_col] >= 1)
        col_lb[open_pos[usable]] = 1.0
    A = model.A.tocsc()[:, keep].tocsr()
    integer = model.integer[keep] & (not relax)
    sub = LinearModel(
        A=sp.csr_matrix(A),
        row_lb=model.row_lb,
        row_ub=model.row_ub,
        col_lb=col_lb,
        col_ub=col_ub,
        integer=integer,
        step=model.step[keep],
        c=model.c[keep],
        c0=model.c0,
        sense=model.sense,
        var_blocks={},
        con_blocks=model.con_blocks,
        meta={},
    )
    return Restricted(sub, keep)


def _cheapest_pairs(
    structure: Structure,
    candidates: np.ndarray,
    cost: np.ndarray,
    n: int,
    keep: np.ndarray | None,
) -> np.ndarray:
    """Mask: every non-share column, and each region's ``n`` cheapest candidate shares."""
    region = structure.col_region
    share = (structure.col_site >= 0) & (region >= 0)
    cols = np.flatnonzero(share & candidates)
    order = cols[np.lexsort((cost[cols], region[cols]))]
    reg = region[order]
    first = np.searchsorted(reg, reg, side="left")
    rank = np.arange(order.size) - first
    mask = ~share
    mask[order[rank < n]] = True
    if keep is not None:
        mask |= keep & share
    return mask
