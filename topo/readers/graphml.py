"""GraphML with Internet Topology Zoo conventions, parsed safely (defusedxml).

Entity declarations (e.g. "billion laughs") and external references are
refused, never expanded or fetched. The reader handles the GraphML the Topology
Zoo and networkx write: ``<key>`` declarations with defaults, ``<node>``,
``<edge>`` and ``<data>`` elements (other elements are ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from gpuplace.errors import InputError, Problem
from gpuplace.files_read import read_bytes
from gpuplace.topo.graph import Topology
from gpuplace.topo.readers.assemble import TopologyBuilder
from gpuplace.topo.readers.zoo import add_zoo_edge, add_zoo_node
from gpuplace.untrusted import parse_number

__all__ = ["read_graphml"]

_TYPES = {
    "int": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": "bool",
    "string": str,
}


def read_graphml(path: str | Path) -> Topology:
    """Read a GraphML file (Topology Zoo: ``Latitude``, ``Longitude``, ``Country``,
    ``label``, link speed ``LinkSpeedRaw`` in bit/s).

    See :func:`topo.readers.zoo.add_zoo_node` for the attributes used.

    Raises
    ------
    InputError
        When the XML is malformed, declares entities or external references, or
        a node or edge is malformed; problems name ``node i`` / ``edge i`` (1-based).
    """
    file = str(path)
    data = read_bytes(path)
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=False)
    except DefusedXmlException as error:
        raise InputError(
            Problem(
                file, "", f"refused: XML entities and external references are not allowed ({error})"
            )
        ) from None
    except (ParseError, ValueError, LookupError, RecursionError) as error:
        # LookupError: an unknown encoding in the XML declaration
        raise InputError(Problem(file, "", f"not valid XML: {error}")) from None
    if _local(root.tag) != "graphml":
        raise InputError(Problem(file, "", f"not GraphML: root element is <{_local(root.tag)}>"))
    builder = TopologyBuilder(file)
    keys = _keys(root, builder)
    graph = next((child for child in root if _local(child.tag) == "graph"), None)
    if graph is None:
        raise InputError(Problem(file, "", "no <graph> element"))
    node_defaults = {
        name: default
        for key_for, name, _, default in keys.values()
        if key_for in ("node", "all") and default is not None
    }
    edge_defaults = {
        name: default
        for key_for, name, _, default in keys.values()
        if key_for in ("edge", "all") and default is not None
    }
    n_node = n_edge = 0
    for element in graph:
        tag = _local(element.tag)
        if tag == "node":
            n_node += 1
            where = f"node {n_node}"
            attributes = {**node_defaults, **_data(element, keys, builder, where)}
            add_zoo_node(builder, where, element.get("id"), attributes)
        elif tag == "edge":
            n_edge += 1
            where = f"edge {n_edge}"
            attributes = {**edge_defaults, **_data(element, keys, builder, where)}
            add_zoo_edge(builder, where, element.get("source"), element.get("target"), attributes)
    return builder.build()


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _keys(root: Element, builder: TopologyBuilder) -> dict[str, tuple[str, str, Any, Any]]:
    """``{key id: (for, attr.name, python type, default)}``."""
    keys = {}
    for element in root:
        if _local(element.tag) != "key":
            continue
        key_id = element.get("id")
        if key_id is None:
            builder.problem("<key>", "missing id")
            continue
        name = element.get("attr.name", key_id)
        kind = _TYPES.get(element.get("attr.type", "string"), str)
        default = None
        for child in element:
            if _local(child.tag) == "default":
                default = _convert(child.text, kind, builder, f"key {key_id!r} default", name)
        keys[key_id] = (element.get("for", "all"), name, kind, default)
    return keys


def _data(element: Element, keys: dict, builder: TopologyBuilder, where: str) -> dict[str, Any]:
    values = {}
    for child in element:
        if _local(child.tag) != "data":
            continue
        key_id = child.get("key")
        if key_id not in keys:
            builder.problem(where, f"data key {key_id!r} is not declared")
            continue
        _, name, kind, _ = keys[key_id]
        values[name] = _convert(child.text, kind, builder, where, name)
    return values


def _convert(text: str | None, kind: Any, builder: TopologyBuilder, where: str, name: str) -> Any:
    text = (text or "").strip()
    if kind is str:
        return text
    if not text:
        return None
    if kind == "bool":
        return text.lower() in ("true", "1")
    number = parse_number(text)  # ASCII decimal or scientific notation only
    if number is None:
        builder.problem(where, f"{name} must be a number, got {text[:40]!r}")
        return None
    try:
        return int(number) if kind is int else number
    except OverflowError:
        builder.problem(where, f"{name} must be a finite number, got {text[:40]!r}")
        return None
