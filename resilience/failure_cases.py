"""Failure cases (one site, one link, one shared-risk link group) and SRLG files.

An SRLG file lists links that fail together (e.g. the segments of one subsea
cable system). Two formats, chosen by extension:

- ``.csv`` with header ``group,source,target``, one link per row;
- ``.json``: an object ``{"group": [["source", "target"], ...], ...}``.

Links are named by their end nodes' ids, in either direction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gpuplace.errors import InputError, Problem, ProblemCollector
from gpuplace.files_read import parse_json, read_text
from gpuplace.scenario.instance import Instance
from gpuplace.topo.graph import Topology

__all__ = ["FailureCase", "SrlgGroups", "failure_cases", "link_label", "load_srlg", "srlg_cases"]

SrlgGroups = dict[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class FailureCase:
    """What fails together: site indices and link indices of the instance's topology."""

    kind: str  # "site" | "link" | "srlg"
    name: str
    sites: tuple[int, ...] = ()
    edges: tuple[int, ...] = ()


def link_label(topology: Topology, edge: int) -> str:
    """``source--target`` node ids of a link."""
    return f"{topology.node_ids[topology.edge_src[edge]]}--{topology.node_ids[topology.edge_dst[edge]]}"


def load_srlg(path: str | Path) -> SrlgGroups:
    """Read shared-risk link groups from a ``.csv`` or ``.json`` file.

    Parameters
    ----------
    path : str or Path
        The file (see the module docstring for the formats).

    Returns
    -------
    dict[str, list[tuple[str, str]]]
        Links of each group, in file order.

    Raises
    ------
    InputError
        Unreadable file, unknown extension, missing column, empty field or a malformed
        entry, each named by file and row or key.
    """
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise InputError(Problem(name, "", "SRLG file must be .csv (group,source,target) or .json"))
    text = read_text(path)
    if suffix == ".csv":
        return _srlg_csv(name, text)
    return _srlg_json(name, parse_json(text, name))


def _srlg_csv(name: str, text: str) -> SrlgGroups:
    try:
        records = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as error:
        raise InputError(Problem(name, "", f"is not valid CSV: {error}")) from None
    columns = [c.strip() for c in records[0]] if records else []
    missing = [c for c in ("group", "source", "target") if c not in columns]
    if missing:
        raise InputError(Problem(name, "header", f"missing column(s): {', '.join(missing)}"))
    at = {c: columns.index(c) for c in ("group", "source", "target")}
    problems = ProblemCollector()
    groups: SrlgGroups = {}
    for row_number, record in enumerate(records[1:], start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(columns):
            problems.add(
                name,
                f"row {row_number}",
                f"has {len(record)} values, the header has {len(columns)}",
            )
            continue
        row = {c: record[i].strip() if i < len(record) else "" for c, i in at.items()}
        empty = [c for c in ("group", "source", "target") if not row[c]]
        if empty:
            problems.add(name, f"row {row_number}", f"empty {', '.join(empty)}")
            continue
        groups.setdefault(row["group"], []).append((row["source"], row["target"]))
    problems.raise_if_any()
    if not groups:
        raise InputError(Problem(name, "", "no SRLG rows"))
    return groups


def _srlg_json(name: str, data: Any) -> SrlgGroups:
    if not isinstance(data, dict) or not data:
        raise InputError(Problem(name, "", 'expected {"group": [["source", "target"], ...]}'))
    problems = ProblemCollector()
    groups: SrlgGroups = {}
    for group, links in data.items():
        if not isinstance(links, list) or not links:
            problems.add(name, group, "must be a non-empty list of [source, target]")
            continue
        for i, link in enumerate(links):
            ok = isinstance(link, list | tuple) and len(link) == 2
            if not ok or not all(isinstance(n, str) and n for n in link):
                problems.add(name, f"{group}[{i}]", "must be [source, target] node ids")
                continue
            groups.setdefault(group, []).append((link[0], link[1]))
    problems.raise_if_any()
    return groups


def _edge_lookup(topology: Topology) -> dict[tuple[int, int], int]:
    lookup: dict[tuple[int, int], int] = {}
    for e, (u, v) in enumerate(zip(topology.edge_src, topology.edge_dst, strict=True)):
        lookup[(int(u), int(v))] = e
        lookup[(int(v), int(u))] = e
    return lookup


def srlg_cases(
    topology: Topology, groups: SrlgGroups, *, source: str = "srlg"
) -> list[FailureCase]:
    """One failure case per SRLG group; every link must exist in the topology.

    Raises
    ------
    InputError
        Naming the group and link of every unknown node or link.
    """
    nodes = topology.node_index()
    lookup = _edge_lookup(topology)
    problems = ProblemCollector()
    cases = []
    for group, links in groups.items():
        edges = []
        for source_node, target_node in links:
            where = f"group {group!r}"
            u, v = nodes.get(source_node), nodes.get(target_node)
            if u is None or v is None:
                unknown = [n for n, i in ((source_node, u), (target_node, v)) if i is None]
                problems.add(source, where, f"unknown node(s) {', '.join(map(repr, unknown))}")
            elif (u, v) not in lookup:
                problems.add(source, where, f"no link {source_node!r}--{target_node!r}")
            else:
                edges.append(lookup[(u, v)])
        cases.append(FailureCase("srlg", group, edges=tuple(sorted(set(edges)))))
    problems.raise_if_any()
    return cases


def failure_cases(
    instance: Instance,
    open_sites: np.ndarray,
    *,
    sites: bool = True,
    links: bool = True,
    srlg: SrlgGroups | None = None,
    srlg_source: str = "srlg",
) -> list[FailureCase]:
    """Every single open site, every single link, then each SRLG group."""
    cases: list[FailureCase] = []
    if sites:
        cases += [FailureCase("site", instance.site_ids[s], sites=(int(s),)) for s in open_sites]
    topology = instance.topology
    if links:
        cases += [
            FailureCase("link", link_label(topology, e), edges=(e,))
            for e in range(topology.n_edges)
        ]
    if srlg:
        cases += srlg_cases(topology, srlg, source=srlg_source)
    return cases
