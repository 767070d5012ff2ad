"""Baseline for the latency step: networkx Dijkstra from every attach node, as a user would."""

from __future__ import annotations

import time

import numpy as np


def networkx_seconds(regions: int, sla_ms: float = 50.0) -> dict:
    """Seconds for ``nx.single_source_dijkstra_path_length`` from each region's attach node.

    Same topology, regions, attach rule and cut-off as ``bench/bench_latency.py``.
    """
    import networkx as nx

    from bench.bench_latency import TOPOLOGY, _cities
    from gpuplace.scenario.instance import LatencySettings
    from gpuplace.topo import latency, read_topology

    settings = LatencySettings()
    topology = read_topology(TOPOLOGY)
    _, lat, lon, _ = _cities(regions)
    attach = latency.nearest_nodes(topology, lat, lon)
    access = latency.access_ms(
        topology, lat, lon, attach, settings.access_route_factor, settings.fibre_km_per_ms
    )
    link_ms = latency.link_latency_ms(
        topology, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
    )
    graph = nx.Graph()
    for k in range(topology.n_edges):
        u, v, w = int(topology.edge_src[k]), int(topology.edge_dst[k]), float(link_ms[k])
        if not graph.has_edge(u, v) or graph[u][v]["w"] > w:
            graph.add_edge(u, v, w=w)
    cutoff = max(float(np.max(sla_ms / 2.0 - access)), 0.0)
    sources = np.unique(attach)
    t0 = time.perf_counter()
    for source in sources:
        nx.single_source_dijkstra_path_length(graph, int(source), cutoff=cutoff, weight="w")
    return {"seconds": time.perf_counter() - t0, "sources": int(sources.size)}
