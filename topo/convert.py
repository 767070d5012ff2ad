"""Write a :class:`Topology` as networkx node-link JSON (the ``.json`` input format)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from gpuplace.files import refuse_existing, write_text
from gpuplace.topo.graph import Topology

__all__ = ["to_node_link", "write_node_link"]


def to_node_link(topology: Topology) -> dict[str, Any]:
    """Node-link data for ``topology``: what :func:`write_node_link` writes.

    Nodes carry ``id``, ``lat``, ``lon`` (left out when unknown), ``name``,
    ``country``, ``kind``; edges ``source``, ``target`` and ``latency_ms``,
    ``distance_km``, ``capacity_gbps`` where known (no capacity: uncapacitated).

    >>> from gpuplace.topo.graph import make_topology
    >>> data = to_node_link(make_topology(["a", "b"], [0, 1], [0, 1], [("a", "b")]))
    >>> data["edges"]
    [{'source': 'a', 'target': 'b'}]
    """
    nodes = []
    for i, node_id in enumerate(topology.node_ids):
        node: dict[str, Any] = {"id": node_id}
        lat, lon = float(topology.node_lat[i]), float(topology.node_lon[i])
        if not (math.isnan(lat) or math.isnan(lon)):
            node["lat"], node["lon"] = lat, lon
        node["name"] = topology.node_name[i]
        node["country"] = topology.node_country[i]
        node["kind"] = topology.node_kind[i]
        nodes.append(node)
    edges = []
    for e in range(topology.n_edges):
        edge: dict[str, Any] = {
            "source": topology.node_ids[int(topology.edge_src[e])],
            "target": topology.node_ids[int(topology.edge_dst[e])],
        }
        for field, values in (
            ("latency_ms", topology.edge_latency_ms),
            ("distance_km", topology.edge_distance_km),
            ("capacity_gbps", topology.edge_capacity_gbps),
        ):
            value = float(values[e])
            if math.isfinite(value):
                edge[field] = value
        edges.append(edge)
    return {
        "directed": False,
        "multigraph": False,
        "graph": {"source": topology.source},
        "nodes": nodes,
        "edges": edges,
    }


def write_node_link(topology: Topology, path: str | Path, force: bool = False) -> Path:
    """Write ``topology`` as node-link JSON, atomically (:func:`gpuplace.files.write_text`).

    Parameters
    ----------
    topology
        The topology to write.
    path
        The output file; missing folders are created.
    force
        Overwrite an existing file.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        When ``path`` exists and ``force`` is false, or it cannot be written.
    """
    path = Path(path)
    refuse_existing([path], force=force)
    text = json.dumps(to_node_link(topology), indent=1, allow_nan=False) + "\n"
    return write_text(path, text)
