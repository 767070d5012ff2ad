"""Lagrangian bound for placement: relax "every region is served" and price it.

With multipliers λ_r on Σ_s x_rs = 1, the model splits by site. An open site
s pays its fixed cost f_s and, for q units of served demand, at least the
convex GPU cost c_s(q) of :mod:`solvers.fast.gpu_cost` (the GPU counts relaxed
to continuous values, power, space and minimum GPUs kept). Serving one unit of
region r there is worth v_rs = λ_r / D_r − lw rtt_rs; the site serves the
units of highest value while that value exceeds the marginal GPU cost (a
fractional knapsack with a convex cost, solved exactly by sorting), and opens
when that beats its fixed cost::

    L(λ) = Σ_r λ_r + Σ_s min(0, f_s + c_s(0) − best_s(λ))      (forced-open sites: no min)

Every other constraint (budget, link capacity, integrality of the GPUs, …)
is dropped, which only lowers L. So L(λ) <= optimum for *any* λ. The dual is
maximised by a stabilised subgradient method (:func:`subgradient`). Valid for
the ``cost`` objective with every region fully served, no redundancy and no
existing GPUs (see :func:`applies`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import Instance, SiteStatus
from gpuplace.solvers.fast.gpu_cost import MAX_TYPES, GpuCost, gpu_cost

__all__ = [
    "LagrangeResult",
    "SiteData",
    "SubproblemSolver",
    "Subproblems",
    "applies",
    "evaluate",
    "initial_multipliers",
    "site_data",
    "solve_subproblems",
    "subgradient",
]


def applies(instance: Instance) -> bool:
    """Whether :func:`evaluate` gives a valid bound for ``instance``."""
    con = instance.constraints
    return (
        instance.objective.kind == "cost"
        and not con.allow_unserved
        and con.redundancy <= 1
        and not np.any(instance.site_existing_gpus)
        and instance.n_pairs > 0
        and 0 < instance.n_types <= MAX_TYPES
    )


@dataclass(frozen=True, eq=False)
class SiteData:
    """Per-site fixed cost and GPU cost, per-pair latency cost per demand unit."""

    gpu: GpuCost
    fixed: np.ndarray  # f_s + c_s(0)
    forced: np.ndarray  # bool: must open
    usable: np.ndarray  # bool: may open
    pair_latency: np.ndarray  # lw rtt_rs per demand unit
    pair_demand: np.ndarray

    @property
    def max_served(self) -> np.ndarray:
        return self.gpu.max_served


def site_data(instance: Instance) -> SiteData:
    """The relaxed per-site data of the module docstring."""
    gpu = gpu_cost(instance)
    if gpu is None:
        raise ValueError("the Lagrangian bound needs between 1 and 6 GPU types")
    status = instance.site_status
    lw = instance.objective.latency_weight
    return SiteData(
        gpu=gpu,
        fixed=instance.site_fixed_cost.astype(float) + gpu.base,
        forced=status == SiteStatus.OPEN,
        usable=(status != SiteStatus.CLOSED) & gpu.usable,
        pair_latency=lw * instance.pair_rtt_ms,
        pair_demand=instance.region_demand[instance.pair_region].astype(float),
    )


@dataclass(frozen=True, eq=False)
class Subproblems:
    """The solution of every site subproblem at one λ."""

    value: float  # L(λ)
    open_sites: np.ndarray  # bool [S]
    served: np.ndarray  # fraction of each region served by the open sites [R]
    pair_take: np.ndarray  # demand units of each pair taken (0 at closed sites) [P]
    site_value: np.ndarray | None = None  # f_s + c_s(taken) − revenue: < 0 opens the site [S]


class SubproblemSolver:
    """Solves every site subproblem for a sequence of λ, reusing the last order of the pairs.

    The pairs are kept grouped by site and sorted by value within a site; from
    one λ to the next the order changes little, so a stable (run-aware) sort of
    the previous order is close to linear.
    """

    def __init__(self, instance: Instance, data: SiteData) -> None:
        self.instance = instance
        self.data = data
        d = data.pair_demand
        # only pairs that can serve anything take part
        self._pairs = np.flatnonzero(data.usable[instance.pair_site] & (d > 0))
        self._site = instance.pair_site[self._pairs]
        self._region = instance.pair_region[self._pairs]
        self._demand = d[self._pairs]
        self._inv_demand = 1.0 / self._demand
        self._latency = data.pair_latency[self._pairs]
        self._order = np.argsort(self._site, kind="stable")
        # grouped by site, the site of each position never changes
        self._site_sorted = self._site[self._order]
        self._starts = np.searchsorted(self._site_sorted, np.arange(instance.n_sites + 1))
        self._room_sorted = data.max_served[self._site_sorted]
        self._floor_sorted = data.gpu.slope[self._site_sorted, 0]

    def solve(self, lam: np.ndarray) -> Subproblems:
        """L(λ) and the solution of every site subproblem (see the module docstring)."""
        inst, data = self.instance, self.data
        S = inst.n_sites
        v = lam[self._region] * self._inv_demand - self._latency
        span = float(np.ptp(v)) + 1.0 if v.size else 1.0
        key = self._site * (4.0 * span) - v
        order = self._order[np.argsort(key[self._order], kind="stable")]
        self._order = order
        s_sorted = self._site_sorted
        d_sorted, v_sorted = self._demand[order], v[order]
        cum = np.concatenate([[0.0], np.cumsum(d_sorted)])
        sizes = np.diff(self._starts)
        before = cum[:-1] - np.repeat(cum[self._starts[:-1]], sizes)
        # a pair can be taken only if its block starts within the site's room and its
        # value beats the cheapest marginal GPU cost
        live = np.flatnonzero((before < self._room_sorted) & (v_sorted > self._floor_sorted))
        sl, vl, bl, dl = s_sorted[live], v_sorted[live], before[live], d_sorted[live]
        reach = data.gpu.reach(sl, vl)
        take = np.clip(np.minimum(bl + dl, reach) - bl, 0.0, dl)
        total = np.bincount(sl, weights=take, minlength=S)
        revenue = np.bincount(sl, weights=vl * take, minlength=S)
        var_cost = data.gpu.cost(np.arange(S), total) - data.gpu.base
        value_s = data.fixed + var_cost - revenue
        open_sites = data.forced | (data.usable & (value_s < 0))
        L = float(lam.sum() + value_s[open_sites].sum())
        pair_take = np.zeros(inst.n_pairs)
        pair_take[self._pairs[order[live]]] = np.where(open_sites[sl], take, 0.0)
        served = np.bincount(inst.pair_region, weights=pair_take, minlength=inst.n_regions)
        served = served / np.maximum(inst.region_demand, 1e-300)
        return Subproblems(L, open_sites, served, pair_take, value_s)


def solve_subproblems(instance: Instance, data: SiteData, lam: np.ndarray) -> Subproblems:
    """L(λ) and the solution of every site subproblem (see the module docstring)."""
    return SubproblemSolver(instance, data).solve(lam)


def evaluate(
    instance: Instance, data: SiteData, lam: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """L(λ), the sites that open in the subproblems, and each region's served fraction there."""
    sub = solve_subproblems(instance, data, lam)
    return sub.value, sub.open_sites, sub.served


