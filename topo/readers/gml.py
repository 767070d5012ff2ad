"""GML with Internet Topology Zoo conventions, parsed by networkx."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.files_read import read_text
from gpuplace.topo.graph import Topology
from gpuplace.topo.readers.assemble import TopologyBuilder
from gpuplace.topo.readers.zoo import add_zoo_edge, add_zoo_node

__all__ = ["read_gml"]

_GRAPH_START = re.compile(r"\bgraph\s*\[")


def read_gml(path: str | Path) -> Topology:
    """Read a GML file (Topology Zoo: ``Latitude``, ``Longitude``, ``Country``,
    ``label``, link speed ``LinkSpeedRaw`` in bit/s).

    Node ids are the GML ``id`` values (as strings) and names their ``label``.
    Parallel edges are read even when the file does not declare
    ``multigraph 1``; they merge like every parallel link. Nodes without
    coordinates (hyperedge and external nodes) get NaN positions.

    Raises
    ------
    InputError
        When the file is not valid GML or a node or edge is malformed.
    """
    file = str(path)
    text = read_text(path)
    graph = _parse(text, file)
    builder = TopologyBuilder(file)
    for i, (node, attributes) in enumerate(graph.nodes(data=True), start=1):
        add_zoo_node(builder, f"node {i}", node, attributes)
    for u, v, attributes in graph.edges(data=True):
        add_zoo_edge(builder, "edge", u, v, attributes)
    return builder.build()


def _parse(text: str, file: str) -> Any:
    import networkx as nx  # imported here: networkx is slow to import and only GML needs it

    try:
        try:
            graph = nx.parse_gml(text, label=None)
        except nx.NetworkXError as error:
            if "is duplicated" not in str(error) or "edge #" not in str(error):
                raise
            # Parallel links without "multigraph 1": read them as a multigraph.
            graph = nx.parse_gml(
                _GRAPH_START.sub("graph [ multigraph 1", text, count=1), label=None
            )
    except Exception as error:  # noqa: BLE001 - any parser failure is bad input
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(Problem(file, "", f"not valid GML: {message[:200]}")) from None
    if graph.is_directed():
        graph = graph.to_undirected(as_view=False)
    return nx.MultiGraph(graph)
