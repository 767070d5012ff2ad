"""Capacitated facility location (split demand) with strong linking, solved by HiGHS.

Formulation (pairs p = (r, s) sorted by client)::

    min   Σ_s f_s y_s + Σ_p cost_p x_p
    s.t.  Σ_{p of r} x_p = 1                          every client served
          Σ_{p at s} d_r x_p − cap_s y_s <= 0          capacity
          x_p − y_s <= 0                               strong linking
          Σ_s cap_s y_s >= Σ_r d_r                     total capacity (redundant, tightens)
          min_open <= Σ_s y_s <= max_open

Strong linking rows are many (one per pair); ``linking="lazy"`` adds only
those the LP relaxation violates, round after round, until none is violated.
The rows left out are implied by the capacity rows for integer y, so the
smaller model is exact and its LP bound equals the full one at the root.

Large instances (``lagrange="auto"``: more than 20,000 pairs) first run the
Lagrangian phase of :mod:`solvers.fast.cflp_lagrange`: a bound, a plan from
transportation LPs, and per-facility penalty bounds. When the gap is still
open and every facility has a finite capacity, the Lagrangian branch-and-bound
of :mod:`solvers.fast.cflp_tree` takes over from there. Otherwise a MIP
over the 16 most promising sites sharpens the plan; facilities whose penalty
bound exceeds the plan's cost are fixed; HiGHS then solves the reduced model
from the plan, its linking rows seeded with the pairs of negative Lagrangian
reduced cost. The bound reported is the best of the
Lagrangian bound and ``min(MIP bound, smallest penalty of a fixing)``, a
proven bound of the original problem.
"""

from __future__ import annotations

import time

import numpy as np

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.fast import cflp_lagrange, cflp_primal, cflp_tree
from gpuplace.solvers.fast.cflp_model import columns, mip, restrict
from gpuplace.solvers.fast.flp import FacilityProblem, FacilitySolution
from gpuplace.solvers.result import Status, status_from_gap

__all__ = ["RESTRICTED_SITES", "solve"]


def _open(objective: float, bound: float, gap: float) -> bool:
    """Whether ``bound`` leaves ``objective`` unproven at ``gap``."""
    return status_from_gap(objective, bound, gap) != Status.OPTIMAL


def _normalised(problem: FacilityProblem, open_sites: np.ndarray, share: np.ndarray) -> np.ndarray:
    share = np.clip(share, 0.0, 1.0)
    share[~open_sites[problem.pair_site]] = 0.0
    # renormalise tiny drift so each client's shares sum to exactly one
    total = np.bincount(problem.pair_client, weights=share, minlength=problem.n_clients)
    return share / np.where(total > 0, total, 1.0)[problem.pair_client]


