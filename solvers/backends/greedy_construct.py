"""Greedy construction of a placement plan (one pass), and its trimming to the budget.

Construction (one pass, regions with the fewest usable candidate sites first,
then by decreasing demand):

1. Sites that must open (status open, existing GPUs) are open; closed sites
   and sites excluded by the local search are never used.
2. Each site's reachable capacity is what its power and space allow with the
   GPU type of highest throughput per kW (plus existing GPUs), at
   ``max_utilisation``.
3. A region's demand goes to its candidate sites in order of marginal cost:
   capex per unit of demand of the cheapest type (0 while existing GPUs have
   room) + fixed cost when the site is not yet open + latency_weight × RTT
   (RTT alone for the latency objective), at most D_r / k per site
   (redundancy), whole regions only with single sourcing, no new site beyond
   ``max_sites``, and no more than the bandwidth left on every capacitated
   link of the pair's path (``link_capacity``). What does not fit is
   unserved when allowed, else the construction fails.
4. GPUs per open site: the cheapest single type covering the load within
   power and space, else the highest-throughput-per-kW type; topped up to
   ``min_gpus_per_site``; extra sites opened for ``min_sites``.

5. Budget with unserved demand allowed (``allow_unserved`` or the ``served``
   objective): while the plan costs more than the budget, drop the served
   region with the highest cost per unit of demand (capex per unit at its
   sites plus their fixed cost shared by load) and shrink or close its sites.
   The plan then serves what the budget buys, best demand per cost first.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints import link_capacity
from gpuplace.solvers.model.links import link_capacity_gbps, pair_link_matrix
from gpuplace.solvers.model.objective import total_cost

_OPEN, _CLOSED = 1, 2


def site_capacity(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(max servable demand per site, index of the best throughput-per-kW type per site)."""
    mu = inst.constraints.max_utilisation
    per_gpu_kw = inst.site_pue[:, None] * inst.gpu_power_kw[None, :]
    existing = inst.site_existing_gpus
    rem_power = inst.site_power_kw - (existing * per_gpu_kw).sum(axis=1)
    rem_space = inst.site_max_gpus - existing.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_fit = np.where(per_gpu_kw > 0, np.floor(rem_power[:, None] / per_gpu_kw + 1e-9), np.inf)
    n_fit = np.clip(np.minimum(n_fit, rem_space[:, None]), 0, 1e9)
    thr = n_fit * inst.gpu_throughput[None, :]
    best = np.argmax(thr, axis=1) if inst.n_types else np.zeros(inst.n_sites, dtype=np.int64)
    extra = thr[np.arange(inst.n_sites), best] if inst.n_types else np.zeros(inst.n_sites)
    return mu * ((existing * inst.gpu_throughput[None, :]).sum(axis=1) + extra), best


def size_site(inst: Instance, s: int, load: float, best_type: int) -> np.ndarray | None:
    """New GPUs per type for site s serving ``load`` (None if impossible)."""
    mu = inst.constraints.max_utilisation
    existing = inst.site_existing_gpus[s]
    need = load / mu - float(existing @ inst.gpu_throughput)
    per_gpu_kw = inst.site_pue[s] * inst.gpu_power_kw
    rem_power = inst.site_power_kw[s] - float(existing @ per_gpu_kw)
    rem_space = inst.site_max_gpus[s] - existing.sum()
    m_left = max(0, inst.constraints.min_gpus_per_site - int(existing.sum()))
    price = inst.gpu_capex * inst.site_cost_factor[s]
    best: tuple[float, np.ndarray] | None = None
    for t in range(inst.n_types):
        if inst.gpu_throughput[t] <= 0 and need > 1e-12:
            continue
        n = int(np.ceil(max(need, 0.0) / inst.gpu_throughput[t] - 1e-9)) if need > 1e-12 else 0
        n = max(n, m_left)
        if n * per_gpu_kw[t] > rem_power + 1e-9 or n > rem_space + 1e-9:
            continue
        g = np.zeros(inst.n_types, dtype=np.int64)
        g[t] = n
        cost = float(n * price[t])
        if best is None or cost < best[0]:
            best = (cost, g)
    return None if best is None else best[1]


