"""Sizes, components and latency statistics of a topology (``gpuplace inspect``)."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
from scipy.sparse.csgraph import connected_components, dijkstra

from gpuplace.topo import latency
from gpuplace.topo.graph import Topology

__all__ = ["MAX_SOURCES", "SEED", "inspect_topology"]

MAX_SOURCES = 400
SEED = 0


def inspect_topology(
    topology: Topology,
    fibre_km_per_ms: float = 200.0,
    link_route_factor: float = 1.0,
    per_hop_ms: float = 0.0,
    max_sources: int = MAX_SOURCES,
    seed: int = SEED,
) -> dict[str, Any]:
    """Describe a topology: sizes, components, capacity and latency statistics.

    Link latency follows the latency model (:func:`topo.latency.link_latency_ms`).
    Node-to-node statistics are one-way minimum-latency paths between distinct,
    mutually reachable nodes whose kind is not ``waypoint``. When there are more
    than ``max_sources`` such nodes, paths are computed from a seeded random
    sample of ``max_sources`` of them (to every node), and ``diameter_ms`` is
    then the largest latency found from the sample (a lower bound);
    ``node_latency_ms.sampled`` says which.

    Returns
    -------
    dict
        JSON-ready: ``nodes``, ``links``, ``nodes_by_kind``, ``components``
        (``count``, ``sizes`` largest first), ``nodes_without_coordinates``,
        ``links_without_capacity``, ``total_capacity_gbps`` (capacitated links),
        ``links_without_latency`` (no latency, distance or coordinates),
        ``link_latency_ms`` and ``node_latency_ms`` (``min``, ``mean``,
        ``max``; ``null`` when empty) and ``diameter_ms``.

    Examples
    --------
    >>> from gpuplace.topo.graph import make_topology
    >>> t = make_topology(["a", "b", "c"], [0, 0, 0], [0, 1, 2], [("a", "b"), ("b", "c")],
    ...                   latency_ms=[1.0, 2.0])
    >>> report = inspect_topology(t)
    >>> report["diameter_ms"], report["components"]
    (3.0, {'count': 1, 'sizes': [3]})
    """
    link_ms = latency.link_latency_ms(topology, fibre_km_per_ms, link_route_factor, per_hop_ms)
    known = np.isfinite(link_ms)
    graph = latency.graph_matrix(topology, link_ms)
    structure = latency.graph_matrix(topology, np.ones(topology.n_edges))  # every link counts
    n_components, labels = connected_components(structure, directed=False)
    sizes = sorted(np.bincount(labels, minlength=n_components).tolist(), reverse=True)
    capacity = topology.edge_capacity_gbps
    node_stats, diameter = _node_latency(topology, graph, max_sources, seed)
    return {
        "source": topology.source,
        "nodes": topology.n_nodes,
        "links": topology.n_edges,
        "nodes_by_kind": dict(sorted(Counter(k or "unknown" for k in topology.node_kind).items())),
        "components": {"count": int(n_components), "sizes": sizes},
        "nodes_without_coordinates": int(
            np.count_nonzero(np.isnan(topology.node_lat) | np.isnan(topology.node_lon))
        ),
        "links_without_capacity": int(np.count_nonzero(np.isinf(capacity))),
        "total_capacity_gbps": float(capacity[np.isfinite(capacity)].sum()),
        "links_without_latency": int(np.count_nonzero(~known)),
        "link_latency_ms": _stats(link_ms[known]),
        "node_latency_ms": node_stats,
        "diameter_ms": diameter,
    }


def _stats(values: np.ndarray) -> dict[str, float | None]:
    if values.size == 0:
        return {"min": None, "mean": None, "max": None}
    return {
        "min": float(values.min()),
        "mean": float(values.mean()),
        "max": float(values.max()),
    }


def _node_latency(
    topology: Topology, graph, max_sources: int, seed: int
) -> tuple[dict[str, Any], float | None]:
    endpoints = np.flatnonzero(np.array([k != "waypoint" for k in topology.node_kind], dtype=bool))
    sampled = endpoints.size > max_sources
    sources = endpoints
    if sampled:
        rng = np.random.default_rng(seed)
        sources = np.sort(rng.choice(endpoints, size=max_sources, replace=False))
    if sources.size == 0:
        return {"pairs": 0, "sampled": False, **_stats(np.empty(0))}, None
    dist = dijkstra(graph, directed=False, indices=sources)[:, endpoints]
    dist[sources[:, None] == endpoints[None, :]] = np.inf  # a node to itself is no pair
    values = dist[np.isfinite(dist)]
    pairs = int(values.size)
    if not sampled:
        pairs //= 2  # each unordered pair was counted from both ends
    stats = {"pairs": pairs, "sampled": bool(sampled), **_stats(values)}
    diameter = float(values.max()) if values.size else None
    return stats, diameter if diameter is None or not math.isnan(diameter) else None
