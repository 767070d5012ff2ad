"""Write a :class:`Topology` as networkx node-link JSON (the ``.json`` input format)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.topo.graph import Topology


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
    """Write ``topology`` as node-link JSON, atomically (temp file + ``os.replace``).

    Parameters
    ----------
    topology
        The topology to write.
    path
        The output file.
    force
        Overwrite an existing file.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        When ``path`` exists and ``force`` is false, or its folder does not exist.
    """
    path = Path(path)
    if path.exists() and not force:
        raise InputError(Problem(str(path), "", "already exists; use --force to overwrite"))
    if not path.parent.is_dir():
        raise InputError(Problem(str(path), "", f"folder {str(path.parent)!r} does not exist"))
    text = json.dumps(to_node_link(topology), indent=1, allow_nan=False) + "\n"
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
