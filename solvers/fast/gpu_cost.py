"""The cheapest GPU cost of serving q demand units at an open site, as a convex function.

For site s, with GPU types t (capex_t, throughput thr_t, power pw_t), the LP

    c_s(q) = min Σ_t capex_t cf_s g_t
             s.t. u Σ_t thr_t g_t >= q            (capacity at max utilisation u)
                  Σ_t pw_t pue_s g_t <= P_s       (power)
                  Σ_t g_t <= G_s                  (space)
                  Σ_t g_t >= m                    (minimum GPUs of an open site)
                  u Σ_t thr_t g_t <= C            (C = D_total + (m + 1) u max_t thr_t)
                  g >= 0

is the GPU part of the placement model at one open site with the GPU counts
relaxed to continuous values, so c_s(q) is a lower bound on what any plan pays
for GPUs at a site serving q units. (The cap C holds in every optimal plan:
a site with more capacity than its load plus one GPU's, and more than m GPUs,
can drop a GPU.) Its value function is convex and piecewise
linear in q; it is computed exactly from the vertices of the feasible set in
g-space (every vertex is the solution of T of the rows held with equality),
projected to (capacity, cost), and their lower convex hull.

The result per site: ``base`` (c_s at q = 0: the cheapest m GPUs), then
segments of served demand ``length[s, k]`` at marginal cost ``slope[s, k]``
(ascending; padded with length 0, slope +inf). ``max_served[s]`` is the sum of
the lengths; a site whose LP is infeasible (for example m GPUs do not fit its
power) has ``usable[s] = False``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import Instance

__all__ = ["GpuCost", "MAX_TYPES", "gpu_cost"]

MAX_TYPES = 6  # vertex enumeration is C(T + 4, T) small solves per site
_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class GpuCost:
    """Per-site convex piecewise-linear GPU cost of served demand (see module docstring)."""

    base: np.ndarray  # [S] cost at q = 0 for an open site
    length: np.ndarray  # [S, K] served demand per segment
    slope: np.ndarray  # [S, K] marginal cost per demand unit, ascending (inf padding)
    usable: np.ndarray  # [S] bool
    corner_cap: np.ndarray | None = None  # [S, C] served demand at the hull's corners
    corner_gpus: np.ndarray | None = None  # [S, C, T] the (continuous) GPU counts there

    @property
    def max_served(self) -> np.ndarray:
        """The most demand a site can serve (sum of its segment lengths)."""
        return self.length.sum(axis=1)

    def cost(self, site: np.ndarray, served: np.ndarray) -> np.ndarray:
        """c_s(q) for each (site[i], served[i]), with q clipped to [0, max_served]."""
        site = np.asarray(site, dtype=np.int64)
        q = np.asarray(served, dtype=float)
        start = np.cumsum(self.length[site], axis=1) - self.length[site]
        used = np.clip(q[:, None] - start, 0.0, self.length[site])
        slope = np.where(self.length[site] > 0, self.slope[site], 0.0)
        return self.base[site] + (used * slope).sum(axis=1)

    def lp_gpus(self, site: np.ndarray, served: np.ndarray) -> np.ndarray:
        """GPU counts (continuous) of the LP optimum c_s(q) for each (site[i], served[i])."""
        site = np.asarray(site, dtype=np.int64)
        q = np.asarray(served, dtype=float)
        assert self.corner_cap is not None and self.corner_gpus is not None
        caps, gpus = self.corner_cap[site], self.corner_gpus[site]
        k = np.clip((caps < q[:, None]).sum(axis=1), 1, caps.shape[1] - 1)
        rows = np.arange(site.size)
        lo, hi = caps[rows, k - 1], caps[rows, k]
        w = np.clip((q - lo) / np.maximum(hi - lo, 1e-12), 0.0, 1.0)
        w = np.where(hi - lo > 1e-12, w, 1.0)
        out = (1.0 - w)[:, None] * gpus[rows, k - 1] + w[:, None] * gpus[rows, k]
        if caps.shape[1] == 1:
            out = gpus[rows, 0]
        return out

    def reach(self, site: np.ndarray, value: np.ndarray) -> np.ndarray:
        """The served demand up to which the marginal cost at ``site`` is below ``value``."""
        below = self.slope[site] < np.asarray(value, dtype=float)[:, None]
        return (self.length[site] * below).sum(axis=1)


def _rows(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Inequality rows A g <= b per site: [S, k, T] and [S, k] (the LP of the docstring)."""
    S, T = instance.n_sites, instance.n_types
    util = float(instance.constraints.max_utilisation)
    thr, pw = instance.gpu_throughput.astype(float), instance.gpu_power_kw.astype(float)
    total = float(instance.region_demand.sum())
    m = float(instance.constraints.min_gpus_per_site)
    rows = [
        (pw[None, :] * instance.site_pue[:, None], instance.site_power_kw.astype(float)),
        (np.ones((S, T)), instance.site_max_gpus.astype(float)),
        (-np.ones((S, T)), np.full(S, -m)),
        (np.broadcast_to(util * thr, (S, T)), np.full(S, total + (m + 1) * util * thr.max())),
    ]
    A = np.stack([np.broadcast_to(a, (S, T)) for a, _ in rows], axis=1)
    b = np.stack([np.where(np.isfinite(v), v, 1e18) for _, v in rows], axis=1)
    return A, b