def solve(
    problem: FacilityProblem,
    *,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    threads: int = 2,
    seed: int = 0,
    linking: str = "auto",
    lagrange: str = "auto",
    tree: bool = True,
    log: bool = False,
    cancel: CancelToken | None = None,
) -> FacilitySolution:
    """Solve a capacitated problem: Lagrangian bound and plan, facility fixing, then HiGHS.

    Parameters
    ----------
    linking
        Strong linking rows for the MIP: ``strong``, ``lazy`` or ``auto`` (by size).
    lagrange
        ``on``: run the Lagrangian phase (:mod:`solvers.fast.cflp_lagrange`)
        first, then the Lagrangian branch-and-bound when every facility has
        a finite capacity; ``off``: HiGHS on the whole strong model; ``auto``:
        on above 20,000 pairs.
    tree
        After the Lagrangian phase, use the Lagrangian branch-and-bound
        (:mod:`solvers.fast.cflp_tree`) where it applies; False: HiGHS on the
        reduced model instead.
        Facilities whose Lagrangian penalty bound exceeds the incumbent are
        fixed before HiGHS runs, and HiGHS starts from the incumbent.
    cancel
        HiGHS runs stop once this token is cancelled.

    Returns
    -------
    FacilitySolution
        ``bound`` is a proven lower bound on the optimum (the Lagrangian bound,
        or HiGHS's bound on the fixed problem capped by the fixing penalties);
        every plan meets the capacity and assignment rows of the full formulation.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    S, P = columns(problem)
    notes = ["capacitated facility location"]
    bound = -np.inf
    incumbent = None
    sub, keep = problem, np.arange(P)
    fixed_bound = np.inf
    start = seed_links = restricted = None
    if lagrange == "on" or (lagrange == "auto" and P > 20_000):
        lag = cflp_lagrange.subgradient(
            problem,
            deadline=t0 + 0.4 * time_limit_s,
            target_gap=gap,
            max_iterations=_iterations(P),
            threads=threads,
        )
        bound = lag.bound
        incumbent = lag.incumbent
        notes.append(
            f"Lagrangian bound {lag.bound:.10g} after {lag.iterations} step(s), "
            f"{lag.heuristic_calls} transportation LP(s)"
        )
        open_gap = incumbent is None or _open(incumbent.objective, bound, gap)
        if open_gap and tree and cflp_tree.applies(problem):
            return _tree(problem, lag, t0, deadline, gap=gap, threads=threads, notes=notes)
        if incumbent is not None and _open(incumbent.objective, bound, gap):
            lam = lag.multipliers
            if_open, if_closed = cflp_lagrange.penalty_bounds(problem, lam)
            close, _, _ = _fixings(problem, if_open, if_closed, incumbent.objective)
            candidates = np.flatnonzero(problem.open_ub & ~close & ~problem.open_lb)
            if candidates.size > RESTRICTED_SITES:
                # a plan from the most promising sites sharpens the incumbent, hence the fixing
                best = candidates[np.argsort(if_open[candidates], kind="stable")]
                allowed = problem.open_lb | incumbent.open_sites
                allowed[best[:RESTRICTED_SITES]] = True
                allowed &= problem.open_ub
                h_sub, h_keep = restrict(problem, problem.open_lb, allowed)
                left = deadline - time.perf_counter()
                h_res, _ = mip(
                    h_sub,
                    time.perf_counter() + max(0.3 * left, 1.0),
                    gap=gap,
                    threads=threads,
                    seed=seed,
                    linking=linking,
                    log=log,
                    start=(incumbent.open_sites, incumbent.share[h_keep]),
                    seed_links=_negative(h_sub, lam),
                    cancel=cancel,
                )
                incumbent = _better(problem, incumbent, h_res, h_sub, h_keep)
                restricted = (allowed, h_res.bound)
                notes.append(f"restricted MIP over {int(allowed.sum())} sites: {h_res.status}")
            close, force, fixed_bound = _fixings(problem, if_open, if_closed, incumbent.objective)
            free = problem.open_ub & ~close
            notes.append(f"fixed {int(close.sum())} facilities closed, {int(force.sum())} open")
            if (
                restricted is not None
                and restricted[1] is not None
                and not np.any(free & ~restricted[0])
            ):
                # every plan that respects the fixing lies in the restricted model
                bound = max(bound, min(restricted[1], fixed_bound))
            sub, keep = restrict(problem, problem.open_lb | force, free)
            start = (incumbent.open_sites, incumbent.share[keep])
            seed_links = _negative(sub, lam)
    if incumbent is None or _open(incumbent.objective, bound, gap):
        res, mip_notes = mip(
            sub,
            deadline,
            gap=gap,
            threads=threads,
            seed=seed,
            linking=linking,
            log=log,
            start=start,
            seed_links=seed_links,
            cancel=cancel,
        )
        notes += mip_notes
        if res.bound is not None:
            bound = max(bound, min(res.bound, fixed_bound))
        incumbent = _better(problem, incumbent, res, sub, keep)
        if res.values is None and incumbent is None:
            status = res.status
            wall = time.perf_counter() - t0
            return FacilitySolution(status, None, None, None, _finite(bound), wall, tuple(notes))
    wall = time.perf_counter() - t0
    if incumbent is None:
        status = Status.NO_SOLUTION
        return FacilitySolution(status, None, None, None, _finite(bound), wall, tuple(notes))
    return _solution(problem, incumbent, bound, gap, wall, tuple(notes))


def _solution(problem, incumbent, bound: float, gap: float, wall: float, notes) -> FacilitySolution:
    """The incumbent as a solution: shares normalised, bound capped at its cost, status by gap."""
    objective = incumbent.objective
    share = _normalised(problem, incumbent.open_sites, incumbent.share)
    proven = _finite(bound)
    proven = None if proven is None else min(proven, objective)
    status = status_from_gap(objective, proven, gap)
    return FacilitySolution(status, incumbent.open_sites, share, objective, proven, wall, notes)


def _tree(problem, lag, t0, deadline, *, gap, threads, notes) -> FacilitySolution:
    """Lagrangian branch-and-bound from the multipliers and plan of the Lagrangian phase."""
    tree = cflp_tree.search(
        problem,
        deadline=deadline,
        gap=gap,
        incumbent=lag.incumbent,
        multipliers=lag.multipliers,
        root_bound=lag.bound,
        threads=threads,
    )
    notes = (
        *notes,
        f"Lagrangian branch-and-bound: {tree.nodes} node(s), {tree.transport_lps} "
        f"transportation LP(s)" + ("" if tree.complete else ", stopped at the time limit"),
    )
    wall = time.perf_counter() - t0
    incumbent = tree.incumbent
    if incumbent is None:
        status = Status.INFEASIBLE if tree.complete else Status.NO_SOLUTION
        return FacilitySolution(status, None, None, None, _finite(tree.bound), wall, notes)
    return _solution(problem, incumbent, max(tree.bound, lag.bound), gap, wall, notes)


RESTRICTED_SITES = 16  # sites of the restricted MIP run when fixing leaves more


def _fixings(problem: FacilityProblem, if_open: np.ndarray, if_closed: np.ndarray, ub: float):
    """Sites to close / force open given penalty bounds and an incumbent cost ``ub``.

    Returns (close, force, bound on every plan that breaks a fixing).
    """
    margin = 1e-9 * max(abs(ub), 1.0)
    close = (if_open > ub + margin) & ~problem.open_lb & problem.open_ub
    force = (if_closed > ub + margin) & problem.open_ub & ~problem.open_lb
    broken = min(
        float(if_open[close].min(initial=np.inf)), float(if_closed[force].min(initial=np.inf))
    )
    return close, force, broken


def _negative(problem: FacilityProblem, lam: np.ndarray) -> np.ndarray:
    """Pairs of negative Lagrangian reduced cost: the linking rows the MIP starts with."""
    return np.flatnonzero(problem.pair_cost - lam[problem.pair_client] < 0)


def _better(problem, incumbent, res, sub, keep):
    """The incumbent, or the MIP's plan (mapped back from ``sub``) when it is cheaper."""
    if res.values is None:
        return incumbent
    S = problem.n_sites
    open_sites = res.values[:S] > 0.5
    share = np.zeros(problem.pair_cost.shape[0])
    share[keep] = _normalised(sub, open_sites, res.values[S:])
    objective = problem.objective(open_sites, share)
    if incumbent is None or objective < incumbent.objective:
        return cflp_primal.Incumbent(objective, open_sites, share)
    return incumbent


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _iterations(n_pairs: int) -> int:
    """Subgradient step limit: more steps where each is cheap relative to the MIP."""
    return 400 if n_pairs <= 5_000 else 1500
