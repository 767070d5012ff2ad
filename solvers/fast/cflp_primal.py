"""Plans from open sets for capacitated facility location: route, complete, improve.

The upper-bound side of :mod:`solvers.fast.cflp_lagrange`: an open set (from the
relaxation's y, or a move around the incumbent) becomes a plan by routing all
demand through it with a transportation LP (HiGHS, in the calling thread); a
plan that beats the incumbent replaces it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.fast.flp import FacilityProblem
from gpuplace.solvers.highs import adapter

if TYPE_CHECKING:
    from gpuplace.solvers.fast.cflp_lagrange import LagrangeResult

__all__ = [
    "Incumbent",
    "capacity",
    "complete_open_set",
    "improve_locally",
    "transport",
    "try_open_set",
]


@dataclass
class Incumbent:
    """The best plan found: open sites, pair shares and its cost."""

    objective: float
    open_sites: np.ndarray  # bool [S]
    share: np.ndarray  # float [P]


def capacity(problem: FacilityProblem) -> np.ndarray:
    """Each site's capacity, all demand where it is unbounded."""
    total = float(problem.demand.sum())
    return np.where(np.isfinite(problem.capacity), problem.capacity, total)


def transport(
    problem: FacilityProblem, open_sites: np.ndarray, threads: int = 1
) -> tuple[float, np.ndarray] | None:
    """Cheapest routing of all demand through ``open_sites`` (a transportation LP).

    Returns
    -------
    (objective, share) or None
        The plan's full objective (fixed costs included) and per-pair shares;
        None when the open sites cannot serve every client.
    """
    cap = capacity(problem)
    pairs = np.flatnonzero(open_sites[problem.pair_site])
    R = problem.n_clients
    served = np.zeros(R, dtype=bool)
    served[problem.pair_client[pairs]] = True
    if not served.all() or float(cap[open_sites].sum()) < float(problem.demand.sum()) - 1e-9:
        return None
    sites = np.flatnonzero(open_sites)
    site_row = np.full(problem.n_sites, -1)
    site_row[sites] = np.arange(sites.size) + R
    n = pairs.size
    rows = np.concatenate([problem.pair_client[pairs], site_row[problem.pair_site[pairs]]])
    cols = np.concatenate([np.arange(n), np.arange(n)])
    vals = np.concatenate([np.ones(n), problem.demand[problem.pair_client[pairs]]])
    A = sp.csc_matrix((vals, (rows, cols)), shape=(R + sites.size, n))
    values = _lp(
        problem.pair_cost[pairs],
        A,
        np.concatenate([np.ones(R), np.full(sites.size, -np.inf)]),
        np.concatenate([np.ones(R), cap[sites]]),
        threads,
    )
    if values is None:
        return None
    share = np.zeros(problem.pair_cost.shape[0])
    share[pairs] = np.clip(values, 0.0, 1.0)
    total = np.bincount(problem.pair_client, weights=share, minlength=R)
    share = share / np.where(total > 0, total, 1.0)[problem.pair_client]
    return problem.objective(open_sites, share), share


def _lp(
    c: np.ndarray, A: sp.csc_matrix, row_lb: np.ndarray, row_ub: np.ndarray, threads: int
) -> np.ndarray | None:
    """Optimal x of ``min c·x, row_lb <= A x <= row_ub, 0 <= x <= 1`` in this thread, or None.

    The transportation LPs are small and many, so they run where they are
    called (:func:`solvers.highs.adapter.solve_lp_here`), without the helper
    thread or child process of the larger models.
    """
    n = A.shape[1]
    return adapter.solve_lp_here(c, A, row_lb, row_ub, np.zeros(n), np.ones(n), threads)


def complete_open_set(problem: FacilityProblem, y: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Round relaxed ``y`` to an open set with enough capacity and allowed site count.

    Sites are added by increasing ``value / capacity`` while capacity is short
    or fewer than ``min_open`` are open; surplus sites beyond ``max_open`` are
    dropped by decreasing value (forced sites are kept).
    """
    cap = capacity(problem)
    open_sites = (y > 0.5) | problem.open_lb
    open_sites &= problem.open_ub
    need = float(problem.demand.sum())
    order = np.argsort(value / np.maximum(cap, 1e-12), kind="stable")
    for s in order:
        if float(cap[open_sites].sum()) >= need - 1e-9 and open_sites.sum() >= problem.min_open:
            break
        if problem.open_ub[s] and not open_sites[s]:
            open_sites[s] = True
    if problem.max_open is not None and open_sites.sum() > problem.max_open:
        for s in np.argsort(-value, kind="stable"):
            if open_sites.sum() <= problem.max_open:
                break
            if open_sites[s] and not problem.open_lb[s]:
                open_sites[s] = False
    return open_sites


def try_open_set(
    problem: FacilityProblem,
    open_sites: np.ndarray,
    result: LagrangeResult,
    threads: int = 1,
    lower: float = -np.inf,
) -> None:
    """Route demand through ``open_sites`` and keep the plan if it beats the incumbent.

    ``lower`` is a lower bound on every plan with exactly these sites open
    (``Σ_r λ_r + Σ_{s open} v_s``); sets that cannot beat the incumbent are skipped.
    """
    count = int(open_sites.sum())
    if (
        count < problem.min_open
        or (problem.max_open is not None and count > problem.max_open)
        or np.any(problem.open_lb & ~open_sites)
        or np.any(open_sites & ~problem.open_ub)
    ):
        return
    key = np.packbits(open_sites).tobytes()
    if key in result.seen:
        return
    if result.incumbent is not None and lower >= result.incumbent.objective:
        return
    result.heuristic_calls += 1
    routed = transport(problem, open_sites, threads)
    result.seen[key] = np.inf if routed is None else routed[0]
    if routed is None:
        return
    objective, share = routed
    if result.incumbent is None or objective < result.incumbent.objective - 1e-9:
        result.incumbent = Incumbent(objective, open_sites.copy(), share)


def improve_locally(
    problem: FacilityProblem,
    result: LagrangeResult,
    threads: int,
    deadline: float,
    candidates: int = 4,
) -> None:
    """First-improvement add-one and drop-one moves around the incumbent.

    Candidates to add are the closed sites of lowest relaxed value v_s, to
    drop the open ones of highest; each trial is one transportation LP.
    """
    improved = True
    while improved and result.incumbent is not None and time.perf_counter() < deadline:
        improved = False
        inc = result.incumbent
        closed = np.flatnonzero(~inc.open_sites & problem.open_ub)
        opened = np.flatnonzero(inc.open_sites & ~problem.open_lb)
        moves = [(s, True) for s in closed[np.argsort(result.values[closed])][:candidates]]
        moves += [(s, False) for s in opened[np.argsort(-result.values[opened])][:candidates]]
        for s, add in moves:
            if time.perf_counter() > deadline:
                return
            trial = inc.open_sites.copy()
            trial[s] = add
            try_open_set(problem, trial, result, threads)
            if result.incumbent is not inc:
                improved = True
                break
