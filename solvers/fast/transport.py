"""A plan from a set of open sites: the assignment LP, then whole GPUs per site.

Given open sites O, the cheapest way to serve every region from them is a
transportation LP with a convex cost per site::

    min  Σ_p lw D_r rtt_p x_p + Σ_{s in O} Σ_k slope_sk z_sk
    s.t. Σ_{p of r} x_p = 1                         for every region r
         Σ_{p at s} D_r x_p − Σ_k z_sk <= 0         for every open site s
         0 <= z_sk <= length_sk,  0 <= x_p <= 1

where (length, slope) is the GPU cost of :mod:`solvers.fast.gpu_cost`, cut at
the most demand whole GPUs can serve at the site. Each site then gets a
whole-GPU mix covering its load, the cheapest among the integer points next
to the LP's mix (:func:`round_gpus`). The LP's duals on the region rows are good Lagrange multipliers
(:mod:`solvers.fast.lagrange`).

Rows the LP does not model (budget, site counts, links, …) are not checked
here: the caller checks the plan against the full model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.fast.gpu_cost import GpuCost

__all__ = ["TransportPlan", "TransportSolver", "round_gpus", "whole_gpu_capacity", "whole_gpus"]


@dataclass(frozen=True, eq=False)
class TransportPlan:
    """A plan (None when the open sites cannot serve every region)."""

    objective: float | None
    open_sites: np.ndarray  # bool [S]
    gpus: np.ndarray | None  # int [S, T]
    pair_share: np.ndarray | None  # [P]
    region_dual: np.ndarray | None  # [R], the LP's prices of the region rows
    lp_value: float | None
    short: np.ndarray | None = None  # bool [R]: regions the open sites could not serve


def _gpu_rows(instance: Instance, s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    T = instance.n_types
    util = float(instance.constraints.max_utilisation)
    A = np.vstack(
        [
            instance.gpu_power_kw * instance.site_pue[s],
            np.ones(T),
            util * instance.gpu_throughput,
        ]
    )
    power = float(instance.site_power_kw[s])
    space = float(instance.site_max_gpus[s])
    lb = np.array([-np.inf, float(instance.constraints.min_gpus_per_site), 0.0])
    ub = np.array([power if np.isfinite(power) else np.inf, space, np.inf])
    return A, lb, ub


def whole_gpus(instance: Instance, sites: np.ndarray, loads: np.ndarray) -> np.ndarray | None:
    """The cheapest whole-GPU mix at each of ``sites`` serving its load: int [n, T].

    One separable integer program for all sites (None: some load does not fit).
    """
    sites = np.asarray(sites, dtype=np.int64)
    n, T = sites.size, instance.n_types
    if n == 0:
        return np.zeros((0, T), dtype=np.int64)
    blocks, lbs, ubs = [], [], []
    for i, s in enumerate(sites):
        A, lb, ub = _gpu_rows(instance, int(s))
        lb[2] = float(loads[i]) - 1e-9
        blocks.append(sp.csr_matrix(A))
        lbs.append(lb)
        ubs.append(ub)
    capex = (instance.gpu_capex[None, :] * instance.site_cost_factor[sites, None]).ravel()
    res = milp(
        capex,
        constraints=LinearConstraint(
            sp.block_diag(blocks, format="csr"), np.concatenate(lbs), np.concatenate(ubs)
        ),
        integrality=np.ones(n * T),
        bounds=Bounds(0, np.inf),
        options={"time_limit": 10.0, "mip_rel_gap": 1e-6},
    )
    if res.x is None:
        return None
    return np.round(res.x).astype(np.int64).reshape(n, T)


def round_gpus(
    instance: Instance, gpu: GpuCost, sites: np.ndarray, loads: np.ndarray
) -> np.ndarray | None:
    """Whole-GPU mixes serving ``loads`` at ``sites``, near the cheapest: int [n, T].

    Searches the integer points around the LP optimum of each site (each count
    rounded down by one to up by two, then the type cheapest per unit of
    throughput raised until the load is covered); a site where none fits gets
    the exact :func:`whole_gpus`. None when some load does not fit at all.
    """
    sites = np.asarray(sites, dtype=np.int64)
    loads = np.asarray(loads, dtype=float)
    n, T = sites.size, instance.n_types
    if n == 0 or gpu.corner_gpus is None:
        return whole_gpus(instance, sites, loads)
    util = float(instance.constraints.max_utilisation)
    thr = instance.gpu_throughput.astype(float)
    star = int(np.argmin(instance.gpu_capex / np.maximum(thr, 1e-12)))
    centre = np.floor(gpu.lp_gpus(sites, loads) + 1e-9)
    offsets = np.array(list(itertools.product(range(-1, 3), repeat=T)), dtype=float)
    cand = np.maximum(centre[:, None, :] + offsets[None, :, :], 0.0)  # [n, C, T]
    short = loads[:, None] / util - (cand * thr).sum(axis=2) + 1e-9
    need = np.ceil(np.maximum(short, 0.0) / max(thr[star], 1e-12) - 1e-9)
    filled = cand.copy()
    filled[:, :, star] += np.maximum(need, 0.0)
    cand = np.concatenate([cand, filled], axis=1)
    power = (cand * instance.gpu_power_kw).sum(axis=2) * instance.site_pue[sites, None]
    count = cand.sum(axis=2)
    ok = (
        (util * (cand * thr).sum(axis=2) >= loads[:, None] - 1e-9)
        & (power <= instance.site_power_kw[sites, None] + 1e-9)
        & (count <= instance.site_max_gpus[sites, None])
        & (count >= instance.constraints.min_gpus_per_site)
    )
    capex = instance.gpu_capex[None, :] * instance.site_cost_factor[sites, None]
    cost = np.where(ok, (cand * capex[:, None, :]).sum(axis=2), np.inf)
    best = np.argmin(cost, axis=1)
    out = cand[np.arange(n), best].astype(np.int64)
    missing = np.flatnonzero(~ok.any(axis=1))
    if missing.size:
        exact = whole_gpus(instance, sites[missing], loads[missing])
        if exact is None:
            return None
        out[missing] = exact
    return out


def whole_gpu_capacity(instance: Instance, s: int) -> float:
    """The most demand whole GPUs can serve at site ``s`` (0 when none fit)."""
    A, lb, ub = _gpu_rows(instance, s)
    res = milp(
        -A[2],
        constraints=LinearConstraint(A[:2], lb[:2], ub[:2]),
        integrality=np.ones(instance.n_types),
        bounds=Bounds(0, 1e7),
        options={"time_limit": 5.0},
    )
    return 0.0 if res.x is None else float(A[2] @ np.round(res.x))


class TransportSolver:
    """Plans from open-site sets of one instance (caches whole-GPU capacities)."""

    def __init__(self, instance: Instance, gpu: GpuCost) -> None:
        self.instance = instance
        self.gpu = gpu
        self._capacity: dict[int, float] = {}
        self.latency = instance.objective.latency_weight * instance.pair_rtt_ms
        self.demand = instance.region_demand[instance.pair_region].astype(float)

    def capacity(self, s: int) -> float:
        if s not in self._capacity:
            self._capacity[s] = whole_gpu_capacity(self.instance, s)
        return self._capacity[s]

    def solve(self, open_sites: np.ndarray, time_limit_s: float = 30.0) -> TransportPlan:
        """The plan serving every region from ``open_sites`` (bool [S]) at least cost."""
        inst, gpu = self.instance, self.gpu
        open_sites = np.asarray(open_sites, dtype=bool).copy()
        R = inst.n_regions
        keep = np.flatnonzero(open_sites[inst.pair_site])
        sites = np.flatnonzero(open_sites)
        local = np.full(inst.n_sites, -1)
        local[sites] = np.arange(sites.size)
        n_x, n_s, K = keep.size, sites.size, gpu.length.shape[1]
        cap = np.array([self.capacity(int(s)) for s in sites])
        start = np.cumsum(gpu.length[sites], axis=1) - gpu.length[sites]
        seg_len = np.clip(cap[:, None] - start, 0.0, gpu.length[sites]).ravel()
        seg_cost = np.where(seg_len > 0, gpu.slope[sites].ravel(), 0.0)
        d = self.demand[keep]
        # a slack per region, priced far above any plan, keeps the LP feasible and names
        # the regions the open sites cannot serve
        penalty = 10.0 * (
            float(np.max(gpu.slope[np.isfinite(gpu.slope)], initial=0.0))
            + float(self.latency.max(initial=0.0))
            + 1.0
        )
        region_rows = sp.csr_matrix(
            (np.ones(n_x), (inst.pair_region[keep], np.arange(n_x))), shape=(R, n_x)
        )
        site_x = sp.csr_matrix((d, (local[inst.pair_site[keep]], np.arange(n_x))), shape=(n_s, n_x))
        site_z = sp.csr_matrix(
            (-np.ones(n_s * K), (np.repeat(np.arange(n_s), K), np.arange(n_s * K))),
            shape=(n_s, n_s * K),
        )
        A = sp.vstack(
            [
                sp.hstack([region_rows, sp.csr_matrix((R, n_s * K)), sp.identity(R)]),
                sp.hstack([site_x, site_z, sp.csr_matrix((n_s, R))]),
            ],
            format="csr",
        )
        c = np.concatenate(
            [self.latency[keep] * d, seg_cost, penalty * inst.region_demand.astype(float)]
        )
        row_ub = np.concatenate([np.ones(R), np.zeros(n_s)])
        col_ub = np.concatenate([np.ones(n_x), seg_len, np.ones(R)])
        result = linprog(
            c,
            A_ub=A[R:],
            b_ub=row_ub[R:],
            A_eq=A[:R],
            b_eq=row_ub[:R],
            bounds=np.column_stack([np.zeros(c.size), col_ub]),
            method="highs",
            options={"time_limit": float(max(time_limit_s, 0.1)), "presolve": True},
        )
        none = TransportPlan(None, open_sites, None, None, None, None)
        if result.status != 0 or result.x is None:
            return none
        values = result.x
        short = values[n_x + n_s * K :] > 1e-7
        if short.any():
            return TransportPlan(None, open_sites, None, None, None, None, short)
        x = np.clip(values[:n_x], 0.0, 1.0)
        share = np.zeros(inst.n_pairs)
        share[keep] = x
        load = np.bincount(inst.pair_site[keep], weights=x * d, minlength=inst.n_sites)
        gpus = np.zeros((inst.n_sites, inst.n_types), dtype=np.int64)
        idle = sites[(load[sites] <= 1e-9) & (inst.site_status[sites] != 1)]
        open_sites[idle] = False
        share[open_sites[inst.pair_site] == 0] = 0.0
        used = np.flatnonzero(open_sites)
        mix = round_gpus(inst, gpu, used, load[used])
        if mix is None:
            return none
        gpus[used] = mix
        objective = (
            float(inst.site_fixed_cost[open_sites].sum())
            + float((gpus * inst.gpu_capex[None, :] * inst.site_cost_factor[:, None]).sum())
            + float(self.latency @ (share * self.demand))
        )
        dual = np.asarray(result.eqlin.marginals, dtype=float)
        return TransportPlan(objective, open_sites, gpus, share, dual, float(result.fun))
