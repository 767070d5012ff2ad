"""Internet Topology Zoo attribute conventions shared by the GraphML and GML readers."""

from __future__ import annotations

import math
from typing import Any

from gpuplace.topo.readers.assemble import TopologyBuilder, kind_from_type

__all__ = ["BITS_PER_GBIT", "add_zoo_edge", "add_zoo_node"]

BITS_PER_GBIT = 1e9


def add_zoo_node(builder: TopologyBuilder, where: str, node_id: Any, attributes: dict) -> None:
    """Add a node from Topology Zoo attributes.

    ``Latitude`` / ``Longitude`` (or ``lat`` / ``lon``) give the position (NaN
    when absent, as for hyperedge or external nodes); ``label`` (or ``name``)
    the name; ``Country`` (or ``country``) the country; ``kind`` (or ``type``,
    mapped as TopoHub's) the kind.
    """
    kind = attributes.get("kind")
    if kind is None and attributes.get("type") is not None:
        kind = kind_from_type(attributes["type"])
    builder.node(
        where,
        node_id,
        lat=_first(attributes, "Latitude", "lat"),
        lon=_first(attributes, "Longitude", "lon"),
        name=_first(attributes, "label", "name"),
        country=_first(attributes, "Country", "country"),
        kind=kind,
    )


def add_zoo_edge(
    builder: TopologyBuilder, where: str, source: Any, target: Any, attributes: dict
) -> None:
    """Add a link: capacity from ``LinkSpeedRaw`` (bit/s, divided by 1e9) or
    ``capacity_gbps``; ``latency_ms`` and ``distance_km`` (or ``dist``) when present."""
    capacity = attributes.get("capacity_gbps")
    raw = attributes.get("LinkSpeedRaw")
    if capacity is None and raw is not None:
        speed_bps = builder.number(raw, where, "LinkSpeedRaw")
        capacity = None if math.isnan(speed_bps) else speed_bps / BITS_PER_GBIT
    builder.edge(
        where,
        source,
        target,
        latency_ms=attributes.get("latency_ms"),
        distance_km=_first(attributes, "distance_km", "dist"),
        capacity_gbps=capacity,
    )


def _first(attributes: dict, *names: str) -> Any:
    for name in names:
        value = attributes.get(name)
        if value is not None and value != "":
            return value
    return None