def initial_multipliers(instance: Instance, data: SiteData) -> np.ndarray:
    """λ_r = D_r × the cheapest per-unit cost of region r, fixed costs spread over full sites."""
    cap = np.maximum(data.max_served, 1e-9)
    full = data.gpu.cost(np.arange(instance.n_sites), data.max_served)
    per_unit = (instance.site_fixed_cost + full) / cap
    cost = (data.pair_latency + per_unit[instance.pair_site]) * data.pair_demand
    cost = np.where(data.usable[instance.pair_site], cost, np.inf)
    lam = np.full(instance.n_regions, np.inf)
    np.minimum.at(lam, instance.pair_region, cost)
    return np.where(np.isfinite(lam), lam, 0.0)


@dataclass(frozen=True, eq=False)
class LagrangeResult:
    bound: float
    multipliers: np.ndarray
    open_sites: np.ndarray  # of the best subproblem
    iterations: int
    # sites open in any subproblem near the best bound (candidates for heuristics)
    candidate_sites: np.ndarray | None = None


def subgradient(
    instance: Instance,
    upper: float,
    *,
    deadline: float,
    lam0: np.ndarray | None = None,
    max_iter: int = 300,
    target_gap: float = 0.0,
    stop: Callable[[], bool] | None = None,
    data: SiteData | None = None,
    on_iteration: Callable[[int, Subproblems], float | None] | None = None,
) -> LagrangeResult:
    """Stabilised subgradient ascent on L(λ) with a Polyak step towards ``upper``.

    The direction is a running average of subgradients (a deflected
    subgradient, as in the volume algorithm), which damps the zig-zag of plain
    steps; the step length ``θ (upper − L(λ)) / |d|²`` halves after a run of
    steps without progress. ``upper`` is a known plan's cost (the target);
    the bound returned is the best L(λ) seen, valid whatever the target.

    Stops at ``deadline`` (``time.perf_counter()``), after ``max_iter`` steps,
    or once ``upper − L <= target_gap × upper``. ``on_iteration`` sees every
    subproblem solution (for primal heuristics) and may return a better
    ``upper`` (the cost of a plan it found), which becomes the new target.
    """
    data = site_data(instance) if data is None else data
    lam = initial_multipliers(instance, data) if lam0 is None else lam0.copy()
    best = -np.inf
    best_lam, best_open = lam.copy(), np.zeros(instance.n_sites, dtype=bool)
    candidates = np.zeros(instance.n_sites, dtype=bool)
    theta = 1.0
    stall = 0
    iterations = 0
    direction: np.ndarray | None = None
    alpha = 0.7
    solver = SubproblemSolver(instance, data)
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported)
        sub = solver.solve(lam)
        if on_iteration is not None:
            found = on_iteration(iterations, sub)
            if found is not None and found < upper:
                upper = float(found)
        value = sub.value
        if value > best + 1e-9 * abs(best if np.isfinite(best) else 1.0):
            if value > best + 1e-4 * abs(value):
                stall = 0
            best, best_lam, best_open = value, lam.copy(), sub.open_sites
        else:
            stall += 1
        if stall >= 8:
            theta *= 0.6
            stall = 0
        if value >= best - 0.01 * abs(best):
            candidates |= sub.open_sites
        if upper - best <= target_gap * abs(upper) or time.perf_counter() >= deadline:
            break
        if stop is not None and stop():
            break
        g = 1.0 - sub.served
        direction = g if direction is None else alpha * g + (1.0 - alpha) * direction
        norm = float(direction @ direction)
        if norm <= 1e-12:
            break
        # without a plan yet, aim 5 % above the current value
        target = upper if np.isfinite(upper) else value + 0.05 * abs(value) + 1.0
        step = theta * max(target - value, 1e-6 * abs(target)) / norm
        lam = lam + step * direction
    return LagrangeResult(float(best), best_lam, best_open, iterations, candidates)
