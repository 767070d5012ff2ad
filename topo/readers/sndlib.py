"""SNDlib native format (``.txt``): the NODES and LINKS sections.

::

    NODES (
      Seattle ( -122.30 47.60 )
    )
    LINKS (
      L1 ( Seattle PaloAlto ) 0.00 0.00 0.00 0.00 ( 40.00 25446.00 160.00 39802.00 )
    )

Node lines are ``id ( lon lat )``; link lines are ``id ( source target )
pre_installed_capacity pre_installed_capacity_cost routing_cost setup_cost (
{module_capacity module_cost}* )``. Other sections (META, DEMANDS,
ADMISSIBLE_PATHS) are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from gpuplace.errors import InputError, Problem
from gpuplace.files_read import read_text
from gpuplace.topo.graph import Topology
from gpuplace.topo.readers.assemble import TopologyBuilder

__all__ = ["read_sndlib"]

_SECTION = re.compile(r"^([A-Z_]+)\s*\($")
_NODE = re.compile(r"^(\S+)\s*\(\s*(\S+)\s+(\S+)\s*\)$")
_LINK = re.compile(
    r"^(\S+)\s*\(\s*(\S+)\s+(\S+)\s*\)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\(\s*([^()]*?)\s*\)$"
)


def read_sndlib(path: str | Path) -> Topology:
    """Read an SNDlib native network file.

    Capacity rule: a link's ``capacity_gbps`` is its pre-installed capacity plus
    its largest module capacity (the most one module installation can add).
    A link with neither (pre-installed 0 and no modules) is uncapacitated, as
    in SNDlib's uncapacitated link model. SNDlib capacities are abstract units,
    read as Gbit/s. Links carry no latency or distance: their latency derives
    from the node coordinates.

    Raises
    ------
    InputError
        When there is no NODES section or a line cannot be read; problems name
        the line (1-based).
    """
    file = str(path)
    text = read_text(path)
    builder = TopologyBuilder(file)
    section: str | None = None
    depth = 0
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("?"):
            continue
        where = f"line {number}"
        if section is None:
            match = _SECTION.match(line)
            if match:
                section = match.group(1)
                seen.add(section)
            elif "=" not in line:
                builder.problem(where, f"expected a section such as 'NODES (', got {line[:60]!r}")
            continue
        if section not in ("NODES", "LINKS"):
            depth += line.count("(") - line.count(")")  # skipped sections nest parentheses
            if depth < 0:
                section, depth = None, 0
        elif line == ")":
            section = None
        elif section == "NODES":
            _node_line(builder, where, line)
        else:
            _link_line(builder, where, line)
    if section is not None:
        builder.problem("", f"section {section} is not closed with ')'")
    if "NODES" not in seen:
        raise InputError(Problem(file, "", "no NODES section: not an SNDlib native file"))
    return builder.build()


def _node_line(builder: TopologyBuilder, where: str, line: str) -> None:
    match = _NODE.match(line)
    if not match:
        builder.problem(where, f"expected 'id ( lon lat )', got {line[:60]!r}")
        return
    node_id, lon, lat = match.groups()
    builder.node(where, node_id, lat=lat, lon=lon)


def _link_line(builder: TopologyBuilder, where: str, line: str) -> None:
    match = _LINK.match(line)
    if not match:
        builder.problem(
            where,
            "expected 'id ( source target ) pre_capacity pre_cost routing_cost setup_cost "
            f"( module_capacity module_cost ... )', got {line[:60]!r}",
        )
        return
    _, source, target, pre_capacity, _, _, _, modules = match.groups()
    pre = builder.number(pre_capacity, where, "pre-installed capacity")
    module_values = modules.split()
    if len(module_values) % 2:
        builder.problem(where, "modules must come in (capacity, cost) pairs")
        return
    capacities = [builder.number(v, where, "module capacity") for v in module_values[::2]]
    if any(c != c for c in [pre, *capacities]):  # NaN: already reported
        return
    if any(c < 0 for c in capacities):
        builder.problem(where, "module capacity must not be negative")
        return
    capacity = pre + max(capacities, default=0.0)
    uncapacitated = pre == 0 and not capacities
    builder.edge(where, source, target, capacity_gbps=None if uncapacitated else capacity)
