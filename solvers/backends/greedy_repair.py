"""Repair for the greedy: choose the sites first, then let the construction serve from them.

The one-pass construction (:mod:`solvers.backends.greedy_construct`) opens
sites as regions ask for them, nearest or cheapest first; under ``max_sites``
or a budget it can open the few sites it may before the regions that only
other sites reach are served, and then fails although a plan exists. The
repair picks the set of sites up front, by a greedy cover:

1. sites that must open (status open, existing GPUs);
2. while demand is left uncovered and fewer than ``max_sites`` sites are
   chosen: the site covering the most uncovered demand within its capacity
   (rule ``cover``) or the most per unit of cost (rule ``cheap``: fixed cost
   plus capex of the GPUs the covered demand needs), its capacity given first
   to the regions with the fewest other candidate sites; when ``max_sites``
   sites leave demand uncovered, one chosen site is swapped for another while
   that covers more (first improvement);
3. with the ``latency`` objective and sites to spare (rule ``cover`` only):
   the site that lowers the demand-weighted RTT to the nearest chosen site the
   most, until ``max_sites`` (the greedy step of the p-median heuristic).

Two plans are built from the chosen sites: the construction with every
other site excluded, and :func:`assign`, the transportation problem over the
chosen sites solved exactly (scipy's HiGHS), which places the demand whenever
the sites' capacities allow it. Each is checked against every row like any
other plan (the budget and link capacities included), so a repaired plan that
breaks a row is scored as such, not kept.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.greedy_construct import site_capacity, size_site, unit_cost

__all__ = ["RULES", "assign", "cover_sites"]

RULES = ("cover", "cheap")
_OPEN, _CLOSED = 1, 2
_EPS = 1e-9


class _Cover:
    """Demand left uncovered per region and room left per site, as sites are chosen."""

    def __init__(self, inst: Instance, usable: np.ndarray) -> None:
        self.inst = inst
        self.room = site_capacity(inst)[0].astype(float)
        self.left = inst.region_demand.astype(float).copy()
        self.k = max(1, int(inst.constraints.redundancy))
        self.single = bool(inst.constraints.single_sourcing)
        ok = usable[inst.pair_site]
        self.p_region, self.p_site = inst.pair_region[ok], inst.pair_site[ok]
        self.n_cand = np.bincount(self.p_region, minlength=inst.n_regions)

    def offer(self) -> np.ndarray:
        """Demand each site could still cover (before its room), per pair."""
        d = self.inst.region_demand[self.p_region]
        left = self.left[self.p_region]
        if self.single:
            return np.where(left >= d - _EPS * np.maximum(d, 1.0), d, 0.0)
        return np.minimum(left, d / self.k)

    def coverable(self, chosen: np.ndarray) -> np.ndarray:
        per_site = np.bincount(self.p_site, weights=self.offer(), minlength=self.inst.n_sites)
        return np.where(chosen, 0.0, np.minimum(per_site, self.room))

    def take(self, s: int) -> None:
        """Give site s's room to its regions, fewest other candidates first."""
        mine = np.flatnonzero(self.p_site == s)
        offer = self.offer()[mine]
        regions = self.p_region[mine]
        for i in np.argsort(self.n_cand[regions], kind="stable"):
            amount = min(float(offer[i]), self.room[s])
            if amount <= _EPS or (self.single and amount < offer[i] - _EPS):
                continue
            self.left[regions[i]] -= amount
            self.room[s] -= amount

    def uncovered(self) -> float:
        return float(self.left.sum())


