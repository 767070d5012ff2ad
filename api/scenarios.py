"""Scenarios for the Python API: from files, from DataFrames, from GeoDataFrames, bundled.

Every way in ends in the same validated, immutable `Instance`
and reports bad input the same way: one `InputError` listing
every problem, each naming the file or argument, the row or key, and what is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import pandas as pd

import gpuplace.datasets.apac
from gpuplace.errors import InputError, Problem
from gpuplace.files_read import read_json
from gpuplace.scenario.frames import TopologyInput, instance_from_frames
from gpuplace.scenario.geoframes import instance_from_geodataframes
from gpuplace.scenario.instance import Instance
from gpuplace.scenario.load import load_instance, read_toml
from gpuplace.scenario.schema import REQUIRED_SECTIONS

__all__ = [
    "ScenarioFrames",
    "dataset",
    "dataset_frames",
    "from_frames",
    "from_geodataframes",
    "load",
]

DATASETS = {"apac": Path(gpuplace.datasets.apac.__file__).parent / "scenario.toml"}


class ScenarioFrames(NamedTuple):
    """A scenario as frames, in the order `from_frames` takes them.

    ``from_frames(*frames)`` builds its instance; change a frame first to ask "what if".
    """

    sites: pd.DataFrame
    regions: pd.DataFrame
    gpus: pd.DataFrame
    graph: nx.Graph
    settings: dict[str, Any]


def load(path: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None) -> Instance:
    """Load a scenario TOML file, its tables and its topology, as ``gpuplace solve`` does.

    Parameters
    ----------
    path : path-like
        The scenario TOML file (SCENARIO.md); the files it names are read relative
        to its folder.
    overrides : mapping, optional
        ``{"constraints.budget": 2e8}``: dotted keys, as ``--set`` takes them. Values
        may be Python values or TOML literals as text (``"2e8"``, ``"true"``).

    Returns
    -------
    Instance
        Validated and immutable; ``instance.warnings`` lists suspicious but valid input.

    Raises
    ------
    InputError
        Every problem in every file, each naming the file, the row, column or key.

    Examples
    --------
    >>> import gpuplace
    >>> instance = gpuplace.load(gpuplace.dataset("apac"), {"constraints.budget": 2e8})
    >>> instance.n_sites, instance.n_regions, instance.gpu_types
    (41, 234, ('H100', 'L40S', 'B200'))
    >>> instance.constraints.budget
    200000000.0
    """
    text = {key: _literal(value) for key, value in (overrides or {}).items()}
    return load_instance(Path(path), text)


def _literal(value: Any) -> str:
    """A Python value as the TOML literal ``--set`` would be given."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return str(value)


def from_frames(
    sites: pd.DataFrame,
    regions: pd.DataFrame,
    gpus: pd.DataFrame,
    graph: TopologyInput,
    settings: Mapping[str, Any] | None = None,
    *,
    name: str = "frames",
) -> Instance:
    """A scenario from pandas DataFrames and a networkx graph, validated like files.

    Parameters
    ----------
    sites : DataFrame
        The columns of ``sites.csv``: ``id``, ``node`` (a node of ``graph``) and
        ``power_kw``, optionally ``max_gpus``, ``fixed_cost``, ``cost_factor``, ``pue``,
        ``country``, ``status`` and ``existing_<TYPE>``. Instead of ``node``, ``lat`` and
        ``lon`` place a site on the nearest node that is not a waypoint.
    regions : DataFrame
        The columns of ``regions.csv``: ``id``, ``lat``, ``lon``, ``demand``,
        ``sla_rtt_ms``, optionally ``node`` (default: the nearest node), ``country``,
        ``allowed_countries`` (a list or ``;``-separated codes), ``gbps_per_unit``.
    gpus : DataFrame
        The GPU catalogue: ``type``, ``capex``, ``power_kw``, ``throughput``.
    graph : networkx.Graph, Topology or path
        Nodes with ``lat`` and ``lon`` (optional ``country``, ``kind``); edges with
        optional ``latency_ms`` (one way), ``distance_km``, ``capacity_gbps``. A path
        or ``topohub:KEY`` is read as a topology file.
    settings : mapping, optional
        The scenario's other tables as in its TOML (``{"constraints": {"budget":
        2e8}, "objective": {"kind": "cost"}, "solver": {"time_limit_s": 30}}``);
        the defaults of SCENARIO.md otherwise. Its ``name`` wins over ``name``.
    name : str
        Scenario name.

    Returns
    -------
    Instance

    Raises
    ------
    InputError
        Every problem, named as the CSV loader names it but with the argument in
        place of the file (``sites: row 3, column power_kw: must be >= 0, got -5``;
        rows count from 1 in frame order).

    Examples
    --------
    >>> import gpuplace
    >>> sites, regions, gpus, graph, settings = gpuplace.dataset_frames("apac")
    >>> sites.loc[sites["id"] == "mel1", "power_kw"] = -5
    >>> gpuplace.from_frames(sites, regions, gpus, graph, settings)
    Traceback (most recent call last):
    ...
    gpuplace.errors.InputError: sites: row 2, column power_kw: must be >= 0, got -5
    """
    return instance_from_frames(sites, regions, gpus, graph, settings=settings, name=name)


