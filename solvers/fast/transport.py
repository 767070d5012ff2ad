"""A plan from a set of open sites: the assignment LP, then whole GPUs per site.

Given open sites O, the cheapest way to serve every region from them is a
transportation LP with a convex cost per site::

    min  Σ_p lw D_r rtt_p x_p + Σ_{s in O} Σ_k slope_sk z_sk
    s.t. Σ_{p of r} x_p = 1                         for every region r
         Σ_{p at s} D_r x_p − Σ_k z_sk <= 0         for every open site s
         0 <= z_sk <= length_sk,  0 <= x_p <= 1

where (length, slope) is the GPU cost of :mod:`solvers.fast.gpu_cost`, cut at
the most demand whole GPUs can serve at the site. Each site then gets the
cheapest whole-GPU mix covering its load (a three-variable integer program).
The LP's duals on the region rows are good Lagrange multipliers
(:mod:`solvers.fast.lagrange`).

Rows the LP does not model (budget, site counts, links, …) are not checked
here: the caller checks the plan against the full model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from scenario.instance import Instance
from solvers.fast import highs_mip
from solvers.fast.gpu_cost import GpuCost


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


def whole_gpus(instance: Instance, s: int, load: float) -> np.ndarray | None:
    """The cheapest whole-GPU mix at site ``s`` serving ``load`` (None: none fits)."""
    A, lb, ub = _gpu_rows(instance, s)
    lb[2] = load - 1e-9
    capex = instance.gpu_capex * instance.site_cost_factor[s]
    res = milp(
        capex,
        constraints=LinearConstraint(A, lb, ub),
        integrality=np.ones(instance.n_types),
        bounds=Bounds(0, np.inf),
        options={"time_limit": 5.0},
    )
    if res.x is None:
        return None
    return np.round(res.x).astype(np.int64)


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
            ]
        )
        c = np.concatenate(
            [self.latency[keep] * d, seg_cost, penalty * inst.region_demand.astype(float)]
        )
        row_lb = np.concatenate([np.ones(R), np.full(n_s, -np.inf)])
        row_ub = np.concatenate([np.ones(R), np.zeros(n_s)])
        col_ub = np.concatenate([np.ones(n_x), seg_len, np.ones(R)])
        result = highs_mip.solve_arrays(
            c,
            A,
            row_lb,
            row_ub,
            np.zeros(c.size),
            col_ub,
            None,
            time_limit_s=time_limit_s,
            threads=1,
        )
        none = TransportPlan(None, open_sites, None, None, None, None)
        if result.status != "optimal" or result.values is None:
            return none
        short = result.values[n_x + n_s * K :] > 1e-7
        if short.any():
            return TransportPlan(None, open_sites, None, None, None, None, short)
        x = np.clip(result.values[:n_x], 0.0, 1.0)
        share = np.zeros(inst.n_pairs)
        share[keep] = x
        load = np.bincount(inst.pair_site[keep], weights=x * d, minlength=inst.n_sites)
        gpus = np.zeros((inst.n_sites, inst.n_types), dtype=np.int64)
        for s in sites:
            if load[s] <= 1e-9 and not self._must_stay(s):
                open_sites[s] = False
                share[inst.pair_site == s] = 0.0
                continue
            g = whole_gpus(inst, int(s), float(load[s]))
            if g is None:
                return none
            gpus[s] = g
        objective = (
            float(inst.site_fixed_cost[open_sites].sum())
            + float((gpus * inst.gpu_capex[None, :] * inst.site_cost_factor[:, None]).sum())
            + float(self.latency @ (share * self.demand))
        )
        dual = result.row_dual[:R] if result.row_dual is not None else None
        return TransportPlan(objective, open_sites, gpus, share, dual, result.objective)

    def _must_stay(self, s: int) -> bool:
        return bool(self.instance.site_status[s] == 1)
