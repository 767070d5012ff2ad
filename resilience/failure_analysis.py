"""Failure analysis: what a plan loses when one site, one link or one SRLG group fails.

For every case the failed site's GPUs are gone, or the failed links are removed
from the topology and shortest paths and RTTs recomputed without them. Then:

- ``rehome``: the re-home LP (:func:`solvers.resilience.rehome`) serves as much
  demand as the surviving GPUs can at 100 % utilisation (failover may use the
  headroom ``max_utilisation`` keeps), over pairs within each region's SLA after
  the failure, with link capacities on the post-failure paths when the scenario
  enforces them. Reported: demand no longer served (beyond what the intact plan
  already left unserved), regions affected, worst and mean RTT after re-homing,
  demand kept without re-homing, and links pushed over capacity if traffic kept its
  assignment but followed the new paths.
- ``resolve``: additionally the cheapest repair: GPUs to add at surviving sites, or
  new sites to open, so that all demand is served again within SLA under the
  scenario's constraints (:mod:`planning.failures_repair`).

Cases run through :func:`planning.executor.run_tasks` (locally or on a Dask
cluster), or one after the other in-process when the executor is not available.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from gpuplace.errors import InputError, Problem
from gpuplace.planning.failures_cases import FailureCase, SrlgGroups, failure_cases
from gpuplace.planning.failures_plan import PlanArrays, plan_arrays
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.resilience import (
    DEMAND_TOL,
    reachable_pairs,
    rehome,
    route,
    site_capacity,
    without_links,
)
from gpuplace.topo import latency
from gpuplace.topo.graph import Topology

MODES = ("rehome", "resolve")

__all__ = [
    "MODES",
    "FailureImpact",
    "LinkOverload",
    "RedundancyGuarantee",
    "analyse_failures",
    "redundancy_guarantee",
]


@dataclass(frozen=True)
class LinkOverload:
    """A directed link whose load exceeds its capacity after a failure."""

    source: str
    target: str
    load_gbps: float
    capacity_gbps: float


@dataclass(frozen=True)
class FailureImpact:
    """What one failure case costs a plan.

    ``unserved_demand`` is demand (units) the surviving GPUs cannot serve within
    SLA after re-homing, beyond what the intact plan could already not serve;
    ``kept_demand`` is the demand whose assignment survives untouched (no
    re-homing). ``repair_*`` is filled in ``resolve`` mode only.
    """

    kind: str  # site | link | srlg
    name: str
    failed: tuple[str, ...]  # site ids or "source--target" links
    demand_total: float
    unserved_demand: float
    unserved_fraction: float
    kept_demand: float
    affected_regions: tuple[str, ...]
    unserved_regions: tuple[str, ...]
    worst_rtt_ms: float | None
    mean_rtt_ms: float | None
    overloaded_links: tuple[LinkOverload, ...] = ()
    lp_ok: bool = True
    repair_status: str | None = None
    repair_cost: float | None = None
    repair_gpus: dict[str, dict[str, int]] = field(default_factory=dict)
    repair_new_sites: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        data = asdict(self)
        data["failed"] = list(self.failed)
        data["affected_regions"] = list(self.affected_regions)
        data["unserved_regions"] = list(self.unserved_regions)
        data["overloaded_links"] = [asdict(link) for link in self.overloaded_links]
        data["repair_new_sites"] = list(self.repair_new_sites)
        return data


@dataclass(frozen=True)
class RedundancyGuarantee:
    """Demand a plan keeps after the loss of any one site, without re-homing.

    ``max_share`` is, per region, the largest share any single site serves;
    ``guaranteed_demand`` = sum over regions of served demand minus demand x max share.
    ``promised_fraction`` is ``1 - 1/k`` for the scenario's ``redundancy = k``.
    """

    k: int
    demand_total: float
    served_demand: float
    guaranteed_demand: float
    promised_fraction: float
    max_share: dict[str, float]

    @property
    def guaranteed_fraction(self) -> float:
        return self.guaranteed_demand / self.demand_total if self.demand_total > 0 else 1.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["guaranteed_fraction"] = self.guaranteed_fraction
        return data


def redundancy_guarantee(
    instance: Instance, plan: dict, *, source: str = "plan"
) -> RedundancyGuarantee:
    """What ``redundancy = k`` buys: demand still served after losing any single site.

    Parameters
    ----------
    instance : Instance
        The scenario.
    plan : dict
        The plan (PLAN.md).
    source : str
        Name of the plan file, for messages.

    Returns
    -------
    RedundancyGuarantee
    """
    arrays = plan_arrays(instance, plan, source=source)
    demand = instance.region_demand
    served = arrays.served(demand)
    max_share = arrays.share.max(axis=1) if instance.n_sites else np.zeros(instance.n_regions)
    k = int(instance.constraints.redundancy)
    return RedundancyGuarantee(
        k=k,
        demand_total=float(demand.sum()),
        served_demand=float(served.sum()),
        guaranteed_demand=float(np.maximum(served - demand * max_share, 0.0).sum()),
        promised_fraction=1.0 - 1.0 / k if k >= 1 else 0.0,
        max_share={r: float(m) for r, m in zip(instance.region_ids, max_share, strict=True)},
    )


@dataclass(frozen=True, eq=False)
class _Context:
    """Everything a case needs; shipped once per task to the executor."""

    instance: Instance
    arrays: PlanArrays
    capacity: np.ndarray
    base_unserved: np.ndarray  # per region, re-home LP on the intact network
    base_load: np.ndarray  # directed link loads of the plan's assignment, intact network
    crossed: csr_matrix  # [assignments, E]: assignment (nonzero share, row-major) uses link
    enforce_links: bool
    sla_factor: float
    mode: str
    solver: str
    params: Any


def _directed_capacity(topology: Topology) -> np.ndarray:
    return np.repeat(topology.edge_capacity_gbps, 2)


def _assignment_load(
    instance: Instance,
    topology: Topology,
    paths: latency.ShortestPaths,
    arrays: PlanArrays,
    failed_sites: Sequence[int],
) -> np.ndarray:
    """Directed link loads [2E] if every assignment kept its site and followed ``paths``."""
    r_idx, s_idx = np.nonzero(arrays.share > 0)
    keep = ~np.isin(s_idx, np.asarray(failed_sites, dtype=np.int64))
    r_idx, s_idx = r_idx[keep], s_idx[keep]
    if r_idx.size == 0 or not instance.region_gbps_per_unit.any():
        return np.zeros(2 * topology.n_edges)
    incidence = latency.pair_links(
        topology, paths, instance.region_node[r_idx], instance.site_node[s_idx]
    )
    traffic = (
        arrays.share[r_idx, s_idx]
        * instance.region_demand[r_idx]
        * instance.region_gbps_per_unit[r_idx]
    )
    return np.asarray(incidence.T @ traffic).ravel()


def _crossed_links(
    instance: Instance, paths: latency.ShortestPaths, arrays: PlanArrays
) -> csr_matrix:
    """Sparse [assignments, E]: the links each assignment's path crosses (either direction)."""
    r_idx, s_idx = np.nonzero(arrays.share > 0)
    n_edges = instance.topology.n_edges
    if r_idx.size == 0 or n_edges == 0:
        return csr_matrix((r_idx.size, n_edges))
    incidence = latency.pair_links(
        instance.topology, paths, instance.region_node[r_idx], instance.site_node[s_idx]
    ).tocsc()
    return (incidence[:, 0::2] + incidence[:, 1::2]).tocsr()


