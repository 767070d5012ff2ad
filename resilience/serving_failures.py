"""Failure analysis of one case for serving models: SLO attainment after a loss.

The plan's replicas stay where they are, each deployment's pool at a site able
to serve up to its replicas (100 % utilisation, the headroom
``max_utilisation`` keeps is for failover). After the loss of a site (its
replicas gone) or of links (RTTs recomputed on the remaining topology) the
candidate (item, site, deployment) triples and their operating points are
recomputed (:func:`gpuplace.scenario.serving_pairs.expand_pairs`: a pool
farther away now runs at a lower concurrency, or cannot meet the TTFT target
at all) and the re-home LP (:func:`gpuplace.resilience.rehome.rehome`) serves
the most demand, with demand items for regions and pools for sites::

    max  Σ_p D_k x_p
    s.t. Σ_{p of k} x_p <= 1                              every item k
         Σ_{p in pool (s, d)} (D_k / thr_p) x_p <= R_sd    every pool
         link capacities on the post-failure paths (when the scenario enforces them)

``slo_attainment`` is, per model and tier, the share of its demand served
within its SLO afterwards. ``resolve`` repairs as without serving models
(:mod:`gpuplace.resilience.failure_repair`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from gpuplace.resilience.failure_cases import FailureCase, link_label
from gpuplace.resilience.failure_repair import repair
from gpuplace.resilience.impact import FailureImpact, LinkOverload
from gpuplace.resilience.plan_arrays import PlanArrays as RepairArrays
from gpuplace.resilience.rehome import DEMAND_TOL, rehome
from gpuplace.scenario.instance import Instance
from gpuplace.scenario.serving_pairs import expand_pairs
from gpuplace.solvers.plan.arrays import PlanArrays
from gpuplace.solvers.reachable import ReachablePairs, reachable_pairs, route, without_links
from gpuplace.topo import latency
from gpuplace.topo.graph import Topology

__all__ = ["ServingFailureContext", "analyse_serving_case", "serving_failure_context"]


@dataclass(frozen=True, eq=False)
class ServingFailureContext:
    """Everything a case needs; shipped once per task to the executor."""

    instance: Instance
    arrays: PlanArrays
    capacity: np.ndarray  # replicas per pool, [S * D]
    base_unserved: np.ndarray  # per item, re-home LP on the intact network
    base_load: np.ndarray  # directed link loads of the plan's assignment, intact network
    crossed: csr_matrix  # [assignments, E]: the links each assignment's path crosses
    enforce_links: bool
    sla_factor: float
    mode: str
    solver: str
    params: Any


def _item_pairs(
    instance: Instance, topology: Topology, sla_factor: float, links: bool, paths
) -> tuple[ReachablePairs, np.ndarray]:
    """Triples on ``topology`` as re-home pairs (item, pool), and each one's load per unit share."""
    pairs = reachable_pairs(
        instance, sla_factor=sla_factor, topology=topology, with_links=links, paths=paths
    )
    assert instance.serving is not None
    base, triples = expand_pairs(
        instance.serving, pairs.region, pairs.site, pairs.rtt_ms, instance.n_regions
    )
    pool = pairs.site[base] * instance.n_deployments + triples.deployment
    load = instance.item_demand[triples.item] / triples.throughput
    item_pairs = ReachablePairs(
        region=triples.item,
        site=pool,
        rtt_ms=pairs.rtt_ms[base],
        links=pairs.links[base] if pairs.links is not None else None,
    )
    return item_pairs, load


def _rehome(context: ServingFailureContext, topology: Topology, paths, capacity: np.ndarray):
    instance = context.instance
    pairs, load = _item_pairs(instance, topology, context.sla_factor, context.enforce_links, paths)
    result = rehome(
        instance.item_demand,
        pairs,
        capacity,
        link_capacity_gbps=np.repeat(topology.edge_capacity_gbps, 2)
        if context.enforce_links
        else None,
        gbps_per_unit=instance.region_gbps_per_unit[instance.item_region],
        load=load,
    )
    return pairs, result


def _loads(
    instance: Instance, topology: Topology, paths, arrays: PlanArrays, failed: tuple[int, ...]
) -> np.ndarray:
    """Directed link loads [2E] if every assignment kept its site and followed ``paths``."""
    assert arrays.assignment_item is not None  # a plan of serving models
    keep = ~np.isin(arrays.assignment_site, np.asarray(failed, dtype=np.int64))
    item, site = arrays.assignment_item[keep], arrays.assignment_site[keep]
    region = instance.item_region[item]
    traffic = arrays.assignment_share[keep] * instance.item_demand[item]
    traffic = traffic * instance.region_gbps_per_unit[region]
    if not traffic.any():
        return np.zeros(2 * topology.n_edges)
    incidence = latency.pair_links(
        topology, paths, instance.region_node[region], instance.site_node[site]
    )
    return np.asarray(incidence.T @ traffic).ravel()


