"""Open sets and plans without a solver, for uncapacitated facility location.

:func:`greedy_open` opens sites by largest net saving; :func:`cheapest_assignment`
sends each client to its cheapest open site, the best plan for a fixed open set.
Both serve as starts for :mod:`solvers.fast.radius` and :mod:`solvers.fast.pmedian`.
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.fast.flp import FacilityProblem

__all__ = ["cheapest_assignment", "greedy_open"]


def cheapest_assignment(problem: FacilityProblem, open_sites: np.ndarray) -> np.ndarray | None:
    """Share 1 on each client's cheapest open site (None if a client has none)."""
    usable = open_sites[problem.pair_site]
    if not usable.any():
        return None
    idx = np.flatnonzero(usable)
    order = idx[np.lexsort((problem.pair_cost[idx], problem.pair_client[idx]))]
    clients = problem.pair_client[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = clients[1:] != clients[:-1]
    chosen = order[first]
    if np.unique(problem.pair_client[chosen]).size != problem.n_clients:
        return None
    share = np.zeros(problem.pair_cost.shape[0])
    share[chosen] = 1.0
    return share


def greedy_open(problem: FacilityProblem, max_cells: int = 30_000_000) -> np.ndarray | None:
    """Greedy-add heuristic: open the site with the largest net saving until none helps.

    Honours ``min_open``/``max_open`` and forced sites. None when the dense
    cost table would exceed ``max_cells`` or no plan covers every client.
    """
    S, R = problem.n_sites, problem.n_clients
    if max_cells < S * R:
        return None
    big = np.inf
    cost = np.full((S, R), big)
    cost[problem.pair_site, problem.pair_client] = problem.pair_cost
    cost[~problem.open_ub] = big
    open_sites = problem.open_lb.copy()
    current = cost[open_sites].min(axis=0) if open_sites.any() else np.full(R, big)
    max_open = S if problem.max_open is None else problem.max_open
    uncovered_penalty = float(np.nanmax(np.where(np.isfinite(cost), cost, 0.0))) * 10 + 1.0
    while open_sites.sum() < max_open:
        cur = np.where(np.isfinite(current), current, uncovered_penalty)
        cand = np.where(np.isfinite(cost), cost, uncovered_penalty)
        saving = np.maximum(cur[None, :] - cand, 0.0).sum(axis=1) - problem.fixed_cost
        saving[open_sites | ~problem.open_ub] = -np.inf
        best = int(np.argmax(saving))
        if not np.isfinite(saving[best]):
            break
        if (
            saving[best] <= 0
            and open_sites.sum() >= problem.min_open
            and np.isfinite(current).all()
        ):
            break
        open_sites[best] = True
        current = np.minimum(current, cost[best])
    if not np.isfinite(current).all() or open_sites.sum() < problem.min_open:
        return None
    return open_sites
