"""The report's view of a plan: one record per site, region, assignment and link, with coordinates.

Coordinates come from the instance (sites sit on topology nodes; regions
have their own). Costs are recomputed from the instance's catalogue so the
breakdown holds for any plan of the scenario: fixed cost of each listed
open site plus ``capex x cost_factor x new GPUs`` per type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpuplace.planning.plans import as_float
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan import Plan

__all__ = [
    "AssignmentRecord",
    "EdgeRecord",
    "LinkRecord",
    "RegionRecord",
    "ReportData",
    "SiteRecord",
    "report_data",
]


@dataclass(frozen=True)
class SiteRecord:
    id: str
    node: str
    lat: float | None
    lon: float | None
    in_plan: bool
    gpus: dict[str, int]
    new_gpus: dict[str, int]
    gpus_total: int
    power_kw: float | None
    power_limit_kw: float
    served_demand: float | None
    utilisation: float | None
    fixed_cost: float
    gpu_cost: dict[str, float]  # by GPU type, new GPUs only

    @property
    def total_cost(self) -> float:
        return self.fixed_cost + sum(self.gpu_cost.values())


@dataclass(frozen=True)
class RegionRecord:
    id: str
    lat: float
    lon: float
    demand: float
    sla_rtt_ms: float
    served_demand: float
    unserved_demand: float
    mean_rtt_ms: float | None  # demand-weighted over the region's assignments
    max_rtt_ms: float | None
    primary_site: str | None


@dataclass(frozen=True)
class AssignmentRecord:
    region: str
    site: str
    share: float
    demand: float
    rtt_ms: float | None
    sla_rtt_ms: float | None
    region_lat: float | None
    region_lon: float | None
    site_lat: float | None
    site_lon: float | None


@dataclass(frozen=True)
class LinkRecord:
    source: str
    target: str
    load_gbps: float
    capacity_gbps: float | None
    utilisation: float | None
    source_lat: float | None
    source_lon: float | None
    target_lat: float | None
    target_lon: float | None

    @property
    def has_coordinates(self) -> bool:
        return None not in (self.source_lat, self.source_lon, self.target_lat, self.target_lon)


@dataclass(frozen=True)
class EdgeRecord:
    """A topology link (both directions), for the map's network layer."""

    source: str
    target: str
    load_forward_gbps: float
    load_backward_gbps: float
    capacity_gbps: float | None
    utilisation: float | None  # the larger direction
    coordinates: tuple[tuple[float, float], tuple[float, float]] | None  # (lat, lon) pairs


@dataclass(frozen=True)
class ReportData:
    scenario_name: str
    plan: Plan
    sites: list[SiteRecord]
    regions: list[RegionRecord]
    assignments: list[AssignmentRecord]
    links: list[LinkRecord]
    edges: list[EdgeRecord]
    gpu_types: tuple[str, ...]
    max_utilisation: float


def _coord(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(t): int(n) for t, n in value.items() if int(n) != 0}


