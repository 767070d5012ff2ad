"""Scenarios from pandas DataFrames and a networkx graph instead of files.

Every frame goes through the CSV loader's validation (:mod:`scenario.sites`,
:mod:`scenario.regions`): each cell is read as text, as a CSV cell would be,
so a bad value is reported exactly as in a file, naming the argument
(``sites``, ``regions``, ``gpus``, ``graph``, ``settings``), the row (1-based,
in frame order) and the column. The columns are those of ``sites.csv``,
``regions.csv`` and ``gpus.csv`` (SCENARIO.md); a named index (``id``,
``type``) counts as a column. Sites may give ``lat`` and ``lon`` instead of
``node``: a site then sits on the nearest topology node that is not a
waypoint, the rule that attaches regions.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

import networkx as nx
import numpy as np
import pandas as pd

from gpuplace.errors import InputError, ProblemCollector
from gpuplace.scenario.hashing import scenario_hash
from gpuplace.scenario.instance import Instance
from gpuplace.scenario.load import _assemble as assemble_instance
from gpuplace.scenario.load import topology_warnings
from gpuplace.scenario.regions import coordinate_warnings, read_regions
from gpuplace.scenario.schema import (
    REQUIRED_SECTIONS,
    ScenarioSettings,
    normalised,
    validate_settings,
)
from gpuplace.scenario.sites import check_existing_fit, read_gpus, read_sites
from gpuplace.scenario.tables import Table, numbers
from gpuplace.topo.convert import to_node_link
from gpuplace.topo.graph import Topology
from gpuplace.topo.latency import nearest_nodes
from gpuplace.topo.readers import read_topology
from gpuplace.topo.readers.node_link import from_node_link

__all__ = ["TopologyInput", "frame_table", "instance_from_frames", "topology_from"]

TopologyInput: TypeAlias = Topology | nx.Graph | str | Path
SETTINGS = "settings"
_FILE_KEYS = {"matrix_file": "latency.matrix", "measured_file": "latency.measured"}
_FILE_KEYS["calibration_file"] = "latency.calibration"


def _cell(value: Any) -> str:
    """A frame cell as the text a CSV file would hold (missing values are empty)."""
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return ";".join(str(item).strip() for item in items)
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value).strip()


def frame_table(frame: pd.DataFrame, label: str, problems: ProblemCollector) -> Table | None:
    """A DataFrame as the loader's :class:`~scenario.tables.Table` of text cells.

    A named index becomes a column; rows are numbered from 1 in frame order.
    Columns named twice are a problem (and None is returned).
    """
    if not isinstance(frame, pd.DataFrame):
        problems.add(label, "", f"must be a pandas DataFrame, got {type(frame).__name__}")
        return None
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    names = [str(name).strip() for name in frame.columns]
    twice = sorted({name for name in names if names.count(name) > 1})
    for name in twice:
        problems.add(label, f"column {name}", f"column '{name}' appears more than once")
    if twice:
        return None
    text = pd.DataFrame(
        {name: [_cell(v) for v in frame.iloc[:, i]] for i, name in enumerate(names)},
        columns=names,
        dtype=object,
    )
    data = text.to_csv(index=False).encode("utf-8")
    rows = np.arange(1, len(text) + 1, dtype=np.int64)
    return Table(file=label, frame=text, rows=rows, data=data)


def _graph_data(graph: nx.Graph) -> dict[str, Any]:
    nodes = [{**attrs, "id": node} for node, attrs in graph.nodes(data=True)]
    edges = [{**attrs, "source": u, "target": v} for u, v, attrs in graph.edges(data=True)]
    return {"nodes": nodes, "edges": edges}


def topology_from(topology: TopologyInput, problems: ProblemCollector) -> Topology | None:
    """A :class:`Topology` from a networkx graph, a file or ``topohub:`` key, or as given.

    A graph's nodes carry ``lat`` and ``lon`` (or ``pos`` = (lon, lat)) and optionally
    ``name``, ``country``, ``kind``; its edges optionally ``latency_ms`` (one way),
    ``distance_km`` and ``capacity_gbps``: the node-link fields of SCENARIO.md.
    """
    try:
        if isinstance(topology, Topology):
            found = topology
        elif isinstance(topology, nx.Graph):
            found = from_node_link(_graph_data(topology), "graph", source="<networkx graph>")
        elif isinstance(topology, str | Path):
            found = read_topology(topology)
        else:
            kind = type(topology).__name__
            problems.add("graph", "", f"must be a networkx graph, a Topology or a path, not {kind}")
            return None
    except InputError as error:
        problems.problems.extend(error.problems)
        return None
    if found.n_nodes == 0:
        problems.add("graph", "", "the topology has no nodes")
        return None
    return found


def _document(
    settings: Mapping[str, Any] | None, name: str, problems: ProblemCollector
) -> dict[str, Any]:
    """The scenario document the frames stand for: ``settings`` plus placeholder file keys."""
    data: dict[str, Any] = {"name": name, **copy.deepcopy(dict(settings or {}))}
    for section in REQUIRED_SECTIONS:
        table = data.setdefault(section, {})
        if isinstance(table, dict):
            if "file" in table:
                given = "graph" if section == "topology" else section
                problems.add(SETTINGS, f"{section}.file", f"not used: the {given} argument is used")
            table["file"] = f"<{section}>"
    return data


def _settings(data: dict[str, Any], problems: ProblemCollector) -> ScenarioSettings | None:
    settings = validate_settings(data, SETTINGS, problems)
    if settings is None:
        return None
    named = [key for attribute, key in _FILE_KEYS.items() if getattr(settings, attribute)]
    named += [f"{section}.file" for section in settings.serving_files or {}]
    for key in named:
        problems.add(SETTINGS, key, "files are not read here: load the scenario from its TOML")
    return settings


def _place_sites(
    table: Table, topology: Topology | None, problems: ProblemCollector
) -> Table | None:
    """Sites with ``lat``/``lon``: an empty or missing ``node`` becomes the nearest node."""
    frame = table.frame
    if "lat" not in frame.columns and "lon" not in frame.columns:
        return table
    before = len(problems.problems)
    lat = numbers(table, "lat", problems)
    lon = numbers(table, "lon", problems)
    for i in np.flatnonzero(np.abs(np.nan_to_num(lat)) > 90).tolist():
        problems.add(table.file, table.where(i, "lat"), f"{lat[i]:g} is out of range [-90, 90]")
    for i in np.flatnonzero(np.abs(np.nan_to_num(lon)) > 180).tolist():
        problems.add(table.file, table.where(i, "lon"), f"{lon[i]:g} is out of range [-180, 180]")
    if len(problems.problems) > before or topology is None:
        return None
    node = list(frame["node"]) if "node" in frame.columns else [""] * len(frame)
    empty = np.array([not name for name in node], dtype=bool)
    if empty.any():
        try:
            nearest = nearest_nodes(topology, lat[empty], lon[empty])
        except ValueError:
            problems.add(table.file, "column node", "no topology node to place sites on")
            return None
        for i, n in zip(np.flatnonzero(empty).tolist(), nearest.tolist(), strict=True):
            node[i] = topology.node_ids[n]
    placed = frame.drop(columns=[c for c in ("lat", "lon") if c in frame.columns])
    placed["node"] = node
    return Table(file=table.file, frame=placed, rows=table.rows, data=table.data)


def instance_from_frames(
    sites: pd.DataFrame,
    regions: pd.DataFrame,
    gpus: pd.DataFrame,
    topology: TopologyInput,
    *,
    settings: Mapping[str, Any] | None = None,
    name: str = "frames",
) -> Instance:
    """Validate frames as the scenario loader validates files, and assemble the instance.

    ``settings`` holds the scenario's TOML tables as a mapping (``{"constraints":
    {"budget": 2e8}, "objective": {"kind": "cost"}}``), checked by the same schema;
    ``name`` is used unless ``settings`` has one. Files (``*.file``, ``latency.*``
    tables) are not read. The hash covers the settings, the frames as CSV text
    and the topology as node-link JSON, so the same frames give the same hash.

    Raises
    ------
    InputError
        Every problem found, each naming the argument, the row or key and the column.
    """
    problems = ProblemCollector()
    data = _document(settings, name, problems)
    parsed = _settings(data, problems)
    found = topology_from(topology, problems)
    tables = {
        "sites": frame_table(sites, "sites", problems),
        "regions": frame_table(regions, "regions", problems),
        "gpus": frame_table(gpus, "gpus", problems),
    }
    if tables["sites"] is not None:
        tables["sites"] = _place_sites(tables["sites"], found, problems)
    gpu_table = read_gpus(tables["gpus"], problems) if tables["gpus"] is not None else None
    types = gpu_table.types if gpu_table is not None else None
    site_table = (
        read_sites(tables["sites"], found, types, problems) if tables["sites"] is not None else None
    )
    gbps = parsed.regions_gbps_per_unit if parsed is not None else 0.0
    region_table = (
        read_regions(tables["regions"], found, gbps, problems)
        if tables["regions"] is not None
        else None
    )
    if site_table is not None and gpu_table is not None and tables["sites"] is not None:
        check_existing_fit(tables["sites"], site_table, gpu_table, problems)
    problems.raise_if_any()
    assert parsed is not None and found is not None and tables["regions"] is not None
    assert site_table is not None and region_table is not None and gpu_table is not None
    warnings = coordinate_warnings(tables["regions"], region_table, found, problems)
    problems.raise_if_any()
    warnings += topology_warnings(found)
    stamp = json.dumps(to_node_link(found), sort_keys=True, default=str).encode("utf-8")
    inputs = [("topology", stamp)] + [(k, t.data) for k, t in tables.items() if t is not None]
    instance = assemble_instance(
        settings=parsed,
        topology=found,
        sites=site_table,
        regions=region_table,
        gpus=gpu_table,
        matrix=None,
        latency_inputs=(None, None),
        sha256=scenario_hash(normalised(data), inputs),
        path=Path(SETTINGS),
    )
    return dataclasses.replace(instance, warnings=tuple(warnings))