def cover_sites(
    inst: Instance, excluded: np.ndarray, rule: str, deadline: float
) -> np.ndarray | None:
    """Sites to open (bool [S]) by the greedy cover of the module docstring, or None.

    None when a site that must open is excluded. The set may leave demand
    uncovered by the greedy hand-out of capacity (:func:`assign` places demand
    exactly); the swaps stop at ``deadline``.
    """
    c = inst.constraints
    forced = (inst.site_status == _OPEN) | (inst.site_existing_gpus.sum(axis=1) > 0)
    usable = (inst.site_status != _CLOSED) & ~excluded
    if np.any(forced & ~usable):
        return None
    limit = inst.n_sites if c.max_sites is None else int(c.max_sites)
    cover = _Cover(inst, usable)
    chosen = forced.copy()
    for s in np.flatnonzero(forced).tolist():
        cover.take(s)
    price = _price(inst)
    while cover.uncovered() > _EPS * max(1.0, float(inst.region_demand.sum())):
        if int(chosen.sum()) >= limit:
            break
        gain = np.where(usable, cover.coverable(chosen), 0.0)
        if gain.max(initial=0.0) <= _EPS:
            break
        score = gain if rule == "cover" else gain / (price[0] + price[1] * gain + _EPS)
        s = int(np.argmax(score))
        chosen[s] = True
        cover.take(s)
    may_leave = c.allow_unserved or inst.objective.kind == "served"
    if _short(inst, cover) and not may_leave:
        chosen = _swap(inst, usable, forced, chosen, deadline)
    if rule == "cover" and inst.objective.kind == "latency":
        _nearer(inst, usable, chosen, limit)
    return chosen


def _short(inst: Instance, cover: _Cover) -> bool:
    return cover.uncovered() > 1e-6 * max(1.0, float(inst.region_demand.sum()))


def _covering(inst: Instance, usable: np.ndarray, sites: np.ndarray) -> _Cover:
    """The cover of ``sites`` (indices, in the order their room is given)."""
    cover = _Cover(inst, usable)
    for s in sites:
        cover.take(int(s))
    return cover


def _swap(
    inst: Instance, usable: np.ndarray, forced: np.ndarray, chosen: np.ndarray, deadline: float
) -> np.ndarray:
    """Swap a chosen site for another while that lowers the uncovered demand (the best set found).

    First improvement, sites tried by room (largest first); stops at ``deadline``.
    """
    room = site_capacity(inst)[0]
    order = np.argsort(-room, kind="stable")
    sites = [int(s) for s in np.flatnonzero(forced)] + [
        int(s) for s in order if chosen[s] and not forced[s]
    ]
    left = _covering(inst, usable, np.array(sites)).uncovered()
    improved = True
    while improved and left > 1e-6 * max(1.0, float(inst.region_demand.sum())):
        improved = False
        for i in range(int(forced.sum()), len(sites)):
            for b in order:
                if time.perf_counter() > deadline:
                    break
                if not usable[b] or b in sites:
                    continue
                trial = sites[:i] + sites[i + 1 :] + [int(b)]
                value = _covering(inst, usable, np.array(trial)).uncovered()
                if value < left - _EPS:
                    sites, left, improved = trial, value, True
                    break
            if improved or time.perf_counter() > deadline:
                break
    out = np.zeros(inst.n_sites, dtype=bool)
    out[sites] = True
    return out