def _enforce_links(instance: Instance) -> bool:
    return bool(
        instance.constraints.link_capacity
        and instance.region_gbps_per_unit.any()
        and np.isfinite(instance.topology.edge_capacity_gbps).any()
    )


def _context(
    instance: Instance,
    arrays: PlanArrays,
    mode: str,
    solver: str,
    params: Any,
    failover: bool = False,
) -> _Context:
    capacity = site_capacity(instance, arrays.gpus)
    enforce = _enforce_links(instance) and not failover
    sla_factor = instance.constraints.failover_sla_factor if failover else 1.0
    paths = route(instance)
    pairs = reachable_pairs(instance, sla_factor=sla_factor, with_links=enforce, paths=paths)
    base = rehome(
        instance.region_demand,
        pairs,
        capacity,
        link_capacity_gbps=_directed_capacity(instance.topology) if enforce else None,
        gbps_per_unit=instance.region_gbps_per_unit,
        min_rtt=False,
    )
    return _Context(
        instance=instance,
        arrays=arrays,
        capacity=capacity,
        base_unserved=base.unserved(instance.region_demand),
        base_load=_assignment_load(instance, instance.topology, paths, arrays, ()),
        crossed=_crossed_links(instance, paths, arrays),
        enforce_links=enforce,
        sla_factor=sla_factor,
        mode=mode,
        solver=solver,
        params=params,
    )