def serving_failure_context(
    instance: Instance,
    arrays: PlanArrays,
    mode: str,
    solver: str,
    params: Any,
    failover: bool = False,
) -> ServingFailureContext:
    """Replicas per pool, the intact network's re-home LP and link loads (see the module docstring)."""
    enforce = (
        bool(instance.constraints.link_capacity)
        and bool(instance.region_gbps_per_unit.any())
        and bool(np.isfinite(instance.topology.edge_capacity_gbps).any())
        and not failover
    )
    sla_factor = instance.constraints.failover_sla_factor if failover else 1.0
    capacity = np.asarray(arrays.replicas, dtype=float).ravel()
    paths = route(instance)
    fields: dict[str, Any] = dict(
        enforce_links=enforce, sla_factor=sla_factor, mode=mode, solver=solver
    )
    context = ServingFailureContext(
        instance=instance,
        arrays=arrays,
        capacity=capacity,
        base_unserved=np.zeros(instance.n_items),
        base_load=np.zeros(0),
        crossed=csr_matrix((0, 0)),
        params=params,
        **fields,
    )
    _pairs, base = _rehome(context, instance.topology, paths, capacity)
    region = instance.item_region[arrays.assignment_item]
    crossed = latency.pair_links(
        instance.topology,
        paths,
        instance.region_node[region],
        instance.site_node[arrays.assignment_site],
    ).tocsc()
    return ServingFailureContext(
        instance=instance,
        arrays=arrays,
        capacity=capacity,
        base_unserved=base.unserved(instance.item_demand),
        base_load=_loads(instance, instance.topology, paths, arrays, ()),
        crossed=(crossed[:, 0::2] + crossed[:, 1::2]).tocsr(),
        params=params,
        **fields,
    )


def _attainment(instance: Instance, served: np.ndarray) -> dict[str, float]:
    serving = instance.serving
    assert serving is not None
    out = {}
    for m, model in enumerate(serving.model_ids):
        for q, tier in enumerate(serving.tier_ids):
            mine = (serving.item_model == m) & (serving.item_tier == q)
            total = float(instance.item_demand[mine].sum())
            if total > 0:
                out[f"{model}/{tier}"] = float(served[mine].sum()) / total
    return out


def _overloads(
    context: ServingFailureContext, case: FailureCase, topology: Topology, kept, paths
) -> tuple[LinkOverload, ...]:
    instance = context.instance
    load = _loads(instance, topology, paths, context.arrays, case.sites)
    if not context.enforce_links or not load.any():
        return ()
    capacity = np.repeat(topology.edge_capacity_gbps, 2)
    original = 2 * np.repeat(kept, 2) + np.tile([0, 1], kept.size)
    before = context.base_load[original]
    hot = np.flatnonzero((load > capacity * (1 + 1e-9)) & (load > before + 1e-9))
    names, topo = instance.topology.node_ids, instance.topology
    out = []
    for column in hot:
        e = int(kept[column // 2])
        u, v = (
            (topo.edge_dst[e], topo.edge_src[e])
            if column % 2
            else (topo.edge_src[e], topo.edge_dst[e])
        )
        out.append(LinkOverload(names[u], names[v], float(load[column]), float(capacity[column])))
    return tuple(out)


def analyse_serving_case(context: ServingFailureContext, case: FailureCase) -> FailureImpact:
    """Impact of one failure case on a plan of serving models (top-level for executors)."""
    instance, arrays = context.instance, context.arrays
    assert arrays.assignment_item is not None and arrays.assignment_deployment is not None
    topology, kept = instance.topology, np.arange(instance.topology.n_edges)
    if case.edges:
        topology, kept = without_links(instance.topology, np.asarray(case.edges))
    paths = route(instance, topology)
    capacity = context.capacity.copy().reshape(instance.n_sites, instance.n_deployments)
    capacity[list(case.sites)] = 0.0
    pairs, result = _rehome(context, topology, paths, capacity.ravel())
    demand = instance.item_demand
    total = float(demand.sum())
    tol = DEMAND_TOL * max(1.0, total)
    lost = np.maximum(result.unserved(demand) - context.base_unserved, 0.0)
    unserved = total - result.max_served - float(context.base_unserved.sum())
    unserved = max(unserved, 0.0) if result.ok else total
    # assignments kept as they are: their triple is still a candidate, at a site still there
    pool = arrays.assignment_site * instance.n_deployments + arrays.assignment_deployment
    alive = np.isin(
        arrays.assignment_item * capacity.size + pool, pairs.region * capacity.size + pairs.site
    ) & ~np.isin(arrays.assignment_site, np.asarray(case.sites, dtype=np.int64))
    kept_demand = float((arrays.assignment_share * demand[arrays.assignment_item])[alive].sum())
    used = result.share > 1e-9
    served_pairs = result.share[used] * demand[pairs.region[used]]
    rerouted = context.crossed[:, list(case.edges)].getnnz(axis=1) > 0
    affected = np.unique(instance.item_region[arrays.assignment_item[~alive | rerouted]])
    impact = FailureImpact(
        kind=case.kind,
        name=case.name,
        failed=tuple(instance.site_ids[s] for s in case.sites)
        + tuple(link_label(instance.topology, e) for e in case.edges),
        demand_total=total,
        unserved_demand=unserved if unserved > tol else 0.0,
        unserved_fraction=unserved / total if unserved > tol else 0.0,
        kept_demand=kept_demand,
        affected_regions=tuple(instance.region_ids[r] for r in affected),
        unserved_regions=tuple(
            instance.region_ids[r] for r in np.unique(instance.item_region[lost > tol])
        ),
        worst_rtt_ms=float(pairs.rtt_ms[used].max()) if used.any() else None,
        mean_rtt_ms=float((served_pairs * pairs.rtt_ms[used]).sum() / served_pairs.sum())
        if served_pairs.sum() > 0
        else None,
        overloaded_links=_overloads(context, case, topology, kept, paths),
        lp_ok=result.ok,
        slo_attainment=_attainment(instance, result.served if result.ok else np.zeros_like(demand)),
    )
    if context.mode == "resolve":
        repair_arrays = RepairArrays(gpus=arrays.gpus, share=arrays.share_matrix())
        impact = repair(
            instance,
            repair_arrays,
            case,
            impact,
            topology=topology,
            disrupted=bool(affected.size or impact.overloaded_links or impact.unserved_demand),
            solver=context.solver,
            params=context.params,
        )
    return impact
