"""The cheapest pool (GPU) cost of a capacity at each site, as a convex piecewise-linear function.

For site s with pool columns z (its GPUs), polytope G_s (:mod:`site_model
<gpuplace.solvers.engine.site_model>`), capacity k·z and costs c̃::

    C_s(q) = min { c̃·z : z in G_s, k·z >= q }

is convex and piecewise linear in q: its graph is the lower-right part of the
convex hull of the vertices of G_s projected to (k·z, c̃·z). The vertices do
not depend on the costs, so they are enumerated once (:func:`vertices`: every
vertex solves n_z of the rows and bounds held with equality), and the hull is
rebuilt for each cost vector by gift wrapping from the cheapest vertex
(:func:`hull`), vectorised over the sites.

``base[s]`` is min c̃·z over G_s (the cost of an open site serving nothing),
reached at capacity ``q0[s]``; then segments ``length[s, k]`` at marginal cost
``slope[s, k]`` (ascending, zero-length padding). ``corner[s, k]`` is the vertex
at the end of segment k, for recovering z at a given capacity.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from gpuplace.solvers.engine.site_model import SiteModel

__all__ = ["Hull", "Vertices", "hull", "vertices"]

_TOL = 1e-9
MAX_POOL_COLUMNS = 8  # vertex enumeration is C(rows + 2 n_z, n_z) small solves per site


@dataclass(frozen=True, eq=False)
class Vertices:
    """The vertices of every G_s, padded to V per site."""

    points: np.ndarray  # [S, V, Z] (Z = most pool columns at a site)
    valid: np.ndarray  # [S, V]
    cap: np.ndarray  # [S, V] k·z
    n_z: np.ndarray  # [S]
    feasible: np.ndarray  # [S] G_s not empty


@dataclass(frozen=True, eq=False)
class Hull:
    base: np.ndarray  # [S]
    q0: np.ndarray  # [S]
    length: np.ndarray  # [S, K]
    slope: np.ndarray  # [S, K] (inf padding)
    start: np.ndarray  # [S] vertex index of the cheapest vertex
    corner: np.ndarray  # [S, K] vertex index at the end of each segment

    @property
    def max_cap(self) -> np.ndarray:
        return self.q0 + self.length.sum(axis=1)

    def cost(self, q: np.ndarray) -> np.ndarray:
        """C_s(q) per site for capacities q [S] (q above the maximum is clipped)."""
        start = np.cumsum(self.length, axis=1) - self.length
        used = np.clip((q - self.q0)[:, None] - start, 0.0, self.length)
        slope = np.where(self.length > 0, self.slope, 0.0)
        return self.base + (used * slope).sum(axis=1)


def _group_vertices(M: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Vertices of {z : M z <= b, lo <= z <= hi} for a group of sites of one shape.

    M [G, k, Z], b [G, k], lo/hi [G, Z]; infinite bounds are left out of the rows.
    """
    G, k, Z = M.shape
    eye = np.broadcast_to(np.eye(Z), (G, Z, Z))
    full_A = np.concatenate([M, eye, -eye], axis=1)
    full_b = np.concatenate([b, hi, -lo], axis=1)
    finite = np.isfinite(full_b)
    full_b = np.where(finite, full_b, 0.0)
    points, valid = [], []
    scale = np.maximum(1.0, np.abs(full_b))
    for combo in itertools.combinations(range(k + 2 * Z), Z):
        sub = full_A[:, combo, :]
        rhs = full_b[:, combo]
        ok = finite[:, combo].all(axis=1)
        det = np.linalg.det(sub) if Z else np.ones(G)
        ok &= np.abs(det) > 1e-12
        z = np.zeros((G, Z))
        if ok.any():
            z[ok] = np.linalg.solve(sub[ok], rhs[ok][..., None])[..., 0]
        slack = np.einsum("gkz,gz->gk", full_A, z) - full_b
        ok &= np.all((slack <= 1e-7 * scale) | ~finite, axis=1)
        points.append(z)
        valid.append(ok)
    return np.stack(points, axis=1), np.stack(valid, axis=1)