def analyse_case(context: _Context, case: FailureCase) -> FailureImpact:
    """Impact of one failure case (top-level so executors can ship it)."""
    instance = context.instance
    demand = instance.region_demand
    topology, kept = instance.topology, np.arange(instance.topology.n_edges)
    if case.edges:
        topology, kept = without_links(instance.topology, np.asarray(case.edges))
    paths = route(instance, topology)
    pairs = reachable_pairs(
        instance,
        sla_factor=context.sla_factor,
        topology=topology,
        with_links=context.enforce_links,
        paths=paths,
    )
    capacity = context.capacity.copy()
    capacity[list(case.sites)] = 0.0
    result = rehome(
        demand,
        pairs,
        capacity,
        link_capacity_gbps=_directed_capacity(topology) if context.enforce_links else None,
        gbps_per_unit=instance.region_gbps_per_unit,
    )
    total = float(demand.sum())
    tol = DEMAND_TOL * max(1.0, total)
    lost = np.maximum(result.unserved(demand) - context.base_unserved, 0.0)
    unserved = total - result.max_served - float(context.base_unserved.sum())
    unserved = max(unserved, 0.0) if result.ok else total

    # Assignments kept without re-homing: site alive and pair still within SLA.
    # Affected regions: an assignment lost, or its traffic rerouted around a failed link.
    share = context.arrays.share
    r_idx, s_idx = np.nonzero(share > 0)
    n_sites = instance.n_sites
    alive = np.isin(r_idx * n_sites + s_idx, pairs.region * n_sites + pairs.site)
    alive &= ~np.isin(s_idx, np.asarray(case.sites, dtype=np.int64))
    kept_demand = float((share[r_idx, s_idx] * demand[r_idx])[alive].sum())
    rerouted = context.crossed[:, list(case.edges)].getnnz(axis=1) > 0
    affected = np.unique(r_idx[~alive | rerouted])

    used = result.share > 1e-9
    served_pairs = result.share[used] * demand[pairs.region[used]]
    worst = float(pairs.rtt_ms[used].max()) if used.any() else None
    mean = (
        float((served_pairs * pairs.rtt_ms[used]).sum() / served_pairs.sum())
        if served_pairs.sum() > 0
        else None
    )

    overloads = _overloads(context, case, topology, kept, paths)
    impact = FailureImpact(
        kind=case.kind,
        name=case.name,
        failed=_failed_labels(instance, case),
        demand_total=total,
        unserved_demand=unserved if unserved > tol else 0.0,
        unserved_fraction=unserved / total if unserved > tol else 0.0,
        kept_demand=kept_demand,
        affected_regions=tuple(instance.region_ids[r] for r in affected),
        unserved_regions=tuple(instance.region_ids[r] for r in np.flatnonzero(lost > tol)),
        worst_rtt_ms=worst,
        mean_rtt_ms=mean,
        overloaded_links=overloads,
        lp_ok=result.ok,
    )
    if context.mode == "resolve":
        from gpuplace.planning.failures_repair import repair

        disrupted = bool(affected.size or overloads)
        impact = repair(
            instance,
            context.arrays,
            case,
            impact,
            topology=topology,
            disrupted=disrupted,
            solver=context.solver,
            params=context.params,
        )
    return impact


def _failed_labels(instance: Instance, case: FailureCase) -> tuple[str, ...]:
    from gpuplace.planning.failures_cases import link_label

    return tuple(instance.site_ids[s] for s in case.sites) + tuple(
        link_label(instance.topology, e) for e in case.edges
    )


