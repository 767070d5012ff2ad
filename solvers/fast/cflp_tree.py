"""Lagrangian branch-and-bound for capacitated facility location (after Görtz and Klose 2012).

Every node fixes some facilities open or closed and bounds the rest with the
relaxation of :mod:`solvers.fast.cflp_lagrange` (assignment rows relaxed,
continuous knapsacks per facility). The y part, "open sites covering the
demand", is solved exactly when every facility has the same capacity (the
cheapest sites) and by its covering LP relaxation otherwise (a lower value,
so still a bound of the node's subtree). At a node:

1. a short subgradient ascent from the parent's multipliers;
2. a plan from the relaxed open set (a transportation LP), kept when cheaper;
3. penalty tests: a free facility whose forced-open (forced-closed) bound
   cannot beat the incumbent by more than the gap is closed (opened), and the
   node is bounded again;
4. branching on the chosen (or fractionally chosen) free facility whose
   closing costs most, its open side first (depth first).

The bound reported is the smallest of the incumbent, the bounds of the pruned
subtrees and those of the nodes left when time runs out: a proven lower bound
on the optimum even when the search stops early.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from gpuplace.solvers.fast import cflp_lagrange, cflp_primal
from gpuplace.solvers.fast.cflp_primal import Incumbent
from gpuplace.solvers.fast.flp import FacilityProblem

__all__ = ["NODE_STEPS", "REFIX_STEPS", "ROOT_STEPS", "TreeResult", "applies", "search"]

NODE_STEPS = 40  # ascent steps at a new node (warm started)
REFIX_STEPS = 15  # ascent steps after penalty tests fixed facilities
ROOT_STEPS = 300  # ascent steps at the root when no multipliers are given


def applies(problem: FacilityProblem) -> bool:
    """Whether :func:`search` handles ``problem``: a finite capacity wherever a site may open."""
    cap = problem.capacity[problem.open_ub]
    return bool(
        cap.size
        and np.all(np.isfinite(cap))
        and np.all(np.isfinite(problem.pair_cost))
        and np.all(np.isfinite(problem.fixed_cost))
    )


@dataclass
class TreeResult:
    """Outcome of :func:`search`."""

    incumbent: Incumbent | None
    bound: float  # proven lower bound on the optimum (-inf: none)
    complete: bool  # the tree was exhausted (bound within the gap of the incumbent)
    nodes: int
    transport_lps: int


@dataclass
class _Node:
    must_open: np.ndarray  # bool [S]
    may_open: np.ndarray  # bool [S]
    multipliers: np.ndarray  # λ to start from
    bound: float  # a bound inherited from the parent


class _Search:
    """Incumbent, pruning threshold and proof bookkeeping of one tree search."""

    def __init__(self, problem, incumbent, gap, deadline, threads):
        self.problem = problem
        self.gap = gap
        self.deadline = deadline
        self.threads = threads
        self.pruned_min = np.inf
        self.nodes = 0
        self.result = cflp_lagrange.LagrangeResult(
            -np.inf, np.zeros(0), np.zeros(0), np.zeros(0), incumbent, 0
        )

    @property
    def upper(self) -> float:
        inc = self.result.incumbent
        return np.inf if inc is None else inc.objective

    def threshold(self) -> float:
        """Node bounds at or above this cannot improve the incumbent by more than the gap."""
        return self.upper - self.gap * abs(self.upper) if np.isfinite(self.upper) else np.inf

    def prune(self, bound: float) -> bool:
        if bound >= self.threshold():
            self.pruned_min = min(self.pruned_min, bound)
            return True
        return False

    def offer(self, open_sites: np.ndarray, lower: float = -np.inf) -> None:
        cflp_primal.try_open_set(self.problem, open_sites, self.result, self.threads, lower)


def _ascent(problem, lam, steps, target, stop_at, deadline):
    """Subgradient steps from ``lam`` towards ``target``; returns (bound, λ, knapsacks, choice)."""
    best = -np.inf
    best_lam, best_ks, best_choice = lam, None, None
    theta, stall = 0.5, 0
    for _ in range(steps):
        value, ks, choice = cflp_lagrange.lagrangian(problem, lam)
        if not np.isfinite(value):
            return np.inf, lam, ks, choice  # no open set meets the node's constraints
        if value > best + 1e-12 * max(abs(value), 1.0):
            best, best_lam, best_ks, best_choice = value, lam, ks, choice
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = 0.5 * theta, 0
        if best >= stop_at or time.perf_counter() > deadline:
            break
        x = ks.share * choice.y[problem.pair_site]
        g = 1.0 - np.bincount(problem.pair_client, weights=x, minlength=problem.n_clients)
        norm = float(g @ g)
        if norm <= 1e-18:
            break  # the relaxed plan serves every client once: the node's optimum
        aim = target if np.isfinite(target) else value + 0.05 * abs(value) + 1.0
        lam = lam + theta * max(aim - value, 1e-9 * abs(value)) / norm * g
    return best, best_lam, best_ks, best_choice


def _process(search: _Search, node: _Node) -> list[_Node]:
    """Bound, fix and branch one node; returns its children (open side last)."""
    base = search.problem
    must, may, lam, inherited = node.must_open, node.may_open, node.multipliers, node.bound
    steps = NODE_STEPS
    while True:
        problem = replace(base, open_lb=must, open_ub=may)
        free = may & ~must
        if not free.any():
            # a leaf: its plan becomes the incumbent unless that is cheaper, so the bound holds
            search.offer(must.copy())
            return []
        bound, lam, ks, choice = _ascent(
            problem, lam, steps, search.upper, search.threshold(), search.deadline
        )
        bound = max(bound, inherited)
        if search.prune(bound):
            return []
        chosen = (choice.y > 1e-9) & free
        open_sites = cflp_primal.complete_open_set(problem, choice.y, ks.value)
        lower = float(lam.sum()) + float(ks.value[open_sites].sum()) + base.cost_offset
        search.offer(open_sites, lower)
        if search.prune(bound):
            return []
        if_open, if_closed = cflp_lagrange.penalty_bounds(problem, lam)
        limit = search.threshold()
        close = free & (if_open >= limit)
        force = free & (if_closed >= limit)
        if close.any() or force.any():
            # the other side of each fixing is a pruned subtree: its bound joins the proof
            search.pruned_min = min(
                search.pruned_min,
                float(if_open[close].min(initial=np.inf)),
                float(if_closed[force].min(initial=np.inf)),
            )
            must, may = must | force, may & ~close
            if np.any(must & ~may):
                return []
            inherited, steps = bound, REFIX_STEPS
            continue
        if time.perf_counter() > search.deadline:
            return [_Node(must, may, lam, bound)]
        candidates = np.flatnonzero(chosen)
        if candidates.size == 0:
            candidates = np.flatnonzero(free)
        j = candidates[int(np.argmax(if_closed[candidates]))]
        closed_may = may.copy()
        closed_may[j] = False
        opened_must = must.copy()
        opened_must[j] = True
        return [
            _Node(must, closed_may, lam, max(bound, float(if_closed[j]))),
            _Node(opened_must, may, lam, max(bound, float(if_open[j]))),
        ]


def search(
    problem: FacilityProblem,
    *,
    deadline: float,
    gap: float = 1e-4,
    incumbent: Incumbent | None = None,
    multipliers: np.ndarray | None = None,
    root_bound: float = -np.inf,
    threads: int = 1,
) -> TreeResult:
    """Depth-first Lagrangian branch-and-bound until the gap closes or ``deadline`` passes.

    Parameters
    ----------
    problem
        A capacitated problem for which :func:`applies` holds.
    deadline
        ``time.perf_counter()`` value at which to stop.
    gap
        Relative gap at which a subtree is pruned.
    incumbent
        A known plan (optional; plans are also found at the nodes).
    multipliers, root_bound
        Multipliers to start the root from and a bound already proven for it
        (optional: a longer root ascent from :func:`cflp_lagrange.initial_multipliers`).
    threads
        HiGHS threads for the transportation LPs.

    Returns
    -------
    TreeResult
        ``bound`` is a proven lower bound on the optimum of ``problem``.
    """
    state = _Search(problem, incumbent, gap, deadline, threads)
    if multipliers is None:
        multipliers = cflp_lagrange.initial_multipliers(problem)
        bound, multipliers, _, _ = _ascent(
            problem, multipliers, ROOT_STEPS, state.upper, state.threshold(), deadline
        )
        root_bound = max(root_bound, bound)
    stack = [_Node(problem.open_lb.copy(), problem.open_ub.copy(), multipliers, root_bound)]
    while stack and time.perf_counter() <= deadline:
        node = stack.pop()
        state.nodes += 1
        stack.extend(_process(state, node))
    pending = min((node.bound for node in stack), default=np.inf)
    bound = min(state.upper, state.pruned_min, pending)
    return TreeResult(
        incumbent=state.result.incumbent,
        bound=bound,
        complete=not stack,
        nodes=state.nodes,
        transport_lps=state.result.heuristic_calls,
    )
