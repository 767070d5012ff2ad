"""Exact p-median (with fixed costs): Lagrangian branch-and-bound on a dense cost table.

Applies to an uncapacitated :class:`~solvers.fast.flp.FacilityProblem` that
opens exactly p sites (``min_open == max_open``), such as the OR-Library
``pmed`` instances. The search:

1. An incumbent from the greedy plan and swap local search
   (:mod:`solvers.fast.local_search`).
2. At the root, subgradient ascent of the Lagrangian bound
   (:mod:`solvers.fast.pmedian_lagrange`, the LP bound of the strong
   formulation), whose subproblem plan seeds the local search again.
3. Penalty tests at every node: a free site whose forced-open (forced-closed)
   bound cannot beat the incumbent is closed (opened). At the root this
   usually removes most sites for good.
4. Depth first, branching on the chosen free site with the largest closing
   penalty (its open side first); each child restarts the ascent from its
   parent's multipliers. A node with one site left to choose is solved by
   enumeration.

Pruning uses the proven node bounds; when every pair cost and fixed cost is
an integer, so is every plan's objective, and a bound L proves ⌈L⌉ (with a
tolerance for rounding). The bound reported is the smallest bound over the
pruned and the unexplored nodes (the incumbent once the tree is exhausted),
so it is a proven lower bound even when the time limit ends the search.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from gpuplace.solvers.fast import local_search, pmedian_lagrange
from gpuplace.solvers.fast.flp import FacilityProblem, FacilitySolution
from gpuplace.solvers.fast.open_sets import cheapest_assignment, greedy_open
from gpuplace.solvers.result import Status

__all__ = ["MAX_CELLS", "applies", "dense_cost", "solve"]

MAX_CELLS = 25_000_000  # dense cost table size limit (sites × clients)
_ROOT_ITER = 5000

_NODE_ITER = 40  # ascent steps at a node (from its parent's multipliers)
_REFIX_ITER = 15  # ascent steps after a penalty test fixed sites
_NODE_MIN_STEP = 0.1


def applies(problem: FacilityProblem, max_cells: int = MAX_CELLS) -> bool:
    """Whether :func:`solve` handles ``problem``: uncapacitated, exactly p sites, small enough."""
    p = problem.max_open
    return (
        not problem.capacitated
        and p is not None
        and problem.min_open == p
        and 1 <= p <= int(problem.open_ub.sum())
        and problem.n_sites * problem.n_clients <= max_cells
        and problem.n_clients > 0
        and bool(np.all(np.isfinite(problem.pair_cost)))
        and bool(np.all(np.isfinite(problem.fixed_cost)))
        and int(problem.open_lb.sum()) <= p
    )


def dense_cost(problem: FacilityProblem) -> tuple[np.ndarray, float]:
    """``cost[site, client]`` with missing pairs priced at a cost no plan using them can beat.

    Returns
    -------
    (cost, big)
        The table and the price of a missing pair (any plan costing ``big``
        or more uses one).
    """
    S, R = problem.n_sites, problem.n_clients
    top = float(np.max(np.abs(problem.pair_cost), initial=0.0))
    fixed = float(np.abs(problem.fixed_cost).sum())
    big = float(math.ceil(2.0 * (R * top + fixed) + 1.0))
    cost = np.full((S, R), big)
    cost[problem.pair_site, problem.pair_client] = problem.pair_cost
    return cost, big


@dataclass
class _Search:
    """State of one branch-and-bound run over the candidate rows."""

    cost: np.ndarray  # [m, R] candidate sites only
    fixed: np.ndarray  # [m]
    p: int
    integral: bool
    gap: float
    deadline: float
    upper: float = np.inf
    best: np.ndarray | None = None  # bool [m]
    pruned_min: float = np.inf
    nodes: int = 0
    forced: np.ndarray | None = None  # bool [m]: sites the problem forces open
    seen: set = field(default_factory=set)
    started: float = field(default_factory=time.perf_counter)
    polish_s: float = 0.0

    @property
    def n_clients(self) -> int:
        return int(self.cost.shape[1])

    def rounded(self, bound: float) -> float:
        """The bound a node proves (rounded up when objectives are integers)."""
        if self.integral and np.isfinite(bound):
            return float(math.ceil(bound - 1e-6 * max(1.0, abs(bound))))
        return bound

    def prunes(self, bound: float) -> bool:
        return self.rounded(bound) >= self.upper - self.gap * max(abs(self.upper), 1e-9)

    def rounded_all(self, bounds: np.ndarray) -> np.ndarray:
        """:meth:`rounded` of each entry of ``bounds``."""
        if not self.integral:
            return bounds
        finite = np.isfinite(bounds)
        up = np.where(finite, bounds, 0.0)
        up = np.ceil(up - 1e-6 * np.maximum(1.0, np.abs(up)))
        return np.where(finite, up, bounds)

    def prunes_all(self, bounds: np.ndarray) -> np.ndarray:
        """:meth:`prunes` of each entry of ``bounds``."""
        return self.rounded_all(bounds) >= self.upper - self.gap * max(abs(self.upper), 1e-9)

    def stop_at(self) -> float:
        target = self.upper - self.gap * max(abs(self.upper), 1e-9)
        return target - 1.0 + 1e-5 * max(1.0, abs(target)) if self.integral else target

    def offer(self, plan: np.ndarray, polish: bool) -> None:
        """Take ``plan`` (mask over the rows) as incumbent if better, after local search."""
        key = plan.tobytes()
        if key in self.seen:
            return
        self.seen.add(key)
        value = local_search.plan_cost(self.cost, self.fixed, plan)
        now = time.perf_counter()
        # local search on a Lagrangian plan pays off early; later it is capped to a share of time
        if polish and self.polish_s <= 0.1 * (now - self.started) + 0.2:
            plan, value = local_search.swap_search(
                self.cost, self.fixed, plan, forced=self.forced, deadline=self.deadline
            )
            self.polish_s += time.perf_counter() - now
        if value < self.upper - 1e-9 * max(1.0, abs(value)):
            self.upper, self.best = value, plan.copy()


def _enumerate_last(search: _Search, forced: np.ndarray, free: np.ndarray) -> None:
    """Exact: every way to open one more free site next to the forced ones."""
    cand = np.flatnonzero(free)
    if forced.any():
        base = search.cost[forced].min(axis=0)
        values = np.minimum(search.cost[cand], base[None, :]).sum(axis=1)
    else:
        values = search.cost[cand].sum(axis=1, dtype=np.float64)
    values = values + search.fixed[cand]
    values += search.fixed[forced].sum()
    j = cand[int(np.argmin(values))]
    plan = forced.copy()
    plan[j] = True
    search.offer(plan, polish=False)


def _relaxation(search: _Search, forced: np.ndarray, free: np.ndarray, k: int):
    base = search.cost[forced].min(axis=0) if forced.any() else np.full(search.n_clients, np.inf)
    free_rows = np.flatnonzero(free)
    relax = pmedian_lagrange.relaxation(
        search.cost[free_rows], search.fixed[free_rows], base, float(search.fixed[forced].sum()), k
    )
    return relax, free_rows


def _process(search: _Search, node: tuple) -> list[tuple]:
    """Bound, fix and branch one node; returns its children (open side last)."""
    forced, free, lam, inherited = node
    max_iter = _NODE_ITER
    while True:
        n_forced = int(forced.sum())
        k = search.p - n_forced
        if n_forced + int(free.sum()) < search.p:
            return []  # fewer sites left than must open
        if k == 0 or n_forced + int(free.sum()) == search.p:
            search.offer(forced | free, polish=False)
            return []
        if k == 1:
            _enumerate_last(search, forced, free)
            return []
        relax, free_rows = _relaxation(search, forced, free, k)
        res = pmedian_lagrange.subgradient(
            relax,
            search.upper,
            lam,
            max_iter=max_iter,
            min_step=_NODE_MIN_STEP,
            stop_at=search.stop_at(),
            deadline=search.deadline,
        )
        bound = max(inherited, res.bound)
        chosen = np.zeros_like(forced)
        chosen[free_rows[res.chosen]] = True
        if not search.prunes(bound):
            search.offer(forced | chosen, polish=True)
        if search.prunes(bound):
            search.pruned_min = min(search.pruned_min, search.rounded(bound))
            return []
        pen = np.full(forced.shape[0], -np.inf)
        pen[free_rows] = pmedian_lagrange.penalties(res, k)
        flip = free & search.prunes_all(pen)
        lam = res.multipliers
        inherited = bound
        max_iter = _REFIX_ITER
        if flip.any():
            # a chosen site that cannot close opens; a site outside that cannot open closes;
            # the flipped sides are pruned subtrees, so their bounds count towards the proof
            search.pruned_min = min(search.pruned_min, float(search.rounded_all(pen[flip]).min()))
            forced = forced | (flip & chosen)
            free = free & ~flip
            if int(forced.sum()) > search.p:
                search.pruned_min = min(search.pruned_min, search.rounded(bound))
                return []
            continue
        if time.perf_counter() > search.deadline:
            return [(forced, free, lam, bound)]
        # branch on the chosen site whose closing costs most: its closed side is likely pruned
        cand = np.flatnonzero(free & chosen)
        j = cand[int(np.argmax(pen[cand]))]
        closed_free = free.copy()
        closed_free[j] = False
        opened = forced.copy()
        opened[j] = True
        return [
            (forced, closed_free, lam, max(bound, search.rounded(pen[j]))),
            (opened, closed_free, lam, bound),
        ]


def solve(
    problem: FacilityProblem,
    *,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    seed: int = 0,
    start_open: np.ndarray | None = None,
) -> FacilitySolution | None:
    """Solve a p-median problem (see :func:`applies`) by Lagrangian branch-and-bound.

    Parameters
    ----------
    problem
        The problem; :func:`applies` must hold.
    time_limit_s
        Wall-time limit; the search stops there with a proven bound.
    gap
        Relative gap at which a node is pruned (0: exact).
    seed
        Seed of the local search perturbations.
    start_open
        Open sites of a known plan (optional).

    Returns
    -------
    FacilitySolution or None
        None when no plan serving every client through an existing pair was found.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    cost, big = dense_cost(problem)
    assert problem.max_open is not None  # applies() holds
    p = int(problem.max_open)
    allowed, forced0 = problem.open_ub.copy(), problem.open_lb.copy()
    S = problem.n_sites
    fixed = problem.fixed_cost.astype(float)
    integral = bool(
        np.all(problem.pair_cost == np.round(problem.pair_cost))
        and np.all(fixed == np.round(fixed))
    )
    # 1. incumbent: greedy (or the given plan), swap search, a few perturbations
    start = start_open if start_open is not None else greedy_open(problem)
    if start is None or int(start.sum()) != p:
        start = forced0.copy()
        rest = np.flatnonzero(allowed & ~forced0)
        start[rest[np.argsort(cost[rest].sum(axis=1))[: p - int(forced0.sum())]]] = True
    ls_deadline = t0 + 0.1 * time_limit_s
    best, upper = local_search.multi_start(
        cost,
        fixed,
        start,
        forced=forced0,
        allowed=allowed,
        rounds=5,
        seed=seed,
        deadline=ls_deadline,
    )
    # 2. root ascent on every allowed site
    rows = np.flatnonzero(allowed)
    table = cost[rows]
    single = table.astype(np.float32)
    if np.array_equal(single, table):  # exact in single precision: half the memory traffic
        table = single
    search = _Search(table, fixed[rows], p, integral, gap, deadline, forced=forced0[rows])
    search.upper, search.best = upper, best[rows]
    search.seen.add(search.best.tobytes())
    sub_forced = forced0[rows]
    k = p - int(sub_forced.sum())
    lam0 = np.sort(cost[rows], axis=0)[min(1, rows.size - 1)]
    root_bound = -np.inf
    notes = []
    if k > 0 and rows.size > p:
        relax, free_rows = _relaxation(search, sub_forced, ~sub_forced, k)
        res = pmedian_lagrange.subgradient(
            relax,
            search.upper,
            lam0,
            max_iter=_ROOT_ITER,
            step=2.0,
            patience=20,
            min_step=1e-3,
            stop_at=search.stop_at(),
            deadline=deadline,
        )
        root_bound, lam0 = res.bound, res.multipliers
        plan = sub_forced.copy()
        plan[free_rows[res.chosen]] = True
        search.offer(plan, polish=True)
        rounds = 10 if p <= 20 else 3
        more, value = local_search.multi_start(
            search.cost,
            search.fixed,
            search.best,
            forced=sub_forced,
            rounds=rounds,
            seed=seed + 1,
            deadline=t0 + 0.2 * time_limit_s,
        )
        if value < search.upper:
            search.upper, search.best = value, more
        notes.append(f"root Lagrangian bound {root_bound:.6g} after {res.iterations} step(s)")
    # 3. tree over the candidate rows
    stack = [(sub_forced.copy(), ~sub_forced, lam0, root_bound)]
    interrupted = False
    while stack:
        if time.perf_counter() > deadline:
            interrupted = True
            break
        node = stack.pop()
        search.nodes += 1
        stack.extend(_process(search, node))
    pending = min((search.rounded(n[3]) for n in stack), default=np.inf)
    bound = min(search.upper, search.pruned_min, pending)
    open_sites = np.zeros(S, dtype=bool)
    open_sites[rows[search.best]] = True
    if search.upper >= big:
        return None
    share = cheapest_assignment(problem, open_sites)
    if share is None:
        return None
    objective = problem.objective(open_sites, share)
    proven = not interrupted and not stack
    closed = proven and bound >= search.upper - gap * abs(search.upper)
    status = Status.OPTIMAL if closed else Status.FEASIBLE
    notes.append(
        f"p-median Lagrangian branch-and-bound: {search.nodes} node(s)"
        + ("" if proven else ", stopped at the time limit")
    )
    lowest = problem.cost_offset + min(bound, search.upper)
    final_bound = min(lowest, objective) if np.isfinite(lowest) else None
    return FacilitySolution(
        status,
        open_sites,
        share,
        objective,
        final_bound,
        time.perf_counter() - t0,
        tuple(notes),
    )
