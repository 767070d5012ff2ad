"""Lagrangian bound for p-median with fixed costs, and the penalty tests it gives.

The problem (dense ``cost[site, client]``, exactly p sites open, some forced
open, some closed)::

    min  Σ_j f_j y_j + Σ_ij c_ij x_ij
    s.t. Σ_j x_ij = 1 (every client i),  x_ij <= y_j,  Σ_j y_j = p,  x >= 0, y binary

Relaxing the assignment rows with multipliers λ_i (free in sign) leaves, per
site, ρ_j = f_j + Σ_i min(0, c_ij − λ_i), and (Beasley 1985)

    L(λ) = Σ_i λ_i + Σ_{j forced} ρ_j + (sum of the k smallest ρ_j among the free sites)

with k = p − #forced. L(λ) is a lower bound for *every* λ; subgradient steps
(Polyak, towards an upper bound) push it up to the LP bound of the strong
formulation. At a fixed λ the subproblem with one more site forced open or
closed is solved exactly by swapping it in or out of the chosen k, which
gives the penalty tests of :func:`penalties`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class LagrangeResult:
    """The best multipliers found and the subproblem at them.

    ``rho`` is indexed like the rows of the cost table passed in; ``chosen``
    holds the indices of the open sites of the subproblem (forced first).
    """

    bound: float
    multipliers: np.ndarray
    rho: np.ndarray
    chosen: np.ndarray
    iterations: int


def evaluate(
    cost: np.ndarray,
    fixed_cost: np.ndarray,
    multipliers: np.ndarray,
    forced: np.ndarray,
    k: int,
) -> tuple[float, np.ndarray, np.ndarray]:
    """L(λ), ρ and the chosen sites for the sites (rows) of ``cost``.

    Parameters
    ----------
    cost
        ``cost[site, client]`` of the sites still in play (forced or free).
    forced
        Boolean mask over those rows: sites forced open.
    k
        How many of the free rows to open.

    Returns
    -------
    (bound, rho, chosen)
    """
    rho = fixed_cost + np.minimum(cost - multipliers[None, :], 0.0).sum(axis=1)
    chosen = _choose(rho, forced, k)
    return float(multipliers.sum() + rho[chosen].sum()), rho, chosen


def _choose(rho: np.ndarray, forced: np.ndarray, k: int) -> np.ndarray:
    free = np.flatnonzero(~forced)
    if k <= 0:
        pick = free[:0]
    elif k >= free.size:
        pick = free
    else:
        pick = free[np.argpartition(rho[free], k - 1)[:k]]
    return np.concatenate([np.flatnonzero(forced), pick])


def subgradient(
    cost: np.ndarray,
    fixed_cost: np.ndarray,
    forced: np.ndarray,
    k: int,
    upper: float,
    multipliers: np.ndarray,
    *,
    max_iter: int = 100,
    step: float = 1.0,
    patience: int = 5,
    min_step: float = 1e-4,
    stop_at: float = np.inf,
    deadline: float | None = None,
) -> LagrangeResult:
    """Subgradient ascent of L(λ) from ``multipliers`` (Polyak steps towards ``upper``).

    The step factor halves after ``patience`` steps without a better bound;
    the ascent stops after ``max_iter`` steps, when the factor falls below
    ``min_step``, when the bound reaches ``stop_at``, or at ``deadline``.

    Parameters
    ----------
    upper
        Objective of a known plan (the Polyak target).
    multipliers
        Starting λ (e.g. the parent node's).

    Returns
    -------
    LagrangeResult
        The best bound seen, with its multipliers and subproblem.
    """
    lam = np.asarray(multipliers, dtype=float)
    best_bound, best_lam, best_rho, best_chosen = -np.inf, lam, None, None
    stall = 0
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        bound, rho, chosen = evaluate(cost, fixed_cost, lam, forced, k)
        if bound > best_bound + 1e-12 * max(1.0, abs(bound)):
            best_bound, best_lam, best_rho, best_chosen = bound, lam, rho, chosen
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                step *= 0.5
                stall = 0
        if best_bound >= stop_at or step < min_step:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        g = 1.0 - (cost[chosen] < lam[None, :]).sum(axis=0)
        norm = float(g @ g)
        if norm == 0.0:  # the subproblem's plan serves every client once: L is optimal
            break
        lam = lam + step * max(upper - bound, 1e-9 * max(1.0, abs(upper))) / norm * g
    return LagrangeResult(best_bound, best_lam, best_rho, best_chosen, iterations)


def penalties(result: LagrangeResult, forced: np.ndarray, k: int) -> np.ndarray:
    """Bound of the subproblem with each free site's choice flipped, at the same λ.

    A free site outside the chosen k, forced open, replaces the worst chosen
    one: ``L − ρ_kth + ρ_j``; a chosen free site, closed, is replaced by the
    best one outside: ``L − ρ_j + ρ_next``. Forced sites get ``-inf``. Each
    value is a lower bound of the problem with that site flipped.
    """
    rho = result.rho
    out = np.full(rho.shape[0], -np.inf)
    free = np.flatnonzero(~forced)
    if k <= 0 or free.size == 0:
        return out
    chosen_free = result.chosen[result.chosen.size - min(k, free.size) :]
    is_chosen = np.zeros(rho.shape[0], dtype=bool)
    is_chosen[chosen_free] = True
    outside = free[~is_chosen[free]]
    if outside.size:
        kth = rho[chosen_free].max()
        out[outside] = result.bound - kth + rho[outside]
        nxt = rho[outside].min()
        out[chosen_free] = result.bound - rho[chosen_free] + nxt
    else:  # every free site is chosen: none can close
        out[chosen_free] = np.inf
    return out
