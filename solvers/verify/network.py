"""Independent latency for the verifier: geopy great circles and networkx Dijkstra.

Recomputes SCENARIO.md's latency model from the instance's *input* fields
(topology arrays, coordinates, settings or the calibration file's model,
measured matrix and measured pairs) and nothing else: no ``topo.latency``, no
``instance.pair_*``.
"""

from __future__ import annotations

import math
from functools import cached_property

import networkx as nx
import numpy as np
from geopy.distance import great_circle

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.routes import RouteTrees

__all__ = [
    "EARTH_RADIUS_KM",
    "Network",
    "great_circle_km",
    "link_one_way_ms",
    "model_settings",
    "nearest_usable_nodes",
    "percentile",
    "sla_margin_ms",
]

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (geopy) on the contract's sphere of radius 6371.0088 km."""
    return great_circle((lat1, lon1), (lat2, lon2), radius=EARTH_RADIUS_KM).km


def model_settings(instance: Instance):
    """The latency model's parameters: the calibration file's model, else the scenario's keys."""
    if instance.calibration is not None:
        return instance.calibration.parameters
    return instance.latency


def percentile(ascending: list[float], q: float) -> float:
    """The q-th percentile, linear between order statistics (rank ``(n - 1) q / 100``)."""
    rank = (len(ascending) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ascending) - 1)
    return ascending[low] + (rank - low) * (ascending[high] - ascending[low])


def sla_margin_ms(instance: Instance) -> float:
    """RTT added to derived pairs before their SLA check: max(0, P_q(held-out residuals))."""
    q = instance.latency.sla_margin_percentile
    if q is None or instance.calibration is None:
        return 0.0
    residuals = sorted(float(v) for v in instance.calibration.holdout_residual_ms)
    return max(0.0, percentile(residuals, q)) if residuals else 0.0


def link_one_way_ms(instance: Instance, edge: int) -> float:
    """One-way latency of link ``edge`` (rule 2); NaN when it cannot be derived."""
    topo = instance.topology
    given = float(topo.edge_latency_ms[edge])
    if not math.isnan(given):
        return given
    settings = model_settings(instance)
    distance = float(topo.edge_distance_km[edge])
    if math.isnan(distance):
        u, v = int(topo.edge_src[edge]), int(topo.edge_dst[edge])
        coords = (topo.node_lat[u], topo.node_lon[u], topo.node_lat[v], topo.node_lon[v])
        if any(math.isnan(float(c)) for c in coords):
            return math.nan
        distance = great_circle_km(*map(float, coords)) * settings.link_route_factor
    return distance / settings.fibre_km_per_ms + settings.per_hop_ms


