"""Swap local search for p-median with fixed costs, on a dense cost table.

The plan opens exactly p sites; each client pays its cheapest open site.
One move closes an open site r and opens a closed site i. All p (S − p)
moves are priced at once (Whitaker's fast interchange, vectorised): with
d1/d2 the cheapest and second-cheapest open cost of each client and
near(u) the site giving d1,

    cost(i, r) = Σ_u min(c_iu, d1_u)
               + Σ_{u: near(u) = r} [min(c_iu, d2_u) − min(c_iu, d1_u)]
               + f_i − f_r + Σ_{open} f

so one pass is two S×R element-wise tables and one (S×R)·(R×p) product.
The best move is applied while it saves something. :func:`multi_start`
repeats this from perturbed plans (iterated local search, seeded).
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["multi_start", "plan_cost", "swap_search"]


def plan_cost(cost: np.ndarray, fixed_cost: np.ndarray, open_sites: np.ndarray) -> float:
    """Objective of opening ``open_sites`` (indices or mask) on ``cost[site, client]``.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0.0, 5.0, 9.0], [5.0, 0.0, 2.0]])
    >>> plan_cost(c, np.zeros(2), np.array([1]))
    7.0
    """
    idx = np.flatnonzero(open_sites) if open_sites.dtype == bool else np.asarray(open_sites)
    return float(cost[idx].min(axis=0).sum(dtype=np.float64) + fixed_cost[idx].sum())


def _best_two(cost: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per client: cheapest open cost, its position in ``idx``, second-cheapest cost."""
    sub = cost[idx]
    near = np.argmin(sub, axis=0)
    cols = np.arange(sub.shape[1])
    d1 = sub[near, cols]
    if idx.size == 1:
        return d1, near, np.full_like(d1, np.inf)
    sub = sub.copy()
    sub[near, cols] = np.inf
    return d1, near, sub.min(axis=0)


def swap_search(
    cost: np.ndarray,
    fixed_cost: np.ndarray,
    open_sites: np.ndarray,
    *,
    forced: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    deadline: float | None = None,
    max_moves: int = 10_000,
) -> tuple[np.ndarray, float]:
    """Best-improvement swap search from ``open_sites`` until no swap saves anything.

    Parameters
    ----------
    cost
        ``cost[site, client]``, finite (use a large number for a missing pair).
    fixed_cost
        Opening cost per site.
    open_sites
        Boolean mask of the starting plan's open sites (its count is kept).
    forced, allowed
        Boolean masks: sites never closed, sites that may be opened
        (default none forced, all allowed).
    deadline
        ``time.perf_counter()`` value after which the search stops.

    Returns
    -------
    (open_sites, objective)
        The local optimum's mask and objective.
    """
    S = cost.shape[0]
    forced = np.zeros(S, dtype=bool) if forced is None else forced
    allowed = np.ones(S, dtype=bool) if allowed is None else allowed
    current = open_sites.copy()
    idx = np.flatnonzero(current)
    value = plan_cost(cost, fixed_cost, idx)
    tol = 1e-9 * max(1.0, abs(value))
    for _ in range(max_moves):
        if deadline is not None and time.perf_counter() > deadline:
            break
        d1, near, d2 = _best_two(cost, idx)
        in_cost = np.minimum(cost, d1[None, :])
        extra = np.minimum(cost, d2[None, :]) - in_cost
        group = np.zeros((cost.shape[1], idx.size))
        group[np.arange(cost.shape[1]), near] = 1.0
        new = in_cost.sum(axis=1)[:, None] + extra @ group  # [S, p]
        new += fixed_cost[:, None] - fixed_cost[idx][None, :] + fixed_cost[idx].sum()
        new[~allowed | current, :] = np.inf
        new[:, forced[idx]] = np.inf
        flat = int(np.argmin(new))
        i, pos = divmod(flat, idx.size)
        if not new[i, pos] < value - tol:
            break
        current[idx[pos]] = False
        current[i] = True
        idx = np.flatnonzero(current)
        value = plan_cost(cost, fixed_cost, idx)
    return current, value


def multi_start(
    cost: np.ndarray,
    fixed_cost: np.ndarray,
    start: np.ndarray,
    *,
    forced: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    rounds: int = 20,
    seed: int = 0,
    deadline: float | None = None,
) -> tuple[np.ndarray, float]:
    """Iterated swap search: perturb the best plan (swap a few sites at random), search again.

    Parameters
    ----------
    start
        Boolean mask of a starting plan.
    rounds
        Number of perturbations after the first search.
    seed
        Seed of the perturbations (results are reproducible).

    Returns
    -------
    (open_sites, objective)
        The best local optimum found.
    """
    S = cost.shape[0]
    forced = np.zeros(S, dtype=bool) if forced is None else forced
    allowed = np.ones(S, dtype=bool) if allowed is None else allowed
    rng = np.random.default_rng(seed)
    best, best_value = swap_search(
        cost, fixed_cost, start, forced=forced, allowed=allowed, deadline=deadline
    )
    for _ in range(rounds):
        if deadline is not None and time.perf_counter() > deadline:
            break
        movable = np.flatnonzero(best & ~forced)
        closed = np.flatnonzero(allowed & ~best)
        k = min(movable.size, closed.size, int(rng.integers(1, 4)))
        if k == 0:
            break
        trial = best.copy()
        trial[rng.choice(movable, k, replace=False)] = False
        trial[rng.choice(closed, k, replace=False)] = True
        trial, value = swap_search(
            cost, fixed_cost, trial, forced=forced, allowed=allowed, deadline=deadline
        )
        if value < best_value - 1e-9 * max(1.0, abs(best_value)):
            best, best_value = trial, value
    return best, best_value
