"""Greedy constructive heuristic with a close-site local search.

Construction (one pass, regions with the fewest candidate sites first, then
by decreasing demand):

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

Repair: when the model has extra variable blocks (added by pieces, e.g. the
failover variables of ``survive_site_failure``) or the constructed plan breaks
a row (e.g. a failover cut on GPU capacity), the greedy keeps its shares and
unserved demand fixed and solves the remaining MIP (open, GPUs and the extra
blocks) with ``scipy.optimize.milp``: rows the construction does not know
about are met by adding GPUs where needed, or the plan is rejected.

Local search: try closing each optional open site (least loaded first) and
rebuild; keep improvements, until none or the time limit (at most 10 s).

Every candidate plan is checked against the full model's rows (all families,
custom pieces included); a plan violating any of them is rejected. The result
is FEASIBLE with no bound, or NO_SOLUTION. A cancel request stops the local
search with the best plan so far (marked interrupted). Construction is
deterministic; the result is the same for the same inputs unless the time
limit cuts the local search short.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import Backend, decisions, make_solution, no_plan, should_stop
from gpuplace.solvers.cancel import cancel_requested
from gpuplace.solvers.constraints import link_capacity
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.links import link_capacity_gbps, pair_link_matrix
from gpuplace.solvers.model.objective import objective_value, total_cost
from gpuplace.solvers.result import Solution, SolveParameters, Status

_OPEN, _CLOSED = 1, 2
_LOCAL_SEARCH_MAX_S = 10.0
_CORE_BLOCKS = ("open", "gpus", "share", "unserved")
# Blocks the completion MIP keeps at the greedy's values.
_FIXED_BLOCKS = ("share", "unserved")


def _site_capacity(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
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


def _size_site(inst: Instance, s: int, load: float, best_type: int) -> np.ndarray | None:
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


def construct(inst: Instance, excluded: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """One greedy pass; ``excluded`` sites are not used. None when it fails."""
    c = inst.constraints
    S, R = inst.n_sites, inst.n_regions
    demand = inst.region_demand
    cap, best_type = _site_capacity(inst)
    mu = c.max_utilisation
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = (
            np.where(
                inst.gpu_throughput[None, :] > 0,
                inst.site_cost_factor[:, None]
                * inst.gpu_capex[None, :]
                / (mu * inst.gpu_throughput[None, :]),
                np.inf,
            ).min(axis=1)
            if inst.n_types
            else np.zeros(S)
        )
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
    n_cand = np.diff(starts)
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
        extra = np.flatnonzero(usable & ~is_open)
        price = inst.site_fixed_cost[extra] + c.min_gpus_per_site * unit[extra]
        for s in extra[np.argsort(price, kind="stable")][: c.min_sites - int(is_open.sum())]:
            is_open[s] = True
    gpus = np.zeros((S, inst.n_types), dtype=np.int64)
    for s in np.flatnonzero(is_open):
        g = _size_site(inst, int(s), float(load[s]), int(best_type[s]))
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
                g = _size_site(inst, s, float(load[s]), int(best_type[s]))
                if g is not None:
                    gpus[s] = g
        unserved[r] = demand[r]
        spend = total_cost(inst, is_open, gpus)


def _complete(model: LinearModel, v: np.ndarray, time_limit_s: float) -> np.ndarray | None:
    """Fill the non-fixed variables of ``v`` (open, GPUs, extra blocks) by a MIP; None if none.

    Shares and unserved demand stay at their values in ``v``; the MIP minimises
    the model objective over the rest subject to every row.
    """
    from scipy.optimize import LinearConstraint, milp

    fixed = np.zeros(model.n_vars, dtype=bool)
    for name in _FIXED_BLOCKS:
        if name in model.var_blocks:
            b = model.var_blocks[name]
            fixed[b.start : b.stop] = True
    free = np.flatnonzero(~fixed)
    A = model.A.tocsc()
    base = A[:, np.flatnonzero(fixed)] @ v[fixed]
    a_free = sp.csr_matrix(A[:, free])
    lo, hi = model.row_lb - base, model.row_ub - base
    empty = a_free.getnnz(axis=1) == 0
    tol = 1e-7 * np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, lo)))
    if np.any(empty & ((lo > tol) | (hi < -tol))):
        return None
    keep = np.flatnonzero(~empty)
    sign = -1.0 if model.sense == "max" else 1.0
    result = milp(
        sign * model.c[free],
        constraints=LinearConstraint(a_free[keep], lo[keep], hi[keep]),
        integrality=model.integer[free].astype(int),
        bounds=(model.col_lb[free], model.col_ub[free]),
        options={"time_limit": max(0.1, time_limit_s), "disp": False},
    )
    if result.x is None:
        return None
    out = v.copy()
    out[free] = result.x
    out[free[model.integer[free]]] = np.rint(result.x[model.integer[free]])
    return out


class GreedyBackend(Backend):
    name = "greedy"
    supports_warm_start = False
    integer_only = False
    proves_bound = False
    honours_threads = False

    @classmethod
    def is_available(cls) -> bool:
        return True

    @classmethod
    def version(cls) -> str:
        return "greedy 1"

    def solve(
        self,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        warm_start: Solution | None = None,
    ) -> Solution:
        started = time.perf_counter()
        deadline = started + min(float(params.time_limit_s), _LOCAL_SEARCH_MAX_S)
        extra = [name for name in model.var_blocks if name not in _CORE_BLOCKS]

        def vector(plan: tuple[np.ndarray, ...]) -> np.ndarray:
            is_open, gpus, share, unserved = plan
            v = np.zeros(model.n_vars)
            for name, values in (
                ("open", is_open.astype(float)),
                ("gpus", gpus.ravel().astype(float)),
                ("share", share),
                ("unserved", unserved),
            ):
                if name in model.var_blocks:
                    b = model.var_blocks[name]
                    v[b.start : b.stop] = values
            if extra or model.violations(v, tol=1e-7):
                left_s = deadline - time.perf_counter()
                completed = _complete(model, v, left_s)
                if completed is not None:
                    return completed
            return v

        def evaluate(excluded: np.ndarray) -> tuple[tuple[float, float], np.ndarray] | None:
            """((total violation, signed objective), values); violation 0 means feasible."""
            plan = construct(instance, excluded)
            if plan is None:
                return None
            v = vector(plan)
            violation = sum(model.violations(v, tol=1e-7).values())
            value = objective_value(instance, *decisions(model, instance, v))
            return (violation, -value if model.sense == "max" else value), v

        def better(a: tuple[float, float], b: tuple[float, float]) -> bool:
            if a[0] != b[0]:
                return a[0] < b[0]
            return a[1] < b[1] - 1e-9 * max(1.0, abs(b[1]))

        excluded = np.zeros(instance.n_sites, dtype=bool)
        best = evaluate(excluded)
        notes: list[str] = []
        improved = best is not None
        while improved and not should_stop(deadline):
            improved = False
            open_v = model.values(best[1], "open") > 0.5
            forced = (instance.site_status == _OPEN) | (instance.site_existing_gpus.sum(axis=1) > 0)
            load = np.bincount(
                instance.pair_site,
                weights=model.values(best[1], "share")
                * instance.region_demand[instance.pair_region],
                minlength=instance.n_sites,
            )
            optional = np.flatnonzero(open_v & ~forced)
            for s in optional[np.argsort(load[optional], kind="stable")]:
                if should_stop(deadline):
                    break
                trial = excluded.copy()
                trial[s] = True
                result = evaluate(trial)
                if result is not None and better(result[0], best[0]):
                    best, excluded, improved = result, trial, True
                    break
        interrupted = cancel_requested()
        if best is not None and best[0][0] > 0:
            worst = model.violations(best[1], tol=1e-7)
            notes.append("greedy plan breaks: " + ", ".join(sorted(worst)))
            best = None
        version = self.version()
        if best is None:
            notes.append("greedy found no plan satisfying every constraint")
            return no_plan(
                model,
                instance,
                Status.NO_SOLUTION,
                started,
                self.name,
                version,
                interrupted=interrupted,
                notes=notes,
            )
        return make_solution(
            model,
            instance,
            best[1],
            Status.FEASIBLE,
            None,
            started,
            self.name,
            version,
            interrupted,
            tuple(notes),
        )
