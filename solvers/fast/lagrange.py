"""Lagrangian bound for placement: relax "every region is served" and price it.

With multipliers λ_r on Σ_s x_rs = 1, the model splits by site. Site s
(open: y_s = 1) serves any amount q of demand at a capacity cost of at least
k_s q, where k_s = min_t capex_t cf_s / (u thr_t) is its cheapest GPU per unit
of capacity, and q is at most Q_s = u min(P_s max_t thr_t / (pw_t pue_s),
G_s max_t thr_t) (GPUs relaxed to continuous, the types mixed freely: both
only make the site cheaper or larger, so the bound stays a bound). Serving
region r there is worth w_rs = λ_r − lw D_r rtt_rs − k_s D_r; the site takes
the best items by w/D up to Q_s (a fractional knapsack), and opens when that
beats its fixed cost::

    L(λ) = Σ_r λ_r + Σ_s min(0, f_s − best_s(λ))      (forced-open sites: no min)

Every other constraint (budget, minimum GPUs, link capacity, …) is dropped,
which only lowers L. So L(λ) <= optimum for *any* λ; subgradient steps move λ
towards the best bound. Valid for the ``cost`` objective with every region
fully served, no redundancy and no existing GPUs (see :func:`applies`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scenario.instance import Instance, SiteStatus


def applies(instance: Instance) -> bool:
    """Whether :func:`evaluate` gives a valid bound for ``instance``."""
    con = instance.constraints
    return (
        instance.objective.kind == "cost"
        and not con.allow_unserved
        and con.redundancy <= 1
        and not np.any(instance.site_existing_gpus)
        and instance.n_pairs > 0
    )


@dataclass(frozen=True, eq=False)
class SiteData:
    """Per-site relaxed capacity price and size, per-pair fixed data."""

    unit_cost: np.ndarray  # k_s
    max_served: np.ndarray  # Q_s
    fixed: np.ndarray
    forced: np.ndarray  # bool: must open
    usable: np.ndarray  # bool: may open
    pair_cost: np.ndarray  # lw D_r rtt_rs + k_s D_r
    pair_demand: np.ndarray


def site_data(instance: Instance) -> SiteData:
    """The relaxed per-site data of the module docstring."""
    util = instance.constraints.max_utilisation
    thr, capex, pw = instance.gpu_throughput, instance.gpu_capex, instance.gpu_power_kw
    cf, pue = instance.site_cost_factor, instance.site_pue
    per_unit = capex[None, :] * cf[:, None] / (util * thr[None, :])
    unit_cost = per_unit.min(axis=1)
    by_power = (
        instance.site_power_kw * np.max(thr / pw) / pue
        if np.all(pw > 0)
        else np.full(instance.n_sites, np.inf)
    )
    by_space = instance.site_max_gpus * np.max(thr)
    max_served = util * np.minimum(by_power, by_space)
    status = instance.site_status
    d = instance.region_demand[instance.pair_region]
    lw = instance.objective.latency_weight
    pair_cost = lw * d * instance.pair_rtt_ms + unit_cost[instance.pair_site] * d
    return SiteData(
        unit_cost=unit_cost,
        max_served=max_served,
        fixed=instance.site_fixed_cost.astype(float),
        forced=status == SiteStatus.OPEN,
        usable=status != SiteStatus.CLOSED,
        pair_cost=pair_cost,
        pair_demand=d,
    )


def evaluate(
    instance: Instance, data: SiteData, lam: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """L(λ), the sites that open in the subproblems, and each region's served fraction there."""
    S = instance.n_sites
    site = instance.pair_site
    w = lam[instance.pair_region] - data.pair_cost
    take = (w > 0) & data.usable[site]
    idx = np.flatnonzero(take)
    density = w[idx] / data.pair_demand[idx]
    order = idx[np.lexsort((-density, site[idx]))]
    s_sorted = site[order]
    d_sorted = data.pair_demand[order]
    w_sorted = w[order]
    cum = np.cumsum(d_sorted)
    starts = np.searchsorted(s_sorted, np.arange(S), side="left")
    base = np.concatenate([[0.0], cum])[starts]  # cumulative demand before each site's block
    before = cum - d_sorted - base[s_sorted]
    room = data.max_served[s_sorted] - before
    frac = np.clip(room / d_sorted, 0.0, 1.0)
    gain = np.bincount(s_sorted, weights=w_sorted * frac, minlength=S)
    value = data.fixed - gain
    open_sites = data.forced | (data.usable & (value < 0))
    total = float(lam.sum() + value[open_sites].sum())
    served = np.zeros(instance.n_regions)
    chosen = open_sites[s_sorted]
    np.add.at(served, instance.pair_region[order[chosen]], frac[chosen])
    return total, open_sites, served


def initial_multipliers(instance: Instance, data: SiteData) -> np.ndarray:
    """λ_r = the cheapest per-pair cost of region r with each site's fixed cost spread over Q_s."""
    spread = data.fixed / np.maximum(data.max_served, 1e-9)
    cost = data.pair_cost + spread[instance.pair_site] * data.pair_demand
    lam = np.full(instance.n_regions, np.inf)
    np.minimum.at(lam, instance.pair_region, cost)
    return np.where(np.isfinite(lam), lam, 0.0)


@dataclass(frozen=True, eq=False)
class LagrangeResult:
    bound: float
    multipliers: np.ndarray
    open_sites: np.ndarray  # of the best subproblem
    iterations: int


def subgradient(
    instance: Instance,
    upper: float,
    *,
    deadline: float,
    lam0: np.ndarray | None = None,
    max_iter: int = 300,
    target_gap: float = 0.0,
    stop: Callable[[], bool] | None = None,
) -> LagrangeResult:
    """Polyak subgradient ascent on L(λ) towards ``upper`` (a known plan's cost).

    Stops at ``deadline`` (``time.perf_counter()``), after ``max_iter`` steps,
    or once ``upper − L <= target_gap × upper``.
    """
    data = site_data(instance)
    lam = initial_multipliers(instance, data) if lam0 is None else lam0.copy()
    best = -np.inf
    best_lam, best_open = lam.copy(), np.zeros(instance.n_sites, dtype=bool)
    theta = 1.0
    stall = 0
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported)
        value, open_sites, served = evaluate(instance, data, lam)
        if value > best + 1e-9 * abs(best if np.isfinite(best) else 1.0):
            best, best_lam, best_open = value, lam.copy(), open_sites
            stall = 0
        else:
            stall += 1
            if stall >= 5:
                theta *= 0.5
                stall = 0
        if upper - best <= target_gap * abs(upper) or time.perf_counter() >= deadline:
            break
        if stop is not None and stop():
            break
        g = 1.0 - served
        norm = float(g @ g)
        if norm <= 1e-12:
            break
        step = theta * max(upper - value, 1e-6 * abs(upper)) / norm
        lam = lam + step * g
    return LagrangeResult(float(best), best_lam, best_open, iterations)