def _overloads(
    context: _Context,
    case: FailureCase,
    topology: Topology,
    kept: np.ndarray,
    paths: latency.ShortestPaths,
) -> tuple[LinkOverload, ...]:
    """Links over capacity, and more loaded than before, if traffic kept its sites."""
    instance = context.instance
    load = _assignment_load(instance, topology, paths, context.arrays, case.sites)
    if not load.any():
        return ()
    capacity = _directed_capacity(topology)
    original = 2 * np.repeat(kept, 2) + np.tile([0, 1], kept.size)
    before = context.base_load[original]
    hot = np.flatnonzero((load > capacity * (1 + 1e-9)) & (load > before + 1e-9))
    names = instance.topology.node_ids
    result = []
    for column in hot:
        e = int(kept[column // 2])
        u, v = instance.topology.edge_src[e], instance.topology.edge_dst[e]
        if column % 2:
            u, v = v, u
        result.append(
            LinkOverload(names[u], names[v], float(load[column]), float(capacity[column]))
        )
    return tuple(result)


def _impact_order(impact: FailureImpact) -> tuple:
    return (
        -impact.unserved_demand,
        -(impact.repair_cost or 0.0),
        -len(impact.affected_regions),
        -len(impact.overloaded_links),
        ("site", "srlg", "link").index(impact.kind),
        impact.name,
    )


def _run(
    func: Callable[[FailureCase], FailureImpact],
    cases: list[FailureCase],
    *,
    mode: str,
    scheduler: str | None,
    workers: int | None,
    progress: bool,
) -> list[FailureImpact]:
    """Cases on Dask (``scheduler``, or ``workers`` > 1, or ``resolve``), else in-process.

    A re-home case is a small LP: starting worker processes costs more than it saves
    unless asked for. Repairs are MIPs, worth a local cluster.
    """
    distributed = scheduler is not None or (workers or 0) > 1
    if workers is None and mode == "resolve" and len(cases) > 1:
        distributed = True
    if workers == 1 and scheduler is None:
        distributed = False
    if distributed:
        try:
            from gpuplace.planning.executor import run_tasks
        except ImportError:
            distributed = False
    if not distributed:
        return [func(case) for case in cases]
    return list(
        run_tasks(
            func,
            cases,
            scheduler=scheduler,
            workers=workers,
            progress=progress,
            description="failures",
        )
    )


def analyse_failures(
    instance: Instance,
    plan: dict,
    *,
    mode: str = "rehome",
    srlg: SrlgGroups | None = None,
    sites: bool = True,
    links: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    solver: str = "auto",
    params: Any = None,
    source: str = "plan",
    srlg_source: str = "srlg",
    failover: bool = False,
) -> list[FailureImpact]:
    """Impact of losing each open site, each link and each SRLG group, worst first.

    Parameters
    ----------
    instance : Instance
        The scenario the plan was made for.
    plan : dict
        The plan (PLAN.md).
    mode : {"rehome", "resolve"}
        ``rehome``: how much demand the surviving GPUs can still serve within SLA.
        ``resolve``: also the cheapest repair (GPUs to add, sites to open).
    srlg : dict, optional
        Shared-risk link groups, ``{group: [(source, target), ...]}`` (see
        :func:`planning.failures_cases.load_srlg`).
    sites, links : bool
        Include single-site and single-link failures.
    scheduler : str, optional
        Dask scheduler address (or scheduler file): cases run there.
    workers : int, optional
        Processes of a local Dask cluster. Default: in-process for ``rehome`` (small
        LPs), a local cluster of one process per core for ``resolve`` (MIPs); 1 runs
        everything in-process.
    progress : bool
        Show progress.
    solver : str
        Backend for ``resolve`` repairs.
    params : solvers.result.SolveParameters, optional
        Parameters for ``resolve`` repairs.
    source, srlg_source : str
        File names for messages.
    failover : bool
        Re-home as ``survive_site_failure`` does: within ``sla_rtt_ms x
        failover_sla_factor``, link capacities not enforced (default: within the SLA,
        link capacities enforced when the scenario enforces them).

    Returns
    -------
    list[FailureImpact]
        Sorted by impact: unserved demand, then repair cost, then regions affected.

    Raises
    ------
    InputError
        Unknown mode, a plan naming unknown sites, regions or GPU types, or an SRLG
        group naming an unknown node or link.
    """
    if mode not in MODES:
        raise InputError(Problem("--mode", "", f"must be one of {', '.join(MODES)}, not {mode!r}"))
    arrays = plan_arrays(instance, plan, source=source)
    cases = failure_cases(
        instance, arrays.open_sites, sites=sites, links=links, srlg=srlg, srlg_source=srlg_source
    )
    context = _context(instance, arrays, mode, solver, params, failover)
    func = functools.partial(analyse_case, context)
    impacts = _run(func, cases, mode=mode, scheduler=scheduler, workers=workers, progress=progress)
    return sorted(impacts, key=_impact_order)