def vertices(sites: SiteModel) -> Vertices:
    """Enumerate the vertices of every site's G_s (once per model)."""
    S = sites.n_sites
    n_z = np.diff(sites.z_start)
    Z = int(n_z.max(initial=0))
    if Z > MAX_POOL_COLUMNS:
        raise ValueError(f"a site has {Z} pool columns (at most {MAX_POOL_COLUMNS} supported)")
    k_rows = np.array([m.shape[0] for m, _ in sites.g_rows], dtype=np.int64)
    groups: dict[tuple[int, int], list[int]] = {}
    for s in range(S):
        groups.setdefault((int(n_z[s]), int(k_rows[s])), []).append(s)
    V = max((len(list(itertools.combinations(range(k + 2 * z), z))) for z, k in groups), default=1)
    points = np.zeros((S, max(V, 1), Z))
    valid = np.zeros((S, max(V, 1)), dtype=bool)
    cap = np.zeros((S, max(V, 1)))
    for (z, k), members in groups.items():
        idx = np.asarray(members)
        if z == 0:
            valid[idx, 0] = True  # one vertex: the empty pool
            continue
        M = np.stack([sites.g_rows[s][0] for s in members]).reshape(idx.size, k, z)
        b = np.stack([sites.g_rows[s][1] for s in members]).reshape(idx.size, k)
        cols = np.stack([np.arange(sites.z_start[s], sites.z_start[s + 1]) for s in members])
        pts, ok = _group_vertices(M, b, sites.z_lb[cols], sites.z_ub[cols])
        points[idx, : pts.shape[1], :z] = pts
        valid[idx, : ok.shape[1]] = ok
        cap[idx, : pts.shape[1]] = np.einsum("gvz,gz->gv", pts, sites.z_cap[cols])
    return Vertices(points, valid, cap, n_z, np.asarray(valid.any(axis=1), dtype=bool))


def hull(vx: Vertices, cost_z: np.ndarray) -> Hull:
    """The hull of the module docstring for per-site pool costs ``cost_z`` [S, Z]."""
    S, V, _ = vx.points.shape
    cost = np.einsum("svz,sz->sv", vx.points, cost_z)
    cost = np.where(vx.valid, cost, np.inf)
    cap = np.where(vx.valid, vx.cap, -np.inf)
    rows = np.arange(S)
    best = cost.min(axis=1, initial=np.inf)
    at_best = np.isclose(cost, best[:, None], rtol=1e-12, atol=1e-9) & vx.valid
    start = np.argmax(np.where(at_best, cap, -np.inf), axis=1)
    cur = start.copy()
    base = np.where(vx.feasible, cost[rows, start], np.inf)
    q0 = np.where(vx.feasible, cap[rows, start], 0.0)
    lengths, slopes, corners = [], [], []
    active = vx.feasible.copy()
    for _ in range(V):
        if not active.any():
            break
        cq, cc = cap[rows, cur], cost[rows, cur]
        right = vx.valid & (cap > cq[:, None] + _TOL) & active[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(right, (cost - cc[:, None]) / (cap - cq[:, None]), np.inf)
        low = slope.min(axis=1)
        has = np.isfinite(low)
        tie = right & np.isclose(slope, low[:, None], rtol=1e-12, atol=1e-12)
        nxt = np.argmax(np.where(tie, cap, -np.inf), axis=1)
        length = np.where(has, cap[rows, nxt] - cq, 0.0)
        lengths.append(length)
        slopes.append(np.where(has, np.maximum(low, 0.0), np.inf))
        corners.append(np.where(has, nxt, cur))
        cur = np.where(has, nxt, cur)
        active &= has
    if not lengths:
        lengths, slopes, corners = [np.zeros(S)], [np.full(S, np.inf)], [start]
    return Hull(
        base=base,
        q0=q0,
        length=np.stack(lengths, axis=1),
        slope=np.stack(slopes, axis=1),
        start=start,
        corner=np.stack(corners, axis=1),
    )
