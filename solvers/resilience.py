"""Resilience: the re-home LP, failover pairs, and survivable plans by scenario generation.

Three layers, each usable on its own:

- :func:`reachable_pairs` recomputes region-site pairs within ``sla_rtt_ms * factor`` for
  a topology (possibly with links removed), with the links each pair's path crosses.
- :func:`rehome` is the re-home LP: the most demand the given site capacities can serve
  over the given pairs (then, among such answers, the lowest demand-weighted RTT)::

      max  sum_p D_r(p) x_p
      s.t. sum_{p in r} x_p <= 1                        for every region r
           sum_{p at s} D_r(p) x_p <= cap_s             for every site s
           sum_p D_r(p) gbps_r(p) A[p, l] x_p <= cap_l   for every directed link l (optional)
           0 <= x_p <= 1

- :func:`solve_survivable` solves a plan that survives the loss of any one open site
  (``survive_site_failure = true``) by constraint generation: solve, check every single-site
  failure with the failover LP (:func:`rehome` at 100 % utilisation within the failover
  SLA, link capacities off), add what the failures that bite need, re-solve, repeat.
  By default (``method="cuts"``) that is failover capacity cuts, with a-priori rows,
  LP rounds and repaired incumbents (:mod:`solvers.survivable_cuts`); ``method="scenarios"``
  adds a copy of the assignment per failure (the ``survive_site_failure`` piece).

Failover does not enforce link capacities: after the loss of a site, traffic may
exceed a link's nominal capacity for the duration of the repair. This keeps the
failover guarantee about compute, where GPUs are the expensive, slow-to-add resource.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver.python import model_builder as mb
from scipy.sparse import csr_matrix, vstack

from scenario.build import sovereignty_mask
from scenario.instance import CustomConstraintSpec, Instance
from solvers.result import Solution, SolveParameters, Status
from topo import latency
from topo.graph import Topology

# Demand below this (in demand units) counts as served; LP round-off stays under it.
DEMAND_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class ReachablePairs:
    """Region-site pairs within an SLA, sorted by (region, site).

    ``links`` is the sparse [pairs, 2 * edges] 0/1 incidence of each pair's
    minimum-latency path (column ``2e`` link ``e`` in its stored direction,
    ``2e + 1`` reversed), in the numbering of the topology the pairs were
    computed on; None when not requested.
    """

    region: np.ndarray
    site: np.ndarray
    rtt_ms: np.ndarray
    links: csr_matrix | None = None

    def __len__(self) -> int:
        return int(self.region.shape[0])

    def subset(self, keep: np.ndarray) -> ReachablePairs:
        """The pairs where the boolean mask ``keep`` is true."""
        return ReachablePairs(
            region=self.region[keep],
            site=self.site[keep],
            rtt_ms=self.rtt_ms[keep],
            links=self.links[np.flatnonzero(keep)] if self.links is not None else None,
        )


def without_links(topology: Topology, edge_ids: np.ndarray) -> tuple[Topology, np.ndarray]:
    """The topology minus the given links, and the original index of each kept link.

    Parameters
    ----------
    topology : Topology
        The intact network.
    edge_ids : numpy.ndarray
        Indices of the links to remove.

    Returns
    -------
    tuple[Topology, numpy.ndarray]
        The reduced topology and ``kept`` with ``kept[i]`` = original index of its link ``i``.
    """
    keep = np.ones(topology.n_edges, dtype=bool)
    keep[np.asarray(edge_ids, dtype=np.int64)] = False
    kept = np.flatnonzero(keep)
    reduced = dataclasses.replace(
        topology,
        edge_src=topology.edge_src[kept],
        edge_dst=topology.edge_dst[kept],
        edge_latency_ms=topology.edge_latency_ms[kept],
        edge_distance_km=topology.edge_distance_km[kept],
        edge_capacity_gbps=topology.edge_capacity_gbps[kept],
    )
    return reduced, kept


def reachable_pairs(
    instance: Instance,
    *,
    sla_factor: float = 1.0,
    topology: Topology | None = None,
    with_links: bool = False,
    paths: latency.ShortestPaths | None = None,
) -> ReachablePairs:
    """Region-site pairs with ``rtt <= sla_rtt_ms * sla_factor`` (and sovereignty).

    Follows the scenario's latency model (``topo.latency``); measured RTTs from
    ``[latency] matrix`` replace derived ones and are not changed by a different
    topology (a measurement knows nothing of which links failed).

    Parameters
    ----------
    instance : Instance
        The scenario.
    sla_factor : float
        Multiplier on every region's ``sla_rtt_ms`` (``failover_sla_factor``).
    topology : Topology, optional
        The network to route on (default: the instance's), e.g. with failed links removed.
    with_links : bool
        Also return each pair's path as a link incidence matrix.
    paths : topo.latency.ShortestPaths, optional
        Shortest paths from the regions' attach nodes on ``topology`` (see :func:`route`),
        computed here when not given.

    Returns
    -------
    ReachablePairs
    """
    topology = topology if topology is not None else instance.topology
    settings = instance.latency
    sla = instance.region_sla_rtt_ms * sla_factor
    attach = instance.region_node
    link_ms = latency.link_latency_ms(
        topology, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
    )
    access = latency.access_ms(
        topology,
        instance.region_lat,
        instance.region_lon,
        attach,
        settings.access_route_factor,
        settings.fibre_km_per_ms,
    )
    matrix = None
    if instance.matrix_region.size:
        matrix = (instance.matrix_region, instance.matrix_site, instance.matrix_rtt_ms)
    if paths is None and instance.n_regions and (with_links or not instance.matrix_only):
        limit = float(np.max(sla / 2.0 - access)) if not instance.matrix_only else np.inf
        paths = latency.shortest_paths(topology, link_ms, attach, limit_ms=max(limit, 0.0))
    mask = None
    allowed = instance.region_allowed_countries
    if instance.constraints.sovereignty and any(a is not None for a in allowed):
        mask = sovereignty_mask(allowed, instance.site_country)
    if instance.n_regions == 0:
        empty_i = np.empty(0, dtype=np.int64)
        return ReachablePairs(empty_i, empty_i.copy(), np.empty(0))
    pairs = latency.candidate_pairs(
        paths,
        attach,
        access,
        sla,
        instance.site_node,
        allowed=mask,
        matrix=matrix,
        matrix_only=instance.matrix_only,
    )
    links = None
    if with_links and paths is not None:
        links = latency.pair_links(
            topology, paths, attach[pairs.region], instance.site_node[pairs.site]
        )
    return ReachablePairs(pairs.region, pairs.site, pairs.rtt_ms, links)


def route(instance: Instance, topology: Topology | None = None) -> latency.ShortestPaths:
    """Minimum-latency paths from every region's attach node, not cut at any SLA."""
    topology = topology if topology is not None else instance.topology
    settings = instance.latency
    link_ms = latency.link_latency_ms(
        topology, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
    )
    return latency.shortest_paths(topology, link_ms, instance.region_node)


def site_capacity(instance: Instance, gpus: np.ndarray) -> np.ndarray:
    """Demand units each site serves at 100 % utilisation with ``gpus`` [S, T] installed."""
    return np.asarray(gpus, dtype=float) @ instance.gpu_throughput


@dataclass(frozen=True, eq=False)
class RehomeResult:
    """Answer of the re-home LP.

    ``served`` is per region (demand units), ``share`` per pair (fraction of the
    region's demand); ``ok`` is False only when the LP solver failed.
    ``max_served`` is the first stage's optimum (the second stage, minimising RTT,
    may serve a hair less within its relative tolerance of 1e-9).
    """

    ok: bool
    served: np.ndarray
    share: np.ndarray
    max_served: float = 0.0

    def unserved(self, demand: np.ndarray) -> np.ndarray:
        """Demand left unserved per region (never negative)."""
        return np.maximum(np.asarray(demand, dtype=float) - self.served, 0.0)


def _solve_lp(
    objective: np.ndarray,
    matrix: csr_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    maximise: bool,
) -> np.ndarray | None:
    """Solve ``opt c.x s.t. lo <= A x <= hi, 0 <= x <= 1`` with GLOP; None when not optimal."""
    n = objective.shape[0]
    if n == 0:
        return np.empty(0)
    model = mb.Model()
    model.helper.fill_model_from_sparse_data(
        np.zeros(n),
        np.ones(n),
        np.asarray(objective, dtype=float),
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        csr_matrix(matrix, dtype=float),
    )
    model.helper.set_maximize(maximise)
    solver = mb.Solver("glop")
    status = solver.solve(model)
    if status != mb.SolveStatus.OPTIMAL:
        return None
    return np.clip(solver.values(model.get_variables()).to_numpy(dtype=float), 0.0, 1.0)


def rehome(
    demand: np.ndarray,
    pairs: ReachablePairs,
    capacity: np.ndarray,
    *,
    link_capacity_gbps: np.ndarray | None = None,
    gbps_per_unit: np.ndarray | None = None,
    min_rtt: bool = True,
) -> RehomeResult:
    """The re-home LP: serve the most demand, then at the lowest demand-weighted RTT.

    Parameters
    ----------
    demand : numpy.ndarray
        Demand per region [R] that should be served.
    pairs : ReachablePairs
        Pairs a region may use (already without failed sites, within the SLA).
    capacity : numpy.ndarray
        Demand units each site can serve [S] (0 at a failed site).
    link_capacity_gbps : numpy.ndarray, optional
        Capacity of each directed link [2E] in the numbering of ``pairs.links``
        (inf when uncapacitated); enforced only with ``pairs.links`` and ``gbps_per_unit``.
    gbps_per_unit : numpy.ndarray, optional
        Bandwidth per demand unit of each region [R].
    min_rtt : bool
        Second stage: among the max-served answers, minimise demand-weighted RTT.

    Returns
    -------
    RehomeResult

    Examples
    --------
    >>> import numpy as np
    >>> pairs = ReachablePairs(np.array([0, 1]), np.array([0, 0]), np.array([1.0, 1.0]))
    >>> result = rehome(np.array([6.0, 6.0]), pairs, np.array([10.0]))
    >>> round(float(result.served.sum()), 6)
    10.0
    """
    demand = np.asarray(demand, dtype=float)
    n_regions, n_sites = demand.shape[0], capacity.shape[0]
    keep = (demand[pairs.region] > 0) & (capacity[pairs.site] > 0)
    used = pairs.subset(keep) if not keep.all() else pairs
    n = len(used)
    d = demand[used.region]
    cols = np.arange(n)
    region_rows = csr_matrix((np.ones(n), (used.region, cols)), shape=(n_regions, n))
    site_rows = csr_matrix((d, (used.site, cols)), shape=(n_sites, n))
    blocks = [region_rows, site_rows]
    lower = [np.full(n_regions, -np.inf), np.full(n_sites, -np.inf)]
    upper = [np.ones(n_regions), np.asarray(capacity, dtype=float)]
    if (
        used.links is not None
        and link_capacity_gbps is not None
        and gbps_per_unit is not None
        and np.isfinite(link_capacity_gbps).any()
    ):
        load = used.links.T.tocsr().multiply(d * np.asarray(gbps_per_unit)[used.region]).tocsr()
        bounded = np.flatnonzero(np.isfinite(link_capacity_gbps) & (load.getnnz(axis=1) > 0))
        blocks.append(load[bounded])
        lower.append(np.full(bounded.size, -np.inf))
        upper.append(np.asarray(link_capacity_gbps, dtype=float)[bounded])
    matrix = vstack(blocks).tocsr()
    row_lower, row_upper = np.concatenate(lower), np.concatenate(upper)
    x = _solve_lp(d, matrix, row_lower, row_upper, maximise=True)
    if x is None:
        return RehomeResult(False, np.zeros(n_regions), np.zeros(len(pairs)), 0.0)
    best = float(d @ x)
    if min_rtt and n and best > DEMAND_TOL:
        served_row = csr_matrix(d.reshape(1, -1))
        floor = best * (1.0 - 1e-9)
        x2 = _solve_lp(
            d * used.rtt_ms,
            vstack([matrix, served_row]).tocsr(),
            np.append(row_lower, floor),
            np.append(row_upper, np.inf),
            maximise=False,
        )
        if x2 is not None:
            x = x2
    share = np.zeros(len(pairs))
    share[np.flatnonzero(keep)] = x
    served = np.bincount(pairs.region, weights=share * demand[pairs.region], minlength=n_regions)
    return RehomeResult(True, np.minimum(served, demand), share, best)


def failover_shortfall(
    instance: Instance,
    gpus: np.ndarray,
    served: np.ndarray,
    failed_site: int,
    pairs: ReachablePairs,
) -> float:
    """Served demand that cannot be re-served after losing ``failed_site`` (failover LP).

    Parameters
    ----------
    instance : Instance
        The scenario.
    gpus : numpy.ndarray
        Installed GPUs (existing + new) [S, T].
    served : numpy.ndarray
        Demand each region is served in the plan [R]: what must be re-served.
    failed_site : int
        The lost site.
    pairs : ReachablePairs
        Failover pairs (within ``sla_rtt_ms * failover_sla_factor``).

    Returns
    -------
    float
        Demand units short (0 when the loss is survived); link capacities are not enforced.
    """
    capacity = site_capacity(instance, gpus)
    capacity[failed_site] = 0.0
    result = rehome(served, pairs.subset(pairs.site != failed_site), capacity, min_rtt=False)
    if not result.ok:
        return float(np.sum(served))
    return float(np.maximum(served - result.served, 0.0).sum())


def _with_failure_cases(instance: Instance, sites: Sequence[int]) -> Instance:
    """The instance with the flag off and the given failures as a custom piece."""
    from solvers.constraints.survivability import name as kind

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
    from solvers.constraints.survivability import may_open

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
    from solvers.constraints.survivability import CUT_KIND

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
    from solvers.api import params_from_instance, solve
    from solvers.backends.base import empty_solution

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
        from solvers.survivable_cuts import CutLoopOptions, solve_by_cuts

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
        remaining = max(1.0, deadline - time.perf_counter())
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