class _LinkRoom:
    """Bandwidth left on each capacitated directed link, as demand is placed."""

    def __init__(self, inst: Instance, pair_links: sp.csr_matrix | None, room: np.ndarray):
        self.gbps_per_unit = inst.region_gbps_per_unit
        self.pair_links = pair_links
        self.left = room

    @classmethod
    def of(cls, inst: Instance) -> _LinkRoom:
        """Room on the links the ``link_capacity`` rows bound (none when they do not apply)."""
        if not link_capacity.applies(inst):
            return cls(inst, None, np.zeros(0))
        room = link_capacity_gbps(inst).astype(float)
        return cls(inst, pair_link_matrix(inst), room)

    def _links(self, p: int) -> np.ndarray:
        a = self.pair_links
        assert a is not None  # asked only when the link rows apply
        return a.indices[a.indptr[p] : a.indptr[p + 1]]

    def room(self, p: int, r: int) -> float:
        """Demand of region r that pair p can still carry over its path."""
        if self.pair_links is None or self.gbps_per_unit[r] <= 0:
            return np.inf
        links = self._links(p)
        if not links.size:
            return np.inf
        return max(float(self.left[links].min()), 0.0) / float(self.gbps_per_unit[r])

    def use(self, p: int, r: int, demand: float) -> None:
        if self.pair_links is not None and self.gbps_per_unit[r] > 0:
            self.left[self._links(p)] -= demand * float(self.gbps_per_unit[r])


def unit_cost(inst: Instance) -> np.ndarray:
    """Capex per unit of served demand of each site's cheapest GPU type (inf without throughput)."""
    if not inst.n_types:
        return np.zeros(inst.n_sites)
    mu = inst.constraints.max_utilisation
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            inst.gpu_throughput[None, :] > 0,
            inst.site_cost_factor[:, None]
            * inst.gpu_capex[None, :]
            / (mu * inst.gpu_throughput[None, :]),
            np.inf,
        ).min(axis=1)


def _open_cheapest(
    inst: Instance, usable: np.ndarray, is_open: np.ndarray, unit: np.ndarray
) -> None:
    """Open the cheapest usable sites until ``min_sites`` are open (in place)."""
    assert inst.constraints.min_sites is not None
    min_sites = int(inst.constraints.min_sites)
    extra = np.flatnonzero(usable & ~is_open)
    price = inst.site_fixed_cost[extra] + inst.constraints.min_gpus_per_site * unit[extra]
    for s in extra[np.argsort(price, kind="stable")][: min_sites - int(is_open.sum())]:
        is_open[s] = True