def _vertices(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All vertices of {g >= 0, A g <= b} per site: ([S, V, T] points, [S, V] valid mask)."""
    S, k, T = A.shape
    full_A = np.concatenate([A, np.broadcast_to(-np.eye(T), (S, T, T))], axis=1)
    full_b = np.concatenate([b, np.zeros((S, T))], axis=1)
    points, valid = [], []
    for combo in itertools.combinations(range(k + T), T):
        M = full_A[:, combo, :]
        rhs = full_b[:, combo]
        det = np.linalg.det(M)
        ok = np.abs(det) > 1e-12
        g = np.zeros((S, T))
        if ok.any():
            g[ok] = np.linalg.solve(M[ok], rhs[ok][..., None])[..., 0]
        scale = np.maximum(1.0, np.abs(full_b))
        feasible = ok & np.all(
            (np.einsum("skt,st->sk", full_A, g) - full_b) <= 1e-7 * scale, axis=1
        )
        points.append(np.clip(g, 0.0, None))
        valid.append(feasible)
    return np.stack(points, axis=1), np.stack(valid, axis=1)


def _hull(
    cap: np.ndarray, cost: np.ndarray, points: np.ndarray
) -> tuple[float, list[tuple[float, float]], list[tuple[float, np.ndarray]]]:
    """Base cost, (length, slope) segments of q -> min cost over the hull with cap >= q,
    and the hull's corners as (capacity, GPU counts)."""
    order = np.lexsort((-cap, cost))
    c0, q0 = float(cost[order[0]]), float(cap[order[0]])
    cheapest: dict[float, tuple[float, int]] = {}
    for i, (x, y) in enumerate(zip(cap.tolist(), cost.tolist(), strict=True)):
        if x > q0 + _TOL and y < cheapest.get(x, (np.inf, -1))[0]:
            cheapest[x] = (y, i)
    hull = [(q0, c0, int(order[0]))]
    for x, (y, i) in sorted(cheapest.items()):
        while len(hull) >= 2:
            (x1, y1, _), (x2, y2, _) = hull[-2], hull[-1]
            if (y2 - y1) * (x - x1) >= (y - y1) * (x2 - x1):
                hull.pop()
            else:
                break
        hull.append((x, y, i))
    segments = [(q0, 0.0)] if q0 > _TOL else []
    corners = [(q0, points[hull[0][2]])]
    for (x1, y1, _), (x2, y2, i2) in itertools.pairwise(hull):
        if x2 - x1 > _TOL:
            segments.append((x2 - x1, max((y2 - y1) / (x2 - x1), 0.0)))
            corners.append((x2, points[i2]))
    return c0, segments, corners


def gpu_cost(instance: Instance) -> GpuCost | None:
    """The per-site convex GPU cost of :mod:`this module <solvers.fast.gpu_cost>`.

    Returns None when there are no GPU types or more than ``MAX_TYPES`` of them.
    """
    S, T = instance.n_sites, instance.n_types
    if T == 0 or T > MAX_TYPES:
        return None
    util = float(instance.constraints.max_utilisation)
    A, b = _rows(instance)
    points, valid = _vertices(A, b)
    capex = instance.gpu_capex[None, :] * instance.site_cost_factor[:, None]
    cap = util * points @ instance.gpu_throughput.astype(float)  # [S, V]
    cost = np.einsum("svt,st->sv", points, capex)
    base = np.zeros(S)
    usable = np.asarray(valid.any(axis=1), dtype=bool)
    per_site: list[list[tuple[float, float]]] = []
    per_corner: list[list[tuple[float, np.ndarray]]] = []
    for s in range(S):
        if not usable[s]:
            per_site.append([])
            per_corner.append([(0.0, np.zeros(T))])
            continue
        base[s], segs, corners = _hull(cap[s, valid[s]], cost[s, valid[s]], points[s, valid[s]])
        per_site.append(segs)
        per_corner.append(corners)
    K = max(1, max(len(x) for x in per_site))
    length = np.zeros((S, K))
    slope = np.full((S, K), np.inf)
    for s, segs in enumerate(per_site):
        for k, (ln, sl) in enumerate(segs):
            length[s, k], slope[s, k] = ln, sl
    C = max(len(x) for x in per_corner)
    corner_cap = np.zeros((S, C))
    corner_gpus = np.zeros((S, C, T))
    for s, corners in enumerate(per_corner):
        for k in range(C):
            q, g = corners[min(k, len(corners) - 1)]
            corner_cap[s, k], corner_gpus[s, k] = q, g
    return GpuCost(
        base=base,
        length=length,
        slope=slope,
        usable=usable,
        corner_cap=corner_cap,
        corner_gpus=corner_gpus,
    )
