"""Failure analysis of one case: what a plan loses when one site, one link or one SRLG group fails.

For every case the failed site's GPUs are gone, or the failed links are removed
from the topology and shortest paths and RTTs recomputed without them. Then:

- ``rehome``: the re-home LP (:func:`gpuplace.resilience.rehome.rehome`) serves as
  much demand as the surviving GPUs can at 100 % utilisation (failover may use the
  headroom ``max_utilisation`` keeps), over pairs within each region's SLA after
  the failure, with link capacities on the post-failure paths when the scenario
  enforces them. Reported: demand no longer served (beyond what the intact plan
  already left unserved), regions affected, worst and mean RTT after re-homing,
  demand kept without re-homing, and links pushed over capacity if traffic kept its
  assignment but followed the new paths.
- ``resolve``: additionally the cheapest repair: GPUs to add at surviving sites, or
  new sites to open, so that all demand is served again within SLA under the
  scenario's constraints (:mod:`gpuplace.resilience.failure_repair`).

:func:`failure_context` computes once what every case needs; :func:`analyse_case`
is one case (a top-level function, so executors can ship it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from gpuplace.resilience.failure_cases import FailureCase, link_label
from gpuplace.resilience.failure_repair import repair
from gpuplace.resilience.impact import FailureImpact, LinkOverload
from gpuplace.resilience.plan_arrays import PlanArrays
from gpuplace.resilience.rehome import DEMAND_TOL, RehomeResult, rehome, site_capacity
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.reachable import ReachablePairs, reachable_pairs, route, without_links
from gpuplace.topo import latency
from gpuplace.topo.graph import Topology

__all__ = ["FailureContext", "analyse_case", "failure_context"]


@dataclass(frozen=True, eq=False)
class FailureContext:
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


def failure_context(
    instance: Instance,
    arrays: PlanArrays,
    mode: str,
    solver: str,
    params: Any,
    failover: bool = False,
) -> FailureContext:
    """What every case of one analysis needs: capacities, intact re-home LP, link loads.

    Parameters
    ----------
    instance : Instance
        The scenario.
    arrays : PlanArrays
        The plan's GPUs and assignment.
    mode : {"rehome", "resolve"}
        ``resolve`` also repairs each case.
    solver : str
        Backend for ``resolve`` repairs.
    params : solvers.result.SolveParameters or None
        Parameters for ``resolve`` repairs.
    failover : bool
        Re-home within ``sla_rtt_ms x failover_sla_factor`` with link capacities off.

    Returns
    -------
    FailureContext
    """
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
    return FailureContext(
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


def analyse_case(context: FailureContext, case: FailureCase) -> FailureImpact:
    """Impact of one failure case (top-level so executors can ship it).

    Parameters
    ----------
    context : FailureContext
        From :func:`failure_context`.
    case : FailureCase
        What fails.

    Returns
    -------
    FailureImpact
    """
    instance = context.instance
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
        instance.region_demand,
        pairs,
        capacity,
        link_capacity_gbps=_directed_capacity(topology) if context.enforce_links else None,
        gbps_per_unit=instance.region_gbps_per_unit,
    )
    overloads = _overloads(context, case, topology, kept, paths)
    impact, affected = _impact(context, case, pairs, result, overloads)
    if context.mode == "resolve":
        impact = repair(
            instance,
            context.arrays,
            case,
            impact,
            topology=topology,
            disrupted=bool(affected.size or overloads),
            solver=context.solver,
            params=context.params,
        )
    return impact


def _impact(
    context: FailureContext,
    case: FailureCase,
    pairs: ReachablePairs,
    result: RehomeResult,
    overloads: tuple[LinkOverload, ...],
) -> tuple[FailureImpact, np.ndarray]:
    """The impact of a case from its re-home LP, and the indices of the regions affected."""
    instance = context.instance
    demand = instance.region_demand
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
    return impact, affected


def _failed_labels(instance: Instance, case: FailureCase) -> tuple[str, ...]:
    return tuple(instance.site_ids[s] for s in case.sites) + tuple(
        link_label(instance.topology, e) for e in case.edges
    )


def _overloads(
    context: FailureContext,
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