def construct(inst: Instance, excluded: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """One greedy pass; ``excluded`` sites are not used. None when it fails."""
    c = inst.constraints
    S, R = inst.n_sites, inst.n_regions
    demand = inst.region_demand
    cap, best_type = site_capacity(inst)
    mu = c.max_utilisation
    unit = unit_cost(inst)
    free = mu * (inst.site_existing_gpus * inst.gpu_throughput[None, :]).sum(axis=1)
    forced = (inst.site_status == _OPEN) | (inst.site_existing_gpus.sum(axis=1) > 0)
    usable = (inst.site_status != _CLOSED) & ~excluded
    if np.any(forced & ~usable):
        return None
    is_open = forced.copy()
    load = np.zeros(S)
    share = np.zeros(inst.n_pairs)
    unserved = np.zeros(R)
    k = max(1, int(c.redundancy))
    may_leave = c.allow_unserved or inst.objective.kind == "served"
    starts = np.searchsorted(inst.pair_region, np.arange(R + 1))
    n_cand = np.bincount(inst.pair_region[usable[inst.pair_site]], minlength=R)
    order = np.lexsort((-demand, n_cand))
    lw = inst.objective.latency_weight if inst.objective.kind == "cost" else 0.0
    links = _LinkRoom.of(inst)
    for r in order:
        d = float(demand[r])
        if d <= 0:
            continue
        pairs = np.arange(starts[r], starts[r + 1])
        sites = inst.pair_site[pairs]
        ok = usable[sites]
        pairs, sites = pairs[ok], sites[ok]
        if inst.objective.kind == "latency":
            score = inst.pair_rtt_ms[pairs]
        else:
            marginal = np.where(load[sites] + d <= free[sites], 0.0, unit[sites] * d)
            score = (
                marginal
                + np.where(is_open[sites], 0.0, inst.site_fixed_cost[sites])
                + lw * d * inst.pair_rtt_ms[pairs]
            )
        need = d
        for idx in np.argsort(score, kind="stable"):
            p, s = int(pairs[idx]), int(sites[idx])
            if not is_open[s] and c.max_sites is not None and is_open.sum() >= c.max_sites:
                continue
            room = cap[s] - load[s]
            take = min(need, d / k, room, links.room(p, r))
            if c.single_sourcing and take < d - 1e-9:
                continue
            if take <= 1e-12:
                continue
            share[p] += take / d
            load[s] += take
            links.use(p, r, take)
            is_open[s] = True
            need -= take
            if need <= 1e-9 * d:
                break
        if need > 1e-9 * d:
            if not may_leave:
                return None
            unserved[r] = need
    if c.min_sites is not None and is_open.sum() < c.min_sites:
        _open_cheapest(inst, usable, is_open, unit)
    gpus = np.zeros((S, inst.n_types), dtype=np.int64)
    for s in np.flatnonzero(is_open).tolist():
        g = size_site(inst, int(s), float(load[s]), int(best_type[s]))
        if g is None:
            return None
        gpus[s] = g
    if c.budget is not None and may_leave:
        _trim_to_budget(inst, forced, is_open, gpus, load, share, unserved, unit, best_type)
    return is_open, gpus, share, unserved


def _trim_to_budget(
    inst: Instance,
    forced: np.ndarray,
    is_open: np.ndarray,
    gpus: np.ndarray,
    load: np.ndarray,
    share: np.ndarray,
    unserved: np.ndarray,
    unit: np.ndarray,
    best_type: np.ndarray,
) -> None:
    """Leave whole regions unserved, costliest per unit of demand first, until within budget.

    Works in place on the construction's arrays.
    """
    assert inst.constraints.budget is not None
    budget = float(inst.constraints.budget)
    min_sites = inst.constraints.min_sites or 0
    spend = total_cost(inst, is_open, gpus)
    if spend <= budget:
        return
    demand = inst.region_demand
    served = share * demand[inst.pair_region]
    sites = inst.pair_site
    fixed_share = np.where(
        forced[sites], 0.0, inst.site_fixed_cost[sites] / np.maximum(load[sites], 1e-12)
    )
    pair_cost = served * (unit[sites] + fixed_share)
    region_cost = np.bincount(inst.pair_region, weights=pair_cost, minlength=inst.n_regions)
    region_served = np.bincount(inst.pair_region, weights=served, minlength=inst.n_regions)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(region_served > 0, region_cost / region_served, -np.inf)
    starts = np.searchsorted(inst.pair_region, np.arange(inst.n_regions + 1))
    for r in np.argsort(-rate, kind="stable"):
        if spend <= budget or not np.isfinite(rate[r]):
            break
        pairs = np.arange(starts[r], starts[r + 1])
        pairs = pairs[share[pairs] > 0]
        for p in pairs:
            s = int(sites[p])
            load[s] = max(0.0, load[s] - share[p] * demand[r])
            share[p] = 0.0
            if load[s] <= 1e-9 and not forced[s] and int(is_open.sum()) > min_sites:
                is_open[s] = False
                gpus[s] = 0
            else:
                g = size_site(inst, s, float(load[s]), int(best_type[s]))
                if g is not None:
                    gpus[s] = g
        unserved[r] = demand[r]
        spend = total_cost(inst, is_open, gpus)


__all__ = ["construct", "site_capacity", "size_site", "unit_cost"]
