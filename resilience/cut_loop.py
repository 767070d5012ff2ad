"""Survivable plans by failover cuts: an LP cut loop, then MIP rounds with a repaired incumbent.

The full problem is the plain model plus every failover capacity cut
(:mod:`solvers.failover_cuts`); each cut involves the GPU (and unserved) variables
only, so a model holding some of them is a relaxation and its bound is valid.

1. **A-priori rows.** Neighbourhood-closure cuts (:func:`~solvers.failover_cuts.closure_cuts`)
   go into the model when the pool is small, else each round adds those the answer
   breaks; two open sites within each region's failover reach
   (``failover_min_open``); and the spread rows of every closure and every cut
   (``failover_spread``: the capacity a region set needs for the number of sites it
   spreads over), which close most of the LP gap that fixed costs leave.
2. **LP rounds.** Solve the LP relaxation, add every violated cut of the pool or,
   when the pool holds none, the minimum cut of every site's loss at the fractional
   capacities; repeat until the LP breaks none. Cheap, and it finds most cuts the
   integer plan needs.
3. **MIP rounds.** Solve the MIP with the cuts so far; check every single-site
   failure of the answer with the failover LP; add the violated cuts (pool and
   minimum cuts split into components) of the failures that bite, and repair the
   answer into a survivable plan by adding GPUs
   (:func:`~solvers.failover_repair.repair_survivable`). The best survivable plan
   is the incumbent, passed as the next round's warm start; the largest round
   bound is the lower bound. Stop when the incumbent is within the gap of the
   bound. Rounds whose answer still breaks failures run at a looser gap
   (``early_gap``); once an answer survives, the requested gap applies.

The returned plan is certified against every single-site failure (failover LP)
and its bound comes from a relaxation of the full problem.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import CustomConstraintSpec, Instance
from gpuplace.solvers.failover_cuts import (
    Cut,
    closure_cuts,
    closures,
    min_open_rows,
    neighbourhoods,
    separate,
    violated,
)
from gpuplace.solvers.result import Solution, SolveParameters, Status

# The whole a-priori pool goes into the model up to this many GPU coefficients.
POOL_NNZ_MAX = 200_000

# The pool kept for separation: at most this many GPU coefficients, smallest site sets first
# (closures of wide neighbourhoods are many, large and weak).
POOL_NNZ_KEEP = 2_000_000

# Where the generated cut block is named (diagnosis recognises the prefix).
CUTS_WHERE = "constraints.survive_site_failure (cuts)"


@dataclass(frozen=True)
class CutLoopOptions:
    """Switches of the cut loop (each can be turned off to measure what it buys).

    Attributes
    ----------
    apriori : bool
        Use the neighbourhood-closure pool.
    min_open : bool
        Add the two-open-sites rows (:func:`~solvers.failover_cuts.min_open_rows`).
    spread : bool
        Add the spread rows of every closure and every cut found (``failover_spread``;
        skipped when demand may go unserved).
    pool_in_model : bool or None
        Put the whole pool into the model from the start (None: when it holds at most
        :data:`POOL_NNZ_MAX` GPU coefficients); otherwise only its violated cuts.
    lp_rounds : int
        At most this many LP-relaxation rounds before the first MIP (0: none).
    repair : bool
        Repair each MIP answer into a survivable incumbent.
    early_gap : float or None
        Relative gap of MIP rounds whose answer is not yet known to survive
        (never tighter than the requested gap); None: the requested gap throughout.
    """

    apriori: bool = True
    min_open: bool = True
    spread: bool = True
    pool_in_model: bool | None = None
    lp_rounds: int = 50
    repair: bool = True
    early_gap: float | None = 0.05


@dataclass
class RoundLog:
    """One round of the loop (for notes, benchmarks and tests)."""

    phase: str  # "lp" | "mip"
    seconds: float
    cuts_in_model: int
    new_cuts: int
    objective: float | None = None
    bound: float | None = None
    biting: int = 0
    incumbent: float | None = None
    gap: float | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def with_cut_block(
    instance: Instance,
    cuts: list[Cut],
    min_open: list[tuple[int, tuple[int, ...]]] = (),
    spread: list[Cut] = (),
) -> Instance:
    """The instance with the flag off, ``cuts`` as one ``failover_cuts`` custom piece,
    ``min_open`` rows as one ``failover_min_open`` piece and ``spread`` sets (R', K)
    as one ``failover_spread`` piece."""
    from gpuplace.solvers.constraints.survivability import CUTS_KIND, MIN_OPEN_KIND, SPREAD_KIND

    constraints = instance.constraints
    specs: tuple[CustomConstraintSpec, ...] = ()
    if spread:
        params = {
            "regions": [[instance.region_ids[r] for r in regions] for regions, _ in spread],
            "sites": [[instance.site_ids[s] for s in sites] for _, sites in spread],
        }
        specs += (CustomConstraintSpec(SPREAD_KIND, params, CUTS_WHERE),)
    if min_open:
        params = {
            "regions": [instance.region_ids[r] for r, _ in min_open],
            "sites": [[instance.site_ids[s] for s in sites] for _, sites in min_open],
        }
        specs += (CustomConstraintSpec(MIN_OPEN_KIND, params, CUTS_WHERE),)
    if cuts:
        params = {
            "regions": [[instance.region_ids[r] for r in regions] for regions, _ in cuts],
            "sites": [[instance.site_ids[s] for s in sites] for _, sites in cuts],
        }
        specs += (CustomConstraintSpec(CUTS_KIND, params, CUTS_WHERE),)
    return dataclasses.replace(
        instance,
        constraints=dataclasses.replace(
            constraints, survive_site_failure=False, custom=constraints.custom + specs
        ),
    )


def _bounded(pool: list[Cut], n_types: int) -> list[Cut]:
    """The pool's cuts with the fewest sites, up to :data:`POOL_NNZ_KEEP` GPU coefficients."""
    sizes = np.array([len(sites) for _, sites in pool], dtype=np.int64) * n_types
    if int(sizes.sum()) <= POOL_NNZ_KEEP:
        return pool
    order = np.argsort(sizes, kind="stable")
    keep = order[np.cumsum(sizes[order]) <= POOL_NNZ_KEEP]
    return [pool[i] for i in sorted(keep.tolist())]


def _lp_relaxation(model, time_limit_s: float) -> tuple[np.ndarray, float] | None:
    """(values, objective) of the LP relaxation of ``model`` (HiGHS via scipy), or None."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    sign = 1.0 if model.sense == "min" else -1.0
    result = milp(
        sign * model.c,
        constraints=LinearConstraint(model.A, model.row_lb, model.row_ub),
        integrality=np.zeros(model.n_vars),
        bounds=Bounds(model.col_lb, model.col_ub),
        options={"time_limit": max(1.0, time_limit_s), "disp": False},
    )
    if result.status != 0 or result.x is None:
        return None
    return result.x, float(model.c @ result.x + model.c0)


def _capacity_served(instance: Instance, model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Site capacities at 100 % [S] and served demand [R] of a (fractional) value vector."""
    S, T = instance.n_sites, instance.n_types
    gpus = instance.site_existing_gpus + np.maximum(model.values(x, "gpus"), 0.0).reshape(S, T)
    capacity = gpus @ instance.gpu_throughput
    served = instance.region_demand.astype(float).copy()
    if "unserved" in model.var_blocks:
        served = np.maximum(served - model.values(x, "unserved"), 0.0)
    return capacity, served


def _new_cuts(
    pool: list[Cut],
    capacity: np.ndarray,
    served: np.ndarray,
    failures: list[int],
    pairs,
    have: set[Cut],
) -> list[Cut]:
    """Violated cuts not yet in the model: from the pool, then each failure's minimum cut."""
    found: dict[Cut, None] = {}
    for cut in violated(pool, capacity, served):
        found.setdefault(cut, None)
    for f in failures:
        for cut in separate(capacity, served, f, pairs):
            found.setdefault(cut, None)
    return [cut for cut in found if cut not in have]


def solve_by_cuts(
    instance: Instance,
    solver: str,
    params: SolveParameters,
    warm_start: Solution | None,
    pairs,
    *,
    options: CutLoopOptions = CutLoopOptions(),
    max_rounds: int = 200,
    log: list[RoundLog] | None = None,
) -> Solution:
    """The cut loop (module docstring); see :func:`solvers.resilience.solve_survivable`.

    Parameters
    ----------
    instance : Instance
        The scenario (``failover_sla_factor >= 1``).
    solver : str
        Backend name for the MIP rounds.
    params : SolveParameters
        Time limit for the whole loop, requested gap, threads, seed.
    warm_start : Solution, optional
        First hint.
    pairs : solvers.resilience.ReachablePairs
        Pairs within the failover SLA.
    options : CutLoopOptions
        Which accelerations run.
    max_rounds : int
        Safety stop on MIP rounds.
    log : list of RoundLog, optional
        Receives one entry per round.

    Returns
    -------
    Solution
    """
    from gpuplace.solvers.api import solve
    from gpuplace.solvers.backends.base import empty_solution, gap_of, status_from_gap
    from gpuplace.solvers.cancel import cancel_requested
    from gpuplace.solvers.constraints.survivability import may_open
    from gpuplace.solvers.failover_repair import repair_survivable
    from gpuplace.solvers.model import build_model
    from gpuplace.solvers.model.core import has_unserved
    from gpuplace.solvers.model.objective import sense as objective_sense
    from gpuplace.solvers.resilience import biting_failures

    started = time.perf_counter()
    deadline = started + params.time_limit_s
    log = log if log is not None else []
    minimise = objective_sense(instance) == "min"
    usable = may_open(instance)
    pool = (
        _bounded(closure_cuts(instance, pairs, usable), instance.n_types) if options.apriori else []
    )
    per_region = has_unserved(instance)
    opens = (
        min_open_rows(instance, pairs, usable, per_region=per_region) if options.min_open else []
    )
    cuts: list[Cut] = []
    have: set[Cut] = set()

    def add(new: list[Cut]) -> None:
        cuts.extend(new)
        have.update(new)
        add_spread(new)

    spreads: list[Cut] = []
    spread_have: set[Cut] = set()
    hoods = neighbourhoods(instance, pairs, usable)

    def add_spread(new: list[Cut]) -> None:
        if not options.spread or per_region:
            return
        for regions, _ in new:
            hood = tuple(sorted(set().union(*(hoods[r] for r in regions))))
            if (regions, hood) not in spread_have:
                spread_have.add((regions, hood))
                spreads.append((regions, hood))

    if options.apriori:
        add_spread(closures(instance, pairs, usable))
    pool_size = sum(len(sites) for _, sites in pool) * instance.n_types
    if options.pool_in_model or (options.pool_in_model is None and pool_size <= POOL_NNZ_MAX):
        add(pool)

    # LP rounds: cut the relaxation until it breaks no failover cut.
    for _ in range(options.lp_rounds):
        tic = time.perf_counter()
        if deadline - tic < 0.2 * params.time_limit_s or cancel_requested():
            break
        model = build_model(with_cut_block(instance, cuts, opens, spreads))
        lp = _lp_relaxation(model, deadline - tic)
        if lp is None:
            break
        x, value = lp
        capacity, served = _capacity_served(instance, model, x)
        # The pool is checked at once; the minimum cut of every loss only when it is clean.
        new = _new_cuts(pool, capacity, served, [], pairs, have)
        if not new:
            failures = [int(f) for f in usable if capacity[f] > 1e-9]
            new = _new_cuts([], capacity, served, failures, pairs, have)
        add(new)
        log.append(RoundLog("lp", time.perf_counter() - tic, len(cuts), len(new), value, value))
        if not new:
            break

    base_model = build_model(with_cut_block(instance, [])) if options.repair else None
    best: Solution | None = None
    bound: float | None = None
    hint = warm_start
    survived_at_early_gap = False
    last: Solution | None = None
    for round_number in range(1, max_rounds + 1):
        tic = time.perf_counter()
        remaining = deadline - tic
        if best is not None and (remaining <= 0 or cancel_requested()):
            break
        early = options.early_gap is not None and not survived_at_early_gap
        gap = max(params.gap, options.early_gap) if early and options.early_gap else params.gap
        round_params = dataclasses.replace(params, time_limit_s=max(1.0, remaining), gap=gap)
        solution = solve(with_cut_block(instance, cuts, opens, spreads), solver, round_params, hint)
        last = solution
        entry = RoundLog("mip", 0.0, len(cuts), 0, solution.objective, solution.bound, gap=gap)
        log.append(entry)
        if solution.status not in (Status.OPTIMAL, Status.FEASIBLE):
            entry.seconds = time.perf_counter() - tic
            if best is not None and solution.status == Status.NO_SOLUTION:
                break
            note = f"survive_site_failure: round {round_number}, {len(cuts)} cut(s) in the model"
            return dataclasses.replace(
                solution, wall_s=time.perf_counter() - started, notes=solution.notes + (note,)
            )
        if solution.bound is not None and np.isfinite(solution.bound):
            if bound is None:
                bound = solution.bound
            bound = max(bound, solution.bound) if minimise else min(bound, solution.bound)
        biting = biting_failures(instance, solution, pairs)
        entry.biting = len(biting)
        candidate = solution if not biting else None
        new: list[Cut] = []
        if biting:
            gpus = instance.site_existing_gpus + np.asarray(solution.new_gpus, dtype=np.int64)
            capacity = gpus @ instance.gpu_throughput
            served = np.maximum(instance.region_demand - solution.unserved, 0.0)
            new = _new_cuts(pool, capacity, served, biting, pairs, have)
            if base_model is not None:
                repaired = repair_survivable(instance, base_model, solution, pairs)
                if repaired is not None and not biting_failures(instance, repaired, pairs):
                    candidate = repaired
        elif gap > params.gap:
            survived_at_early_gap = True
        if candidate is not None and (
            best is None
            or (
                candidate.objective < best.objective
                if minimise
                else candidate.objective > best.objective
            )
        ):
            best = candidate
        entry.new_cuts = len(new)
        entry.incumbent = None if best is None else best.objective
        entry.seconds = time.perf_counter() - tic
        if best is not None and (gap_of(best.objective, bound) or np.inf) <= params.gap + 1e-9:
            break
        if not biting:
            if gap <= params.gap:
                # The round's own gap holds (an answer that survives); the bound is the round's.
                break
            hint = best
            continue
        if not new:
            return empty_solution(
                instance,
                Status.NO_SOLUTION,
                started,
                solution.backend,
                solution.backend_version,
                bound=solution.bound,
                interrupted=solution.interrupted,
                notes=(
                    "survive_site_failure: no survivable plan found (solver "
                    f"{solver!r} returned a plan that breaks rows already in the model)",
                ),
            )
        add(new)
        hint = best if best is not None else solution
        if time.perf_counter() >= deadline and best is None:
            return empty_solution(
                instance,
                Status.NO_SOLUTION,
                started,
                solution.backend,
                solution.backend_version,
                bound=bound,
                interrupted=True,
                notes=("survive_site_failure: no survivable plan found (time ran out)",),
            )
    if best is None:
        return empty_solution(
            instance,
            Status.NO_SOLUTION,
            started,
            solver,
            "",
            bound=bound,
            notes=(f"survive_site_failure: no survivable plan after {max_rounds} rounds",),
        )
    lp_n = sum(1 for e in log if e.phase == "lp")
    mip_n = sum(1 for e in log if e.phase == "mip")
    status = status_from_gap(best.objective, bound, params.gap)
    note = (
        f"survive_site_failure: every single-site failure checked; {len(cuts)} cut(s) in the "
        f"model after {lp_n} LP and {mip_n} MIP round(s)"
    )
    interrupted = bool(last is not None and last.interrupted)
    if bound is not None:
        bound = min(bound, best.objective) if minimise else max(bound, best.objective)
    return dataclasses.replace(
        best,
        status=status,
        bound=bound,
        interrupted=interrupted
        or cancel_requested()
        or (status != Status.OPTIMAL and time.perf_counter() >= deadline),
        wall_s=time.perf_counter() - started,
        notes=best.notes + (note,),
    )