def from_geodataframes(
    sites: Any,
    regions: Any,
    gpus: pd.DataFrame,
    graph: TopologyInput,
    settings: Mapping[str, Any] | None = None,
    *,
    name: str = "frames",
) -> Instance:
    """A scenario from GeoDataFrames of sites and regions (the ``geo`` extra).

    As `from_frames`, with coordinates taken from each frame's geometry
    (EPSG:4326; other CRSs are transformed, a frame without a CRS is read as
    longitude/latitude; a polygon counts by a point inside it). A site is placed on
    the nearest topology node that is not a waypoint unless its ``node`` names one.

    Parameters
    ----------
    sites, regions : geopandas.GeoDataFrame
        The columns of `from_frames` without ``lat`` and ``lon``.
    gpus, graph, settings, name
        As for `from_frames`.

    Returns
    -------
    Instance

    Raises
    ------
    InputError
        Every problem, as `from_frames` reports them; a missing or empty geometry
        names its row and the geometry column.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import gpuplace
    >>> sites, regions, gpus, graph, settings = gpuplace.dataset_frames("apac", countries=["NZ"])
    >>> nodes = {node: (data["lon"], data["lat"]) for node, data in graph.nodes(data=True)}
    >>> site_points = gpd.points_from_xy(*zip(*(nodes[n] for n in sites["node"])))
    >>> sites = gpd.GeoDataFrame(sites.drop(columns="node"), geometry=site_points, crs=4326)
    >>> regions = gpd.GeoDataFrame(
    ...     regions.drop(columns=["lat", "lon"]),
    ...     geometry=gpd.points_from_xy(regions["lon"], regions["lat"]),
    ...     crs=4326,
    ... )
    >>> instance = gpuplace.from_geodataframes(sites, regions, gpus, graph, settings)
    >>> [instance.topology.node_ids[n] for n in instance.site_node]
    ['Auckland', 'Wellington']
    """
    return instance_from_geodataframes(sites, regions, gpus, graph, settings=settings, name=name)


def dataset(name: str = "apac") -> Path:
    """The scenario TOML file of a bundled dataset (``gpuplace datasets list``).

    Raises
    ------
    InputError
        No bundled dataset has that name.

    Examples
    --------
    >>> import gpuplace
    >>> gpuplace.dataset("apac").name
    'scenario.toml'
    """
    path = DATASETS.get(name)
    if path is None:
        known = ", ".join(sorted(DATASETS))
        raise InputError(Problem("dataset", name, f"no bundled dataset of that name ({known})"))
    return path


def _graph(path: Path) -> nx.Graph:
    data = read_json(path)
    graph = nx.Graph()
    for node in data["nodes"]:
        graph.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in data.get("edges", data.get("links", [])):
        attrs = {k: v for k, v in edge.items() if k not in ("source", "target")}
        graph.add_edge(edge["source"], edge["target"], **attrs)
    return graph


def dataset_frames(name: str = "apac", countries: Iterable[str] | None = None) -> ScenarioFrames:
    """A bundled dataset as DataFrames, a networkx graph and its settings.

    Parameters
    ----------
    name : str
        The dataset (see `dataset`).
    countries : iterable of str, optional
        Keep only the sites and regions whose ``country`` is one of these codes
        (the graph is kept whole).

    Returns
    -------
    ScenarioFrames
        ``(sites, regions, gpus, graph, settings)``: the tables as read by pandas, the
        topology as a `networkx.Graph` (node and edge attributes as in the file)
        and the TOML's other tables; ``from_frames(*frames)`` solves the same problem
        as ``load(dataset(name))`` (for the rows kept).

    Examples
    --------
    >>> import gpuplace
    >>> frames = gpuplace.dataset_frames("apac", countries=["AU", "NZ"])
    >>> len(frames.sites), len(frames.regions), frames.graph.number_of_nodes()
    (9, 29, 47)
    """
    toml = dataset(name)
    document = read_toml(toml)
    folder = toml.parent
    settings = {key: value for key, value in document.items()}
    for section in REQUIRED_SECTIONS:
        settings[section] = {k: v for k, v in document[section].items() if k != "file"}
    sites, regions = (pd.read_csv(folder / document[s]["file"]) for s in ("sites", "regions"))
    if countries is not None:
        keep = set(countries)
        sites = sites[sites["country"].isin(keep)].reset_index(drop=True)
        regions = regions[regions["country"].isin(keep)].reset_index(drop=True)
    return ScenarioFrames(
        sites=sites,
        regions=regions,
        gpus=pd.read_csv(folder / document["gpus"]["file"]),
        graph=_graph(folder / document["topology"]["file"]),
        settings=settings,
    )