class Network:
    """The topology as a networkx graph, with cached single-source Dijkstra runs."""

    def __init__(self, instance: Instance, *, from_sites: bool = False):
        self.instance = instance
        # Dijkstra runs from site nodes instead of attach nodes (the graph is
        # undirected): whichever side has fewer distinct nodes in the plan.
        self.from_sites = from_sites
        topo = instance.topology
        graph = nx.Graph()
        graph.add_nodes_from(range(topo.n_nodes))
        self.edge_of: dict[tuple[int, int], int] = {}
        for e in range(topo.n_edges):
            u, v = int(topo.edge_src[e]), int(topo.edge_dst[e])
            weight = link_one_way_ms(instance, e)
            if math.isnan(weight):
                continue
            if graph.has_edge(u, v) and graph[u][v]["weight"] <= weight:
                continue
            graph.add_edge(u, v, weight=weight)
            self.edge_of[(u, v)] = self.edge_of[(v, u)] = e
        self.graph = graph
        self._runs: dict[int, tuple[dict[int, float], dict[int, list[int]]]] = {}  # dist, preds
        self._lengths: dict[int, dict[int, float]] = {}
        self.matrix = {
            (int(r), int(s)): float(rtt)
            for r, s, rtt in zip(
                instance.matrix_region, instance.matrix_site, instance.matrix_rtt_ms, strict=True
            )
        }
        self.measured = _measured(instance)
        self.margin_ms = sla_margin_ms(instance)

    def dijkstra(self, source: int) -> tuple[dict[int, float], dict[int, list[int]]]:
        """Distances and predecessor lists from ``source`` (cached; no path lists kept)."""
        if source not in self._runs:
            pred, dist = nx.dijkstra_predecessor_and_distance(self.graph, source, weight="weight")
            self._runs[source] = (dist, pred)
        return self._runs[source]

    def lengths(self, source: int) -> dict[int, float]:
        """Distances only from ``source`` (cached)."""
        if source in self._runs:
            return self._runs[source][0]
        if source not in self._lengths:
            self._lengths[source] = nx.single_source_dijkstra_path_length(
                self.graph, source, weight="weight"
            )
        return self._lengths[source]

    @cached_property
    def attach(self) -> np.ndarray:
        return np.asarray(self.instance.region_node, dtype=np.int64)

    def access_one_way_ms(self, region: int) -> float:
        """Region to its attach node: great circle x access_route_factor / fibre speed."""
        inst = self.instance
        node = int(self.attach[region])
        km = great_circle_km(
            float(inst.region_lat[region]),
            float(inst.region_lon[region]),
            float(inst.topology.node_lat[node]),
            float(inst.topology.node_lon[node]),
        )
        settings = model_settings(inst)
        return km * settings.access_route_factor / settings.fibre_km_per_ms

    def rtt_ms(self, region: int, site: int) -> float:
        """Round trip region -> site (the matrix, measured pairs, else rule 4); inf if unreachable."""
        if (region, site) in self.matrix:
            return self.matrix[(region, site)]
        if (region, site) in self.measured:
            return self.measured[(region, site)][0]
        if self.instance.matrix_only:
            return math.inf
        return 2.0 * (self.access_one_way_ms(region) + self.one_way_ms(region, site))

    def sla_rtt_ms(self, region: int, site: int, rtt: float) -> float:
        """The RTT the SLA is checked on: a matrix value as is; a measured pair's
        ``rtt_p<q>_ms`` (q = sla_margin_percentile) where given; else ``rtt`` + the margin."""
        if (region, site) in self.matrix:
            return rtt
        if (region, site) in self.measured:
            return self.measured[(region, site)][1]
        return rtt + self.margin_ms

    def one_way_ms(self, region: int, site: int) -> float:
        """Minimum one-way latency between the attach node and the site's node."""
        attach, node = int(self.attach[region]), int(self.instance.site_node[site])
        if self.from_sites:
            return self.dijkstra(node)[0].get(attach, math.inf)
        return self.dijkstra(attach)[0].get(node, math.inf)

    @cached_property
    def routes(self) -> RouteTrees:
        return RouteTrees(self.graph)

    def path(self, region: int, site: int) -> list[int] | None:
        """Nodes of the path rule's path from the attach node to the site's node (SCENARIO.md).

        Re-derived by :mod:`solvers.verify.routes`; None when the site is unreachable.
        """
        attach, site_node = int(self.attach[region]), int(self.instance.site_node[site])
        return self.routes.path(attach, site_node)


def _measured(instance: Instance) -> dict[tuple[int, int], tuple[float, float]]:
    """(region, site) -> (rtt_ms, the RTT its SLA is checked on)."""
    measured = instance.measured
    if measured is None:
        return {}
    q = instance.latency.sla_margin_percentile
    checked = [float(v) for v in measured.rtt_ms]
    for level, values in measured.percentiles:
        if q is not None and level == q:
            checked = [
                c if math.isnan(float(v)) else float(v)
                for c, v in zip(checked, values, strict=True)
            ]
    return {
        (int(r), int(s)): (float(rtt), check)
        for r, s, rtt, check in zip(
            measured.region, measured.site, measured.rtt_ms, checked, strict=True
        )
    }


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    return np.stack(
        [np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)], axis=-1
    )


def nearest_usable_nodes(instance: Instance, regions: np.ndarray) -> np.ndarray:
    """Nearest node with coordinates whose kind is not ``waypoint``, per region (-1 if none).

    Ranked by chord length between unit vectors, which orders points exactly
    as great-circle distance does.
    """
    topo = instance.topology
    usable = np.array([kind != "waypoint" for kind in topo.node_kind], dtype=bool)
    usable &= ~np.isnan(topo.node_lat) & ~np.isnan(topo.node_lon)
    candidates = np.flatnonzero(usable)
    if candidates.size == 0 or regions.size == 0:
        return np.full(regions.size, -1, dtype=np.int64)
    nodes = _unit_vectors(topo.node_lat[candidates], topo.node_lon[candidates])
    points = _unit_vectors(instance.region_lat[regions], instance.region_lon[regions])
    result = np.empty(regions.size, dtype=np.int64)
    for start in range(0, regions.size, 512):
        chunk = points[start : start + 512]
        chord = ((chunk[:, None, :] - nodes[None, :, :]) ** 2).sum(axis=-1)
        result[start : start + 512] = candidates[np.argmin(chord, axis=1)]
    return result