def _price(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(fixed cost, capex per unit of demand) of each site."""
    unit = unit_cost(inst)
    return inst.site_fixed_cost.astype(float), np.where(np.isfinite(unit), unit, 1e30)


def _nearer(inst: Instance, usable: np.ndarray, chosen: np.ndarray, limit: int) -> None:
    """Add sites (in place) while one lowers the demand-weighted RTT to the nearest chosen site."""
    R = inst.n_regions
    weight = inst.region_demand[inst.pair_region] * inst.pair_rtt_ms
    while int(chosen.sum()) < limit:
        best = np.full(R, np.inf)
        on = chosen[inst.pair_site]
        np.minimum.at(best, inst.pair_region[on], weight[on])
        saving = np.where(
            usable[inst.pair_site] & ~on & np.isfinite(best[inst.pair_region]),
            np.maximum(best[inst.pair_region] - weight, 0.0),
            0.0,
        )
        per_site = np.bincount(inst.pair_site, weights=saving, minlength=inst.n_sites)
        if per_site.max(initial=0.0) <= _EPS:
            return
        chosen[int(np.argmax(per_site))] = True


def assign(
    inst: Instance, chosen: np.ndarray, time_limit_s: float
) -> tuple[np.ndarray, ...] | None:
    """A plan serving from the ``chosen`` sites only: shares by a transportation MIP, then GPUs.

    Minimises Σ_p D_r w_p x_p (+ the unserved penalty, or 1 per unit for ``served``)
    subject to Σ_{p of r} x_p + u_r / D_r = 1, Σ_{p at s} D_r x_p <= capacity_s,
    0 <= x_p <= 1/k (binary with single sourcing), over the pairs at chosen sites;
    w_p is the RTT (``latency``) or the capex per unit plus latency_weight × RTT.
    GPUs per site: :func:`~solvers.backends.greedy_construct.size_site`. None when
    the problem has no solution in ``time_limit_s`` or a site cannot be sized.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    c, demand = inst.constraints, inst.region_demand
    pairs = np.flatnonzero(chosen[inst.pair_site] & (demand[inst.pair_region] > 0))
    regions = np.flatnonzero(demand > 0)
    n, m = pairs.size, regions.size
    p_region, p_site = inst.pair_region[pairs], inst.pair_site[pairs]
    cap, best_type = site_capacity(inst)
    d = demand[p_region]
    if inst.objective.kind == "latency":
        w = inst.pair_rtt_ms[pairs]
    else:
        lw = inst.objective.latency_weight if inst.objective.kind == "cost" else 0.0
        w = np.minimum(unit_cost(inst)[p_site], 1e12) + lw * inst.pair_rtt_ms[pairs]
    may_leave = c.allow_unserved or inst.objective.kind == "served"
    penalty = 1.0 if inst.objective.kind == "served" else float(c.unserved_penalty)
    row = np.searchsorted(regions, p_region)
    sites = np.flatnonzero(chosen)
    a_assign = sp.csr_matrix(
        (np.ones(n + m), (np.concatenate([row, np.arange(m)]), np.arange(n + m))),
        shape=(m, n + m),
    )
    a_cap = sp.csr_matrix(
        (d, (np.searchsorted(sites, p_site), np.arange(n))), shape=(sites.size, n + m)
    )
    k = max(1, int(c.redundancy))
    result = milp(
        np.concatenate([d * w, penalty * demand[regions] * (1.0 if may_leave else 0.0)]),
        constraints=[
            LinearConstraint(a_assign, 1.0, 1.0),
            LinearConstraint(a_cap, -np.inf, cap[sites]),
        ],
        integrality=np.concatenate([np.full(n, int(c.single_sourcing)), np.zeros(m)]),
        bounds=Bounds(0.0, np.concatenate([np.full(n, 1.0 / k), np.full(m, float(may_leave))])),
        options={"time_limit": max(0.1, time_limit_s), "disp": False},
    )
    if result.x is None:
        return None
    share = np.zeros(inst.n_pairs)
    share[pairs] = np.clip(result.x[:n], 0.0, 1.0)
    unserved = np.zeros(inst.n_regions)
    unserved[regions] = np.clip(result.x[n:], 0.0, 1.0) * demand[regions]
    load = np.bincount(p_site, weights=d * share[pairs], minlength=inst.n_sites)
    forced = (inst.site_status == _OPEN) | (inst.site_existing_gpus.sum(axis=1) > 0)
    is_open = forced | (load > _EPS)
    gpus = np.zeros((inst.n_sites, inst.n_types), dtype=np.int64)
    for s in np.flatnonzero(is_open):
        g = size_site(inst, int(s), float(load[s]), int(best_type[s]))
        if g is None:
            return None
        gpus[s] = g
    return is_open, gpus, share, unserved
