"""The site subproblems of the Lagrangian decomposition, read from the model's site rows.

For one site s the subproblem keeps the rows :mod:`~gpuplace.solvers.engine.structure`
left with the site and recognises four shapes in them:

- **open** rows touch only ``open_s``: bounds on it (status open / closed);
- **link** rows ``a x_p − b open_s <= 0`` (a, b > 0): pair p serves only when the
  site is open, and then at most ``b / a`` (with the column's own bound);
- the **pool** row ``Σ_p w_p x_p − Σ_j k_j z_j + c open_s <= e`` (w >= 0, k >= 0):
  the load of the shares fits the capacity of the site's *pool columns* z (its
  GPUs, or any block a family assigns to the site);
- **pool** rows of other shapes over z and ``open_s`` only (power, space, minimum
  GPUs, any per-site rule a family adds on GPUs): they define the polytope
  G_s = {z : those rows hold with open_s = 1, z within its column bounds}.

The subproblem is then (with reduced costs c̃ from the dual, z relaxed to
continuous values)::

    min over open_s in {0, 1}:
        open_s = 0:  0                             (every share and z are 0)
        open_s = 1:  c̃_open + min_{z in G_s, x} c̃_z z + Σ_p c̃_p x_p
                     s.t. Σ_p w_p x_p <= Σ_j k_j z_j + e − c,  0 <= x_p <= u_p

Site rows of any other shape, and every pool row after the first at a site, are
returned to the coupling set (dualised). A site whose closed state is not "all
zero" (a share without a link row, or z not forced to 0 by its rows when the
site is closed) makes the decomposition unusable (:attr:`SiteModel.usable`
False): the engine then bounds with the linear relaxation instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.solvers.engine.structure import Structure

__all__ = ["SiteModel", "site_model"]

_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class SiteModel:
    """Per-site data of the subproblems (see the module docstring)."""

    n_sites: int
    open_col: np.ndarray  # [S] column of open_s
    open_lb: np.ndarray  # [S] 0/1
    open_ub: np.ndarray  # [S] 0/1
    # items: share columns, grouped by nothing in particular
    item_col: np.ndarray  # [I]
    item_site: np.ndarray  # [I]
    item_weight: np.ndarray  # [I] w_p in the pool row (0 when in none)
    item_ub: np.ndarray  # [I] u_p
    # pool columns z, grouped by site: z_col[z_start[s]:z_start[s+1]]
    z_col: np.ndarray
    z_start: np.ndarray  # [S + 1]
    z_cap: np.ndarray  # k_j, capacity per unit of z (0 when not in the pool row)
    z_lb: np.ndarray
    z_ub: np.ndarray
    pool_extra: np.ndarray  # [S] e − c: capacity available with z = 0 (inf: no pool row)
    # rows of G_s in "<=" form: G_A[s] (rows x max_z), G_b[s]
    g_rows: list[tuple[np.ndarray, np.ndarray]]
    demoted_rows: np.ndarray  # site rows returned to the coupling set
    usable: bool
    why_unusable: str = ""


def site_model(structure: Structure, n_sites: int) -> SiteModel:
    """Read the site rows of ``structure`` into a :class:`SiteModel`."""
    model = structure.model
    A = model.A.tocsr()
    blocks = model.var_blocks
    col_site, col_region = structure.col_site, structure.col_region
    open_col = np.arange(blocks["open"].start, blocks["open"].stop)
    is_open = np.zeros(model.n_vars, dtype=bool)
    is_open[open_col] = True
    is_share = (col_site >= 0) & (col_region >= 0)
    is_z = (col_site >= 0) & (col_region < 0) & ~is_open

    open_lb = model.col_lb[open_col].copy()
    open_ub = model.col_ub[open_col].copy()
    item_ub = model.col_ub.copy()
    linked = np.zeros(model.n_vars, dtype=bool)
    weight = np.zeros(model.n_vars)
    z_cap = np.zeros(model.n_vars)
    pool_extra = np.full(n_sites, np.inf)
    has_pool = np.zeros(n_sites, dtype=bool)
    # rows of G_s: (columns, coefficients, rhs with open_s = 1, rhs with open_s = 0)
    g_rows: list[list[tuple[np.ndarray, np.ndarray, float, float]]] = [[] for _ in range(n_sites)]
    demoted: list[int] = []

    rows = structure.site_rows
    sub = A[rows]
    r_of = np.repeat(np.arange(rows.size), np.diff(sub.indptr))
    cols_all, vals_all = sub.indices, sub.data
    lb, ub = model.row_lb[rows], model.row_ub[rows]
    n_sh = np.bincount(r_of, weights=is_share[cols_all], minlength=rows.size)
    n_z = np.bincount(r_of, weights=is_z[cols_all], minlength=rows.size)
    n_op = np.bincount(r_of, weights=is_open[cols_all], minlength=rows.size)
    neg_share = np.bincount(r_of, weights=is_share[cols_all] & (vals_all < 0), minlength=rows.size)
    pos_z = np.bincount(r_of, weights=is_z[cols_all] & (vals_all > 0), minlength=rows.size)
    row_s = structure.row_site[rows]
    upper_only = np.isfinite(ub) & ~np.isfinite(lb)
    # link rows: a x_p - b open_s <= 0
    link = (n_sh == 1) & (n_op == 1) & (n_z == 0) & upper_only & (ub == 0.0)
    share_val = np.zeros(rows.size)
    share_col = np.full(rows.size, -1, dtype=np.int64)
    m_sh = is_share[cols_all]
    share_val[r_of[m_sh]] = vals_all[m_sh]
    share_col[r_of[m_sh]] = cols_all[m_sh]
    m_op = is_open[cols_all]
    open_val = np.bincount(r_of[m_op], weights=vals_all[m_op], minlength=rows.size)
    link &= (share_val > 0) & (open_val < 0)
    lc = share_col[link]
    linked[lc] = True
    item_ub[lc] = np.minimum(item_ub[lc], -open_val[link] / share_val[link])
    # pool rows: shares >= 0, z <= 0, upper bound only; the first at each site
    pool = ~link & (n_sh >= 1) & (neg_share == 0) & (pos_z == 0) & upper_only
    pool_idx = np.flatnonzero(pool)
    first = np.unique(row_s[pool_idx], return_index=True)[1]
    keep = np.zeros(rows.size, dtype=bool)
    keep[pool_idx[first]] = True
    in_pool = keep[r_of]
    weight[cols_all[in_pool & m_sh]] = vals_all[in_pool & m_sh]
    zmask = in_pool & is_z[cols_all]
    z_cap[cols_all[zmask]] = -vals_all[zmask]
    has_pool[row_s[keep]] = True
    pool_extra[row_s[keep]] = ub[keep] - open_val[keep]
    # rows on open_s only: bounds on it
    only_open = (n_sh == 0) & (n_z == 0) & (n_op >= 1)
    for i in np.flatnonzero(only_open):
        s, a, lo, hi = int(row_s[i]), float(open_val[i]), float(lb[i]), float(ub[i])
        if a > 0:
            open_lb[s] = max(open_lb[s], np.ceil(lo / a - _TOL) if np.isfinite(lo) else 0)
            open_ub[s] = min(open_ub[s], np.floor(hi / a + _TOL) if np.isfinite(hi) else 1)
        else:
            demoted.append(int(rows[i]))
    # rows of G_s over z (and open_s)
    for i in np.flatnonzero((n_sh == 0) & (n_z >= 1)):
        s, a_open = int(row_s[i]), float(open_val[i])
        cols = cols_all[sub.indptr[i] : sub.indptr[i + 1]]
        vals = vals_all[sub.indptr[i] : sub.indptr[i + 1]]
        zz = is_z[cols]
        hi, lo = float(ub[i]), float(lb[i])
        if np.isfinite(hi):
            g_rows[s].append((cols[zz], vals[zz], hi - a_open, hi))
        if np.isfinite(lo):
            g_rows[s].append((cols[zz], -vals[zz], a_open - lo, -lo))
    handled = link | keep | only_open | ((n_sh == 0) & (n_z >= 1))
    demoted.extend(rows[~handled].tolist())

    share_cols = np.flatnonzero(is_share)
    reason = ""
    free = share_cols[~linked[share_cols] & (item_ub[share_cols] > _TOL)]
    if free.size:
        reason = f"{free.size} share column(s) serve without their site open"

    # pool columns per site
    z_cols = np.flatnonzero(is_z)
    order = np.argsort(col_site[z_cols], kind="stable")
    z_cols = z_cols[order]
    z_start = np.searchsorted(col_site[z_cols], np.arange(n_sites + 1))
    g_dense = _dense_rows(g_rows, z_cols, z_start)
    if not reason:
        closed_nonzero = _z_free_when_closed(model, g_rows, z_cols, z_start, open_ub)
        if closed_nonzero.size:
            reason = (
                f"{closed_nonzero.size} site(s) may hold pool columns while closed "
                f"(e.g. site index {int(closed_nonzero[0])})"
            )
    return SiteModel(
        n_sites=n_sites,
        open_col=open_col,
        open_lb=np.clip(open_lb, 0, 1),
        open_ub=np.clip(open_ub, 0, 1),
        item_col=share_cols,
        item_site=col_site[share_cols],
        item_weight=weight[share_cols],
        item_ub=np.clip(item_ub[share_cols], 0.0, None),
        z_col=z_cols,
        z_start=z_start,
        z_cap=z_cap[z_cols],
        z_lb=model.col_lb[z_cols],
        z_ub=model.col_ub[z_cols],
        pool_extra=pool_extra,
        g_rows=g_dense,
        demoted_rows=np.asarray(demoted, dtype=np.int64),
        usable=not reason,
        why_unusable=reason,
    )


def _dense_rows(
    g_rows: list[list[tuple[np.ndarray, np.ndarray, float, float]]],
    z_cols: np.ndarray,
    z_start: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each site's rows of G_s as a dense (k, n_z) matrix and (k,) right-hand side."""
    out = []
    for s, rows in enumerate(g_rows):
        cols = z_cols[z_start[s] : z_start[s + 1]]
        pos = {int(c): j for j, c in enumerate(cols)}
        M = np.zeros((len(rows), cols.size))
        b = np.zeros(len(rows))
        for k, (c, v, rhs, _closed) in enumerate(rows):
            for cc, vv in zip(c.tolist(), v.tolist(), strict=True):
                M[k, pos[cc]] += vv
            b[k] = rhs
        out.append((M, b))
    return out


