"""Solve every site subproblem of :mod:`site_model <gpuplace.solvers.engine.site_model>` at once.

Given reduced costs c̃, an open site s takes the shares of highest value per unit
of pool load, ρ_p / w_p with ρ_p = −c̃_p, while that value exceeds the marginal
pool cost at its load (the slope of C_s from :mod:`pool_hull
<gpuplace.solvers.engine.pool_hull>`); the first ``e_s + q0_s`` units are free.
Shares with ρ_p > 0 and no pool weight are taken whole. The site's value is::

    v_s = c̃_open + C_s(max(load − e_s, 0)) − Σ_p ρ_p x_p

and it opens when v_s < 0 (or when it must). Vectorised over all shares: one
stable re-sort of the previous order per call, which is close to linear because
the order changes little between two multiplier vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.solvers.engine.pool_hull import Hull, Vertices, hull
from gpuplace.solvers.engine.site_model import SiteModel

__all__ = ["SiteSolution", "SiteOracle"]


@dataclass(frozen=True, eq=False)
class SiteSolution:
    """Minimisers of all site subproblems at one c̃."""

    value: np.ndarray  # [S] v_s of the open state (inf: cannot open)
    open_sites: np.ndarray  # bool [S]
    total: float  # Σ_s min over the allowed states
    item_x: np.ndarray  # [I] share values (0 at closed sites)
    load: np.ndarray  # [S] pool load of the open state
    hull: Hull


class SiteOracle:
    """Solves the site subproblems for a sequence of reduced-cost vectors."""

    def __init__(self, sites: SiteModel, vx: Vertices) -> None:
        self.sites = sites
        self.vx = vx
        S = sites.n_sites
        w = sites.item_weight
        self._weighted = np.flatnonzero((w > 0) & (sites.item_ub > 0))
        self._free = np.flatnonzero((w <= 0) & (sites.item_ub > 0))
        site = sites.item_site[self._weighted]
        self._order = np.argsort(site, kind="stable")
        self._site_sorted = site[self._order]
        self._starts = np.searchsorted(self._site_sorted, np.arange(S + 1))
        self._cap_w = (w * sites.item_ub)[self._weighted]  # weight of the whole item
        self._col_w = sites.item_col[self._weighted]
        self._inv_w = 1.0 / w[self._weighted]
        self._z_index = self._z_layout()

    def _z_layout(self) -> np.ndarray:
        """[S, Z] positions into z_col (or -1 for padding)."""
        n_z = np.diff(self.sites.z_start)
        Z = int(n_z.max(initial=0))
        idx = self.sites.z_start[:-1, None] + np.arange(Z)[None, :]
        return np.where(np.arange(Z)[None, :] < n_z[:, None], idx, -1)

    def pool_costs(self, c_red: np.ndarray) -> np.ndarray:
        """c̃ of the pool columns as [S, Z] (0 in the padding)."""
        cz = c_red[self.sites.z_col]
        return np.where(self._z_index >= 0, cz[np.maximum(self._z_index, 0)], 0.0)

    def solve(self, c_red: np.ndarray) -> SiteSolution:
        sites = self.sites
        S = sites.n_sites
        h = hull(self.vx, self.pool_costs(c_red))
        extra = sites.pool_extra
        x = np.zeros(sites.item_col.size)
        # free items: no pool weight
        rho_free = -c_red[sites.item_col[self._free]]
        fr = self._free[rho_free > 0]
        x[fr] = sites.item_ub[fr]
        revenue = np.bincount(
            sites.item_site[fr], weights=rho_free[rho_free > 0] * x[fr], minlength=S
        ).astype(float)
        # weighted items, by value per unit of load within each site (warm-started sort)
        wi = self._weighted
        dens = -c_red[self._col_w] * self._inv_w
        span = float(np.ptp(dens)) + 1.0 if dens.size else 1.0
        s_sorted = self._site_sorted
        prev = self._order
        v_prev = dens[prev]
        perm = np.argsort(s_sorted * (4.0 * span) - v_prev, kind="stable")
        order = prev[perm]
        self._order = order
        v_sorted = v_prev[perm]
        d_sorted = self._cap_w[order]
        cum = np.cumsum(d_sorted)
        before = cum - d_sorted
        first = np.append(before, 0.0)[self._starts[:-1]]  # load before each site's first item
        before -= np.repeat(first, np.diff(self._starts))
        # load up to which the marginal cost stays below each item's value
        free_load = extra + h.q0
        room = free_load + h.max_cap
        live = np.flatnonzero((v_sorted > 0) & (before < room[s_sorted]))
        sl, vl, bl, dl = s_sorted[live], v_sorted[live], before[live], d_sorted[live]
        reach = free_load[sl]
        for k in range(h.length.shape[1]):
            reach = reach + np.where(h.slope[sl, k] < vl, h.length[sl, k], 0.0)
        take = np.clip(np.minimum(bl + dl, reach) - bl, 0.0, dl)
        load = np.bincount(sl, weights=take, minlength=S)
        revenue += np.bincount(sl, weights=vl * take, minlength=S)
        taken_items = wi[order[live]]
        x[taken_items] = take / sites.item_weight[taken_items]
        q = np.maximum(np.where(np.isfinite(extra), load - extra, 0.0), 0.0)
        pool_cost = np.where(self.vx.feasible, h.cost(np.minimum(q, h.max_cap)), np.inf)
        value = c_red[sites.open_col] + pool_cost - revenue
        value = np.where(self.vx.feasible, value, np.inf)
        open_sites = (sites.open_lb >= 1) | ((sites.open_ub >= 1) & (value < 0))
        total = float(np.where(open_sites, value, 0.0).sum())
        x[~open_sites[sites.item_site]] = 0.0
        return SiteSolution(value, open_sites, total, x, np.where(open_sites, load, 0.0), h)

    def pool_values(self, sol: SiteSolution) -> np.ndarray:
        """z at each open site's load (on the hull, interpolated between its corners), [n_z]."""
        sites, vx, h = self.sites, self.vx, sol.hull
        S = sites.n_sites
        q = np.maximum(
            np.where(np.isfinite(sites.pool_extra), sol.load - sites.pool_extra, 0.0), 0.0
        )
        rows = np.arange(S)
        ends = h.q0[:, None] + np.cumsum(h.length, axis=1)
        k = (ends < q[:, None] - 1e-12).sum(axis=1)
        k = np.minimum(k, h.length.shape[1] - 1)
        prev_vertex = np.where(k > 0, h.corner[rows, np.maximum(k - 1, 0)], h.start)
        next_vertex = h.corner[rows, k]
        lo = np.where(k > 0, ends[rows, np.maximum(k - 1, 0)], h.q0)
        seg = h.length[rows, k]
        w = np.where(seg > 1e-12, np.clip((q - lo) / np.where(seg > 0, seg, 1.0), 0.0, 1.0), 0.0)
        w = np.where(q <= h.q0, 0.0, w)
        z = (1.0 - w)[:, None] * vx.points[rows, prev_vertex] + w[:, None] * vx.points[
            rows, next_vertex
        ]
        z = np.where(sol.open_sites[:, None], z, 0.0)
        out = np.zeros(sites.z_col.size)
        valid = self._z_index >= 0
        out[self._z_index[valid]] = z[valid]
        return out
