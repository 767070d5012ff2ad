"""networkx node-link JSON (``nodes`` + ``edges`` or ``links``), including TopoHub's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.files_read import read_json
from gpuplace.topo.graph import Topology
from gpuplace.topo.readers.assemble import TopologyBuilder, kind_from_type, shown

__all__ = ["from_node_link", "read_node_link"]


def read_node_link(path: str | Path) -> Topology:
    """Read a node-link JSON file.

    Node fields: ``id`` (string or integer, kept as a string); position as
    ``lat`` + ``lon`` or ``pos`` = [lon, lat]; optional ``name``, ``country``,
    ``kind`` (or TopoHub's ``type``: 'City' -> 'city', 'Seacable Waypoint' ->
    'waypoint', 'Seacable Landing Point' -> 'landing', others lower-cased; kinds are
    always lower-case).
    Edge fields: ``source``, ``target``; optional ``latency_ms`` (one-way),
    ``distance_km`` (or ``dist``), ``capacity_gbps``.

    Raises
    ------
    InputError
        When the file is not valid JSON or any node or edge is malformed; the
        problems name the file and ``nodes[i]`` / ``edges[i]`` (0-based).
    """
    return from_node_link(read_json(path), str(path))


def from_node_link(data: Any, file: str, source: str | None = None) -> Topology:
    """Build a topology from node-link data already in memory (see :func:`read_node_link`).

    ``file`` names the input in messages; ``source`` is stored in the topology
    (defaults to ``file``).
    """
    if not isinstance(data, dict):
        raise InputError(Problem(file, "", "expected a JSON object with 'nodes' and 'edges'"))
    nodes = data.get("nodes")
    edge_key = "edges" if "edges" in data else "links"
    edges = data.get(edge_key, [])
    if not isinstance(nodes, list):
        raise InputError(Problem(file, "nodes", "missing or not a list"))
    if not isinstance(edges, list):
        raise InputError(Problem(file, edge_key, "not a list"))
    builder = TopologyBuilder(file, source)
    for i, node in enumerate(nodes):
        _add_node(builder, f"nodes[{i}]", node)
    for i, edge in enumerate(edges):
        _add_edge(builder, f"{edge_key}[{i}]", edge)
    return builder.build()


def _add_node(builder: TopologyBuilder, where: str, node: Any) -> None:
    if not isinstance(node, dict):
        builder.problem(where, f"expected an object, got {shown(node)}")
        return
    lat, lon = node.get("lat"), node.get("lon")
    if lat is None and lon is None and node.get("pos") is not None:
        pos = node["pos"]
        if isinstance(pos, list | tuple) and len(pos) == 2:
            lon, lat = pos
        else:
            builder.problem(where, f"pos must be [lon, lat], got {shown(pos)}")
    kind = node.get("kind")
    if kind is None and node.get("type") is not None:
        kind = kind_from_type(node["type"])
    builder.node(
        where,
        node.get("id"),
        lat=lat,
        lon=lon,
        name=_text(node.get("name")),
        country=_text(node.get("country")),
        kind=_text(kind),
    )


def _add_edge(builder: TopologyBuilder, where: str, edge: Any) -> None:
    if not isinstance(edge, dict):
        builder.problem(where, f"expected an object, got {shown(edge)}")
        return
    distance = edge.get("distance_km")
    if distance is None:
        distance = edge.get("dist")
    builder.edge(
        where,
        edge.get("source"),
        edge.get("target"),
        latency_ms=edge.get("latency_ms"),
        distance_km=distance,
        capacity_gbps=edge.get("capacity_gbps"),
    )


def _text(value: Any) -> Any:
    """Scalars as text; containers are not names (None)."""
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)
