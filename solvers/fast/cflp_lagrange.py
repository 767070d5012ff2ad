"""Lagrangian bound and heuristic for capacitated facility location (Beasley 1988).

Relax "every client served" (Σ_{p of r} x_p = 1) with multipliers λ_r. For
fixed λ the problem splits by facility: open, facility s takes the pairs of
negative reduced cost ``cost_p − λ_r`` best first (by reduced cost per unit of
demand) until its capacity is full, a continuous knapsack worth
``v_s = f_s + Σ_p (cost_p − λ_r) x_p``. Which facilities open is then a small
problem over y alone::

    min Σ_s v_s y_s   s.t.  Σ_s cap_s y_s >= Σ_r d_r,  min_open <= Σ_s y_s <= max_open

(y binary, forced sites fixed). With one capacity for every free facility it is
solved exactly (take the cheapest); otherwise its covering LP relaxation is
used, which only lowers the value. ``L(λ) = Σ_r λ_r + min Σ_s v_s y_s`` is a
lower bound on the optimum for *any* λ (weak duality), at least as strong as the
strong LP relaxation at the best λ. Subgradient steps (Polyak) move λ up.

Upper bounds come from the relaxed open sets: complete the set to enough
capacity, then route demand optimally with a transportation LP (HiGHS).
:func:`penalty_bounds` gives, for each facility, a lower bound on every plan
that opens (or closes) it against the relaxed choice, used to fix facilities.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from gpuplace.solvers.fast.cflp_primal import (
    Incumbent,
    capacity,
    complete_open_set,
    improve_locally,
    try_open_set,
)
from gpuplace.solvers.fast.flp import FacilityProblem

__all__ = [
    "Knapsacks",
    "LagrangeResult",
    "OpenChoice",
    "choose_open",
    "initial_multipliers",
    "knapsacks",
    "lagrangian",
    "penalty_bounds",
    "subgradient",
]


@dataclass(frozen=True, eq=False)
class Knapsacks:
    """Per-facility continuous knapsacks for one λ."""

    value: np.ndarray  # v_s [S]: f_s + best reduced-cost fill (+inf where the site may not open)
    share: np.ndarray  # x_p [P]: each pair's fill when its site opens


@dataclass(frozen=True, eq=False)
class OpenChoice:
    """The y part of the relaxation: which facilities open for given values v_s."""

    value: float  # min Σ v_s y_s (+inf when no choice meets the side constraints)
    y: np.ndarray  # float [S], 0/1 when ``exact``
    exact: bool  # False: the covering LP relaxation was used


@dataclass
class LagrangeResult:
    """Outcome of :func:`subgradient`."""

    bound: float  # best L(λ): a proven lower bound (-inf if none)
    multipliers: np.ndarray  # λ [R] at the best bound
    values: np.ndarray  # v_s at the best bound
    y: np.ndarray  # relaxed y at the best bound
    incumbent: Incumbent | None
    iterations: int
    heuristic_calls: int = 0
    seen: dict = field(default_factory=dict)  # open set (bytes) -> objective (inf: infeasible)


def knapsacks(problem: FacilityProblem, lam: np.ndarray) -> Knapsacks:
    """The continuous knapsack of every facility for multipliers ``lam``.

    Parameters
    ----------
    problem
        The facility-location problem.
    lam
        Multipliers λ_r of the assignment rows, one per client.

    Returns
    -------
    Knapsacks
        ``value`` is +inf for facilities that may not open.
    """
    S = problem.n_sites
    cap = capacity(problem)
    d = problem.demand[problem.pair_client]
    rc = problem.pair_cost - lam[problem.pair_client]
    idx = np.flatnonzero((rc < 0) & problem.open_ub[problem.pair_site])
    share = np.zeros(problem.pair_cost.shape[0])
    value = problem.fixed_cost.astype(float).copy()
    if idx.size:
        d_i, rc_i, site_i = d[idx], rc[idx], problem.pair_site[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d_i > 0, rc_i / np.where(d_i > 0, d_i, 1.0), -np.inf)
        order = np.argsort(ratio)
        order = order[np.argsort(site_i[order], kind="stable")]  # by site, then by ratio
        idx, d_i, rc_i, site_i = idx[order], d_i[order], rc_i[order], site_i[order]
        cum = np.cumsum(d_i)
        first = np.flatnonzero(np.r_[True, site_i[1:] != site_i[:-1]])
        start_of = np.repeat(cum[first] - d_i[first], np.diff(np.r_[first, idx.size]))
        used_before = cum - d_i - start_of  # demand already packed at the site
        room = cap[site_i] - used_before
        with np.errstate(divide="ignore", invalid="ignore"):
            fill = np.where(d_i > 0, room / np.where(d_i > 0, d_i, 1.0), 1.0)
        fill = np.clip(fill, 0.0, 1.0)
        share[idx] = fill
        value += np.bincount(site_i, weights=rc_i * fill, minlength=S)
    value[~problem.open_ub] = np.inf
    return Knapsacks(value, share)


def choose_open(
    problem: FacilityProblem,
    value: np.ndarray,
    lb: np.ndarray | None = None,
    ub: np.ndarray | None = None,
) -> OpenChoice:
    """Minimise Σ v_s y_s over y meeting total capacity and the site-count bounds.

    Parameters
    ----------
    problem
        Supplies capacities, total demand and ``min_open``/``max_open``.
    value
        v_s per facility (+inf: may not open).
    lb, ub
        Boolean masks of facilities forced open / allowed to open (default:
        the problem's ``open_lb`` / ``open_ub``).

    Returns
    -------
    OpenChoice
        Exact when every free facility has the same capacity; otherwise the
        covering LP relaxation without the site-count bounds (a lower value).
    """
    lb = problem.open_lb if lb is None else lb
    ub = (problem.open_ub if ub is None else ub) & np.isfinite(value)
    cap = capacity(problem)
    y = lb.astype(float)
    if np.any(lb & ~ub):
        return OpenChoice(np.inf, y, True)
    base = float(value[lb].sum())
    need = float(problem.demand.sum()) - float(cap[lb].sum())
    free = np.flatnonzero(ub & ~lb)
    n_forced = int(lb.sum())
    lo_count = max(problem.min_open - n_forced, 0)
    hi_count = free.size if problem.max_open is None else problem.max_open - n_forced
    free_cap = cap[free]
    if free.size and np.all(free_cap == free_cap[0]):
        order = free[np.argsort(value[free], kind="stable")]
        k_cap = 0 if need <= 1e-9 else int(np.ceil(need / free_cap[0] - 1e-9))
        lo = max(k_cap, lo_count)
        hi = min(hi_count, free.size)
        if lo > hi:
            return OpenChoice(np.inf, y, True)
        n_neg = int(np.count_nonzero(value[order] < 0))
        m = min(max(n_neg, lo), hi)
        y[order[:m]] = 1.0
        return OpenChoice(base + float(value[order[:m]].sum()), y, True)
    if not free.size:
        ok = need <= 1e-9 and lo_count == 0 and hi_count >= 0
        return OpenChoice(base if ok else np.inf, y, True)
    neg = free[value[free] < 0]
    y[neg] = 1.0
    total = base + float(value[neg].sum())
    short = need - float(cap[neg].sum())
    if short > 1e-9:
        rest = free[value[free] >= 0]
        rest = rest[np.argsort(value[rest] / cap[rest], kind="stable")]
        cum = np.cumsum(cap[rest])
        if cum.size == 0 or cum[-1] < short - 1e-9:
            return OpenChoice(np.inf, y, False)
        k = int(np.searchsorted(cum, short - 1e-9))
        y[rest[:k]] = 1.0
        before = cum[k - 1] if k else 0.0
        y[rest[k]] = (short - before) / cap[rest[k]]
        total += float(value[rest[:k]].sum()) + float(value[rest[k]] * y[rest[k]])
    return OpenChoice(total, y, False)


def lagrangian(problem: FacilityProblem, lam: np.ndarray) -> tuple[float, Knapsacks, OpenChoice]:
    """``L(λ)`` (a lower bound on the optimum) with the knapsacks and y achieving it."""
    ks = knapsacks(problem, lam)
    choice = choose_open(problem, ks.value)
    return float(lam.sum()) + choice.value + problem.cost_offset, ks, choice


def initial_multipliers(problem: FacilityProblem) -> np.ndarray:
    """λ_r = min_s (cost_rs + f_s d_r / cap_s): serving cost with a pro-rata share of fixed cost."""
    cap = capacity(problem)
    d = problem.demand[problem.pair_client]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(cap > 0, problem.fixed_cost / cap, np.inf)
    est = problem.pair_cost + per_unit[problem.pair_site] * d
    est = np.where(problem.open_ub[problem.pair_site], est, np.inf)
    lam = np.full(problem.n_clients, np.inf)
    np.minimum.at(lam, problem.pair_client, est)
    return np.where(np.isfinite(lam), lam, 0.0)


def _heuristic(
    problem: FacilityProblem,
    lam: np.ndarray,
    ks: Knapsacks,
    choice: OpenChoice,
    result: LagrangeResult,
    threads: int,
) -> None:
    open_sites = complete_open_set(problem, choice.y, ks.value)
    lower = float(lam.sum()) + float(ks.value[open_sites].sum()) + problem.cost_offset
    try_open_set(problem, open_sites, result, threads, lower)


def subgradient(
    problem: FacilityProblem,
    *,
    deadline: float,
    target_gap: float = 1e-4,
    max_iterations: int = 3000,
    heuristic_every: int = 50,
    threads: int = 1,
    lam: np.ndarray | None = None,
    stall_window: int = 100,
    stall_gain: float = 2e-5,
) -> LagrangeResult:
    """Maximise ``L(λ)`` by subgradient steps, with a plan from the relaxed open sets.

    Parameters
    ----------
    problem
        The capacitated facility-location problem.
    deadline
        ``time.perf_counter()`` value at which to stop.
    target_gap
        Stop once ``(incumbent − bound) / incumbent`` is at most this.
    max_iterations
        Step limit.
    heuristic_every
        Run the transportation heuristic on the relaxed open set every this
        many steps (and whenever the bound improves markedly).
    threads
        HiGHS threads for the transportation LPs.
    lam
        Starting multipliers (default :func:`initial_multipliers`).
    stall_window, stall_gain
        Stop (once a plan is known) when the bound rose by at most
        ``stall_gain`` (relative) over the last ``stall_window`` steps.

    Returns
    -------
    LagrangeResult
        ``bound`` is a proven lower bound on the optimum.
    """
    lam = initial_multipliers(problem) if lam is None else np.asarray(lam, dtype=float).copy()
    S = problem.n_sites
    best = LagrangeResult(-np.inf, lam.copy(), np.zeros(S), np.zeros(S), None, 0)
    theta, stall, it = 2.0, 0, 0
    history: list[float] = []
    for it in range(1, max_iterations + 1):
        value, ks, choice = lagrangian(problem, lam)
        if not np.isfinite(value):
            break  # the side constraints cannot be met: the problem is infeasible
        if not np.isfinite(best.bound) or value > best.bound + 1e-9 * max(abs(best.bound), 1.0):
            improved = value - best.bound if np.isfinite(best.bound) else np.inf
            best.bound, best.multipliers = value, lam.copy()
            best.values, best.y = ks.value.copy(), choice.y.copy()
            stall = 0
            if improved > 2e-2 * abs(value):
                _heuristic(problem, lam, ks, choice, best, threads)
        else:
            stall += 1
            if stall >= 20:
                theta *= 0.5
                stall = 0
        if it % heuristic_every == 0:
            _heuristic(problem, lam, ks, choice, best, threads)
        ub = best.incumbent.objective if best.incumbent is not None else None
        if ub is not None and ub - best.bound <= target_gap * abs(ub):
            break
        if theta < 1e-4 or time.perf_counter() > deadline:
            break
        history.append(best.bound)
        if _stalled(history, best, stall_window, stall_gain):
            break  # the bound no longer moves: leave the rest to branching
        moved = _step(problem, lam, ks, choice, value, ub, theta)
        if moved is None:
            break  # the relaxed solution is feasible: L(λ) is the optimum
        lam = moved
    best.iterations = it
    if time.perf_counter() < deadline:
        improve_locally(problem, best, threads, deadline)
    return best


def _stalled(history: list[float], best: LagrangeResult, window: int, gain: float) -> bool:
    """A plan is known and the bound rose by at most ``gain`` (relative) over ``window`` steps."""
    return (
        len(history) > window
        and best.incumbent is not None
        and best.bound - history[-window - 1] <= gain * abs(best.bound)
    )


def _step(
    problem: FacilityProblem,
    lam: np.ndarray,
    ks: Knapsacks,
    choice: OpenChoice,
    value: float,
    ub: float | None,
    theta: float,
) -> np.ndarray | None:
    """The multipliers after one Polyak step toward ``ub``; None at a zero subgradient."""
    x = ks.share * choice.y[problem.pair_site]
    g = 1.0 - np.bincount(problem.pair_client, weights=x, minlength=problem.n_clients)
    norm = float(g @ g)
    if norm <= 1e-18:
        return None
    target = ub if ub is not None else value + 0.05 * abs(value) + 1.0
    step = theta * max(target - value, 1e-9 * abs(value)) / norm
    return lam + step * g


def penalty_bounds(problem: FacilityProblem, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower bounds on every plan that opens / closes each facility, at multipliers ``lam``.

    Returns
    -------
    (if_open, if_closed)
        ``if_open[s]`` bounds every plan with site s open (+inf where it may
        not open); ``if_closed[s]`` every plan with s closed (+inf where it
        must open). Each is ``L(λ)`` re-solved with y_s fixed, so a valid bound.
    """
    ks = knapsacks(problem, lam)
    base = float(lam.sum()) + problem.cost_offset
    S = problem.n_sites
    if_open = np.full(S, np.inf)
    if_closed = np.full(S, np.inf)
    for s in range(S):
        if problem.open_ub[s] and np.isfinite(ks.value[s]):
            lb = problem.open_lb.copy()
            lb[s] = True
            if_open[s] = base + choose_open(problem, ks.value, lb=lb).value
        if not problem.open_lb[s]:
            ub = problem.open_ub.copy()
            ub[s] = False
            if_closed[s] = base + choose_open(problem, ks.value, ub=ub).value
    return if_open, if_closed
