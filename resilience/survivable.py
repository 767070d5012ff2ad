"""Survivable plans by constraint generation: ``survive_site_failure = true``.

:func:`solve_survivable` solves a plan that survives the loss of any one open
site: solve, check every single-site failure with the failover LP
(:func:`solvers.rehome.failover_shortfall`), add what the failures that bite
need, re-solve, repeat. By default (``method="cuts"``) that is failover capacity
cuts, with a-priori rows, LP rounds and repaired incumbents
(:mod:`solvers.survivable_cuts`); ``method="scenarios"`` adds a copy of the
assignment per failure (the ``survive_site_failure`` piece).

Failover does not enforce link capacities: after the loss of a site, traffic may
exceed a link's nominal capacity for the duration of the repair. This keeps the
failover guarantee about compute, where GPUs are the expensive, slow-to-add resource.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np

from gpuplace.scenario.instance import CustomConstraintSpec, Instance
from gpuplace.solvers.reachable import ReachablePairs, reachable_pairs
from gpuplace.solvers.rehome import DEMAND_TOL, failover_shortfall, site_capacity
from gpuplace.solvers.result import Solution, SolveParameters, Status


def _with_failure_cases(instance: Instance, sites: Sequence[int]) -> Instance:
    """The instance with the flag off and the given failures as a custom piece."""
    from gpuplace.solvers.constraints.survivability import name as kind

    constraints = instance.constraints
    spec = CustomConstraintSpec(
        kind,
        {"sites": [instance.site_ids[s] for s in sorted(sites)]},
        "constraints.survive_site_failure",
    )
    custom = constraints.custom + ((spec,) if len(sites) else ())
    return dataclasses.replace(
        instance,
        constraints=dataclasses.replace(constraints, survive_site_failure=False, custom=custom),
    )


def biting_failures(
    instance: Instance, solution: Solution, pairs: ReachablePairs | None = None
) -> list[int]:
    """Open sites of ``solution`` whose loss leaves served demand that cannot be re-served."""
    if pairs is None:
        pairs = reachable_pairs(instance, sla_factor=instance.constraints.failover_sla_factor)
    gpus = instance.site_existing_gpus + np.asarray(solution.new_gpus, dtype=np.int64)
    served = np.maximum(instance.region_demand - solution.unserved, 0.0)
    open_sites = np.flatnonzero(
        np.asarray(solution.open_sites, dtype=bool) | (gpus.sum(axis=1) > 0)
    )
    tol = DEMAND_TOL * max(1.0, float(served.sum()))
    return [
        int(f)
        for f in open_sites
        if failover_shortfall(instance, gpus, served, int(f), pairs) > tol
    ]


def unsurvivable_regions(instance: Instance, pairs: ReachablePairs) -> list[int]:
    """Regions whose demand no plan can re-serve: fewer than two sites within the failover SLA.

    Only meaningful when all demand must be served and ``failover_sla_factor >= 1``
    (then the region's serving site is one of those in reach, and its loss is fatal).
    """
    from gpuplace.solvers.constraints.survivability import may_open

    cons = instance.constraints
    if cons.allow_unserved or instance.objective.kind == "served" or cons.failover_sla_factor < 1:
        return []
    usable = np.isin(pairs.site, may_open(instance))
    counts = np.bincount(pairs.region[usable], minlength=instance.n_regions)
    return [int(r) for r in np.flatnonzero((counts < 2) & (instance.region_demand > 0))]


def failover_cut(
    instance: Instance,
    gpus: np.ndarray,
    served: np.ndarray,
    failed_site: int,
    pairs: ReachablePairs,
) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The violated capacity cut of a failure that bites: (regions R', sites N), or None.

    The minimum cut of the failover transportation problem (source -> region: served
    demand; region -> site within the failover SLA, site != ``failed_site``: unbounded;
    site -> sink: capacity at 100 %) separates R' from the sink; N = every site any
    region of R' may use after the loss. The plan violates ``Σ_{R'} served <= Σ_N cap``.
    """
    import networkx as nx

    capacity = site_capacity(instance, gpus)
    keep = (pairs.site != failed_site) & (served[pairs.region] > 0)
    graph = nx.DiGraph()
    regions = np.flatnonzero(served > 0)
    for r in regions:
        graph.add_edge("source", ("r", int(r)), capacity=float(served[r]))
    for r, s in zip(pairs.region[keep], pairs.site[keep], strict=True):
        graph.add_edge(("r", int(r)), ("s", int(s)))
    for s in np.unique(pairs.site[keep]):
        graph.add_edge(("s", int(s)), "sink", capacity=float(capacity[s]))
    if "sink" not in graph:
        cut_regions = tuple(int(r) for r in regions)
        return (cut_regions, ()) if cut_regions else None
    value, (source_side, _) = nx.minimum_cut(graph, "source", "sink")
    if float(served.sum()) - value <= DEMAND_TOL * max(1.0, float(served.sum())):
        return None
    cut_regions = sorted(
        node[1] for node in source_side if isinstance(node, tuple) and node[0] == "r"
    )
    if not cut_regions:
        return None
    near = np.isin(pairs.region, cut_regions) & (pairs.site != failed_site)
    return tuple(cut_regions), tuple(int(x) for x in np.unique(pairs.site[near]))


def _with_cuts(
    instance: Instance, cuts: Sequence[tuple[tuple[int, ...], tuple[int, ...]]]
) -> Instance:
    """The instance with the flag off and the given failover cuts as custom pieces."""
    from gpuplace.solvers.constraints.survivability import CUT_KIND

    constraints = instance.constraints
    specs = tuple(
        CustomConstraintSpec(
            CUT_KIND,
            {
                "regions": [instance.region_ids[r] for r in regions],
                "sites": [instance.site_ids[s] for s in sites],
            },
            f"constraints.survive_site_failure (cut {i + 1})",
        )
        for i, (regions, sites) in enumerate(cuts)
    )
    return dataclasses.replace(
        instance,
        constraints=dataclasses.replace(
            constraints, survive_site_failure=False, custom=constraints.custom + specs
        ),
    )


METHODS = ("auto", "cuts", "scenarios")
MIN_ROUND_S = 0.1  # a round that starts just before the deadline still gets this long


def solve_survivable(
    instance: Instance,
    solver: str = "auto",
    params: SolveParameters | None = None,
    warm_start: Solution | None = None,
    *,
    method: str = "auto",
    max_rounds: int = 200,
    options=None,
    log: list | None = None,
) -> Solution:
    """A plan that survives the loss of any one open site, by constraint generation.

    Solve the model without failover rows; check every single-site failure of the
    answer with the failover LP; for the failures that bite, add to the model either

    - ``scenarios``: the failover variables and rows of those sites (the
      ``survive_site_failure`` piece with those sites: one copy of the assignment per
      failure), or
    - ``cuts``: the violated capacity cut of each (the ``failover_cut`` piece: one row
      over the GPU variables, from the failover problem's minimum cut);

    re-solve warm-started from the previous answer; repeat until no single-site
    failure bites. The answer returned is certified against every single-site failure,
    and every model solved is a relaxation of the full problem, so its bound is
    valid for the full problem. ``auto`` uses cuts (much smaller models) when
    ``failover_sla_factor >= 1`` and scenarios otherwise (cuts need the normal
    assignment to be a failover assignment when the failed site is closed).

    The cut loop (:func:`solvers.survivable_cuts.solve_by_cuts`) also adds a-priori
    rows (two open sites within each region's failover reach; the capacity a region
    set needs for the number of sites it spreads over), cuts the LP relaxation before
    the first MIP, repairs every MIP answer into a survivable incumbent by adding GPUs,
    and stops as soon as the best survivable plan is within the gap of the best bound.

    Parameters
    ----------
    instance : Instance
        The scenario, with ``constraints.survive_site_failure`` (the flag itself is
        not read: the loop always enforces survivability).
    solver : str
        Backend name, as for :func:`solvers.solve`.
    params : SolveParameters, optional
        Time limit (for the whole loop), gap, threads, seed; default from the instance.
    warm_start : Solution, optional
        A previous Solution, used as the first hint.
    method : {"auto", "cuts", "scenarios"}
        What is added per failure that bites (see above).
    max_rounds : int
        Safety stop on the number of re-solves.
    options : solvers.survivable_cuts.CutLoopOptions, optional
        Accelerations of the ``cuts`` loop (a-priori pool, LP rounds, repaired
        incumbents, early gap); all on by default.
    log : list, optional
        Receives one :class:`solvers.survivable_cuts.RoundLog` per round (``cuts`` only).

    Returns
    -------
    Solution
        Aligned with ``instance``. ``notes`` say how many cases the model needed.
        INFEASIBLE when no survivable plan exists; NO_SOLUTION when time ran out
        before a survivable plan was found, or the backend cannot enforce the rows.
    """
    from gpuplace.solvers.api import params_from_instance, solve
    from gpuplace.solvers.backends.base import empty_solution

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    factor = instance.constraints.failover_sla_factor
    if method == "auto":
        method = "cuts" if factor >= 1.0 else "scenarios"
    params = params or params_from_instance(instance)
    started = time.perf_counter()
    deadline = started + params.time_limit_s
    pairs = reachable_pairs(instance, sla_factor=factor)
    lonely = unsurvivable_regions(instance, pairs)
    if lonely:
        names = ", ".join(instance.region_ids[r] for r in lonely[:10])
        more = f" and {len(lonely) - 10} more" if len(lonely) > 10 else ""
        return empty_solution(
            instance,
            Status.INFEASIBLE,
            started,
            solver,
            "",
            notes=(
                f"survive_site_failure: {len(lonely)} region(s) have fewer than two sites within "
                f"sla_rtt_ms x failover_sla_factor ({factor:g}), so losing their one site "
                f"cannot be survived: {names}{more}",
            ),
        )
    if method == "cuts":
        from gpuplace.solvers.survivable_cuts import CutLoopOptions, solve_by_cuts

        solution = solve_by_cuts(
            instance,
            solver,
            dataclasses.replace(params, time_limit_s=max(1.0, deadline - time.perf_counter())),
            warm_start,
            pairs,
            options=options or CutLoopOptions(),
            max_rounds=max_rounds,
            log=log,
        )
        return dataclasses.replace(solution, wall_s=time.perf_counter() - started)
    added: set = set()
    hint = warm_start
    for round_number in range(1, max_rounds + 1):
        remaining = max(MIN_ROUND_S, deadline - time.perf_counter())
        derived = (
            _with_cuts(instance, sorted(added))
            if method == "cuts"
            else _with_failure_cases(instance, sorted(added))
        )
        solution = solve(
            derived,
            solver=solver,
            params=dataclasses.replace(params, time_limit_s=remaining),
            warm_start=hint,
        )
        elapsed = time.perf_counter() - started
        what = f"{len(added)} {'cut' if method == 'cuts' else 'failure case'}(s)"
        if solution.status not in (Status.OPTIMAL, Status.FEASIBLE):
            note = f"survive_site_failure: round {round_number}, {what} in the model"
            return dataclasses.replace(solution, wall_s=elapsed, notes=solution.notes + (note,))
        biting = biting_failures(instance, solution, pairs)
        if not biting:
            note = (
                f"survive_site_failure: every single-site failure checked; {what} "
                f"in the model after {round_number} round(s)"
            )
            return dataclasses.replace(solution, wall_s=elapsed, notes=solution.notes + (note,))
        if method == "cuts":
            gpus = instance.site_existing_gpus + np.asarray(solution.new_gpus, dtype=np.int64)
            served = np.maximum(instance.region_demand - solution.unserved, 0.0)
            found = {failover_cut(instance, gpus, served, f, pairs) for f in biting}
            new = {cut for cut in found if cut is not None} - added
        else:
            new = set(biting) - added
        out_of_time = time.perf_counter() >= deadline
        if not new or out_of_time:
            why = (
                "time ran out"
                if out_of_time and new
                else f"solver {solver!r} returned a plan that breaks rows already in the model"
            )
            return empty_solution(
                instance,
                Status.NO_SOLUTION,
                started,
                solution.backend,
                solution.backend_version,
                bound=solution.bound,
                interrupted=solution.interrupted,
                notes=(f"survive_site_failure: no survivable plan found ({why})",),
            )
        added |= new
        hint = solution
    return empty_solution(
        instance,
        Status.NO_SOLUTION,
        started,
        solver,
        "",
        notes=(f"survive_site_failure: no survivable plan after {max_rounds} rounds",),
    )