def _z_free_when_closed(model, g_rows, z_cols, z_start, open_ub) -> np.ndarray:
    """Sites where z = 0 is not forced by the rows when open_s = 0 (and the site may close).

    A row ``Σ v_j z_j <= r`` whose right-hand side with the site closed is ``<= 0``
    forces to 0 every column with ``v_j > 0`` (all ``z >= 0``) once its columns with
    ``v_j < 0`` are forced: power or space rows force GPUs, then rows such as
    ``replicas × GPUs per replica <= GPUs`` force the replicas. Applied to a fixpoint.
    """
    bad = []
    for s, rows in enumerate(g_rows):
        cols = z_cols[z_start[s] : z_start[s + 1]]
        if cols.size == 0 or open_ub[s] <= 0:
            continue
        if np.all(model.col_ub[cols] <= 0):
            continue
        if not np.all(model.col_lb[cols] >= 0):
            bad.append(s)
            continue
        forced = set(cols[model.col_ub[cols] <= 0].tolist())
        grew = True
        while grew and len(forced) < cols.size:
            grew = False
            for c, v, _rhs, closed_rhs in rows:
                if closed_rhs > 0 or not all(int(j) in forced for j in c[v < 0]):
                    continue
                new = {int(j) for j in c[v > 0]} - forced
                if new:
                    forced |= new
                    grew = True
        if len(forced) < cols.size:
            bad.append(s)
    return np.asarray(bad, dtype=np.int64)
