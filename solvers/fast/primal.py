"""Plans from Lagrangian subproblems: open what they open, repair, assign.

The sites open in a subproblem solution (:mod:`solvers.fast.lagrange`) rarely
serve every region on their own: some regions have no open site in reach, or
the open sites lack capacity nearby. :func:`plan_from_open` opens, for each
region left short by the assignment LP (:mod:`solvers.fast.transport`), its
reachable closed site with the best subproblem value, and solves again, until
every region is served.
"""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.fast.transport import TransportPlan, TransportSolver

__all__ = ["MAX_ROUNDS", "plan_from_open"]

MAX_ROUNDS = 12


def plan_from_open(
    solver: TransportSolver,
    open_sites: np.ndarray,
    site_score: np.ndarray,
    usable: np.ndarray,
    *,
    max_rounds: int = MAX_ROUNDS,
) -> TransportPlan:
    """A plan opening at least ``open_sites``; extra sites by lowest ``site_score`` first.

    Parameters
    ----------
    solver
        The assignment LP of the instance.
    open_sites
        Bool [S], the sites to start from.
    site_score
        Per-site score (lower is more attractive), e.g. the subproblem value.
    usable
        Bool [S], the sites that may open.

    Returns
    -------
    TransportPlan
        With ``objective`` None when no plan was found within ``max_rounds``.
    """
    inst: Instance = solver.instance
    current = np.asarray(open_sites, dtype=bool) & usable
    # regions with no open site in reach: open their best site before any LP
    reached = np.bincount(inst.pair_region[current[inst.pair_site]], minlength=inst.n_regions)
    current = _open_best(inst, current, reached == 0, site_score, usable)
    plan = solver.solve(current)
    for _ in range(max_rounds):
        if plan.objective is not None or plan.short is None:
            return plan
        current = _open_best(inst, current, plan.short, site_score, usable)
        plan = solver.solve(current)
    return plan


def _open_best(
    inst: Instance,
    current: np.ndarray,
    short: np.ndarray,
    site_score: np.ndarray,
    usable: np.ndarray,
) -> np.ndarray:
    """``current`` plus, for each short region, its reachable closed site of lowest score."""
    pairs = np.flatnonzero(short[inst.pair_region] & ~current[inst.pair_site])
    pairs = pairs[usable[inst.pair_site[pairs]]]
    if pairs.size == 0:
        return current
    score = site_score[inst.pair_site[pairs]]
    best = np.full(inst.n_regions, np.inf)
    np.minimum.at(best, inst.pair_region[pairs], score)
    chosen = pairs[score <= best[inst.pair_region[pairs]]]
    out = current.copy()
    out[inst.pair_site[chosen]] = True
    return out