def report_data(instance: Instance, plan: Plan) -> ReportData:
    """Join a plan with its instance: coordinates, SLAs, costs, per-region RTT.

    Parameters
    ----------
    instance : Instance
        The scenario the plan answers.
    plan : Plan
        The plan. Sites, regions or nodes it names that the instance
        does not know get no coordinates (and are left off the map).

    Returns
    -------
    ReportData
    """
    topology = instance.topology
    node_index = topology.node_index()
    site_index = {s: i for i, s in enumerate(instance.site_ids)}
    region_index = {r: i for i, r in enumerate(instance.region_ids)}
    type_index = {t: i for i, t in enumerate(instance.gpu_types)}

    def node_coord(node: str) -> tuple[float | None, float | None]:
        n = node_index.get(node)
        if n is None:
            return None, None
        return _coord(topology.node_lat[n]), _coord(topology.node_lon[n])

    def site_coord(site: str) -> tuple[float | None, float | None]:
        s = site_index.get(site)
        if s is None:
            return None, None
        n = int(instance.site_node[s])
        return _coord(topology.node_lat[n]), _coord(topology.node_lon[n])

    plan_sites = {row.id: row for row in plan.sites}
    sites = []
    for site_id in [*instance.site_ids, *[s for s in plan_sites if s not in site_index]]:
        row = plan_sites.get(site_id)
        s = site_index.get(site_id)
        lat, lon = site_coord(site_id)
        gpus = _counts(row.gpus) if row else {}
        new_gpus = _counts(row.new_gpus) if row else {}
        gpu_cost: dict[str, float] = {}
        fixed = 0.0
        if row is not None and s is not None:
            factor = float(instance.site_cost_factor[s])
            for gpu_type, count in new_gpus.items():
                t = type_index.get(gpu_type)
                if t is not None:
                    gpu_cost[gpu_type] = count * float(instance.gpu_capex[t]) * factor
            if row.open is not False:
                fixed = float(instance.site_fixed_cost[s])
        node = row.node if row else ""
        if not node and s is not None:
            node = topology.node_ids[int(instance.site_node[s])]
        sites.append(
            SiteRecord(
                id=site_id,
                node=node,
                lat=lat,
                lon=lon,
                in_plan=row is not None,
                gpus=gpus,
                new_gpus=new_gpus,
                gpus_total=sum(gpus.values()),
                power_kw=as_float(row.power_kw) if row else None,
                power_limit_kw=float(instance.site_power_kw[s]) if s is not None else math.nan,
                served_demand=as_float(row.served_demand) if row else None,
                utilisation=as_float(row.utilisation) if row else None,
                fixed_cost=fixed,
                gpu_cost=gpu_cost,
            )
        )

    assignments = []
    per_region: dict[str, list[AssignmentRecord]] = {}
    for assignment in plan.assignments:
        region, site = assignment.region, assignment.site
        r = region_index.get(region)
        site_lat, site_lon = site_coord(site)
        record = AssignmentRecord(
            region=region,
            site=site,
            share=as_float(assignment.share) or 0.0,
            demand=as_float(assignment.demand) or 0.0,
            rtt_ms=as_float(assignment.rtt_ms),
            sla_rtt_ms=float(instance.region_sla_rtt_ms[r]) if r is not None else None,
            region_lat=_coord(instance.region_lat[r]) if r is not None else None,
            region_lon=_coord(instance.region_lon[r]) if r is not None else None,
            site_lat=site_lat,
            site_lon=site_lon,
        )
        assignments.append(record)
        per_region.setdefault(region, []).append(record)

    unserved = {u.region: as_float(u.demand) or 0.0 for u in plan.unserved}
    regions = []
    for r, region_id in enumerate(instance.region_ids):
        rows = per_region.get(region_id, [])
        served = sum(a.demand for a in rows)
        timed = [(a.demand, a.rtt_ms) for a in rows if a.rtt_ms is not None]
        weight = sum(demand for demand, _ in timed)
        mean_rtt = sum(demand * rtt for demand, rtt in timed) / weight if weight > 0 else None
        primary = min(rows, key=lambda a: (-a.share, a.site)).site if rows else None
        regions.append(
            RegionRecord(
                id=region_id,
                lat=float(instance.region_lat[r]),
                lon=float(instance.region_lon[r]),
                demand=float(instance.region_demand[r]),
                sla_rtt_ms=float(instance.region_sla_rtt_ms[r]),
                served_demand=served,
                unserved_demand=unserved.get(region_id, 0.0),
                mean_rtt_ms=mean_rtt,
                max_rtt_ms=max((rtt for _, rtt in timed), default=None),
                primary_site=primary,
            )
        )

    links = []
    directed: dict[tuple[str, str], float] = {}
    for link in plan.links:
        source, target = link.source, link.target
        load = as_float(link.load_gbps) or 0.0
        capacity = as_float(link.capacity_gbps)
        directed[(source, target)] = directed.get((source, target), 0.0) + load
        source_lat, source_lon = node_coord(source)
        target_lat, target_lon = node_coord(target)
        links.append(
            LinkRecord(
                source=source,
                target=target,
                load_gbps=load,
                capacity_gbps=capacity,
                utilisation=load / capacity if capacity else None,
                source_lat=source_lat,
                source_lon=source_lon,
                target_lat=target_lat,
                target_lon=target_lon,
            )
        )

    edges = []
    for e in range(topology.n_edges):
        u, v = int(topology.edge_src[e]), int(topology.edge_dst[e])
        source, target = topology.node_ids[u], topology.node_ids[v]
        forward = directed.get((source, target), 0.0)
        backward = directed.get((target, source), 0.0)
        capacity = float(topology.edge_capacity_gbps[e])
        capacity_or_none = capacity if np.isfinite(capacity) and capacity > 0 else None
        (a_lat, a_lon), (b_lat, b_lon) = node_coord(source), node_coord(target)
        coordinates = None
        if a_lat is not None and a_lon is not None and b_lat is not None and b_lon is not None:
            coordinates = ((a_lat, a_lon), (b_lat, b_lon))
        edges.append(
            EdgeRecord(
                source=source,
                target=target,
                load_forward_gbps=forward,
                load_backward_gbps=backward,
                capacity_gbps=capacity_or_none,
                utilisation=max(forward, backward) / capacity_or_none if capacity_or_none else None,
                coordinates=coordinates,
            )
        )

    return ReportData(
        scenario_name=instance.name,
        plan=plan,
        sites=sites,
        regions=regions,
        assignments=assignments,
        links=links,
        edges=edges,
        gpu_types=tuple(instance.gpu_types),
        max_utilisation=float(instance.constraints.max_utilisation),
    )
