"""Scenarios through the Python API: files, DataFrames, GeoDataFrames, the bundled data."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

import gpuplace
from gpuplace.errors import InputError
from support.scenario_files import BASE, ScenarioFiles

ARRAYS = (
    "site_node",
    "site_power_kw",
    "site_max_gpus",
    "site_fixed_cost",
    "site_cost_factor",
    "site_pue",
    "site_status",
    "site_existing_gpus",
    "region_lat",
    "region_lon",
    "region_demand",
    "region_sla_rtt_ms",
    "region_node",
    "region_gbps_per_unit",
    "gpu_capex",
    "gpu_power_kw",
    "gpu_throughput",
    "pair_region",
    "pair_site",
    "pair_rtt_ms",
)


def _same_problem(a: gpuplace.Instance, b: gpuplace.Instance) -> None:
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("site_ids", "region_ids", "gpu_types", "site_country", "region_country"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.region_allowed_countries == b.region_allowed_countries
    assert (a.constraints, a.objective, a.latency) == (b.constraints, b.objective, b.latency)


def _problems(error: pytest.ExceptionInfo[InputError]) -> list[tuple[str, str, str]]:
    """(what the file or argument is, where, what) with a file named by its stem."""
    return sorted((Path(p.file).stem, p.where, p.what) for p in error.value.problems)


def test_frames_of_the_bundled_data_are_the_loaded_scenario():
    loaded = gpuplace.load(gpuplace.dataset("apac"))
    framed = gpuplace.from_frames(*gpuplace.dataset_frames("apac"))
    _same_problem(framed, loaded)
    assert framed.name == loaded.name == "apac-demo"


def test_the_hash_follows_the_frames():
    frames = gpuplace.dataset_frames("apac", countries=["NZ"])
    first = gpuplace.from_frames(*frames).sha256
    assert gpuplace.from_frames(*frames).sha256 == first
    frames.regions.loc[0, "demand"] += 1.0
    assert gpuplace.from_frames(*frames).sha256 != first
    changed = gpuplace.from_frames(*frames).sha256
    frames.settings["solver"] = {"seed": 7, "threads": 1}  # how to solve, not what
    assert gpuplace.from_frames(*frames).sha256 == changed


def _base_frames() -> dict[str, pd.DataFrame]:
    read = {"dtype": str, "keep_default_na": False}
    return {
        name: pd.read_csv(BASE / f"{name}.csv", **read) for name in ("sites", "regions", "gpus")
    }


def _base_settings() -> dict:
    data = tomllib.loads((BASE / "scenario.toml").read_text())
    data.pop("latency")
    for section in ("topology", "sites", "regions", "gpus"):
        data[section].pop("file")
    return data


# (file, row index, column, bad value): each is put into a CSV file and into a frame.
BAD_CELLS = [
    ("sites", 1, "power_kw", "-1"),
    ("sites", 2, "node", "Atlantis"),
    ("sites", 0, "status", "maybe"),
    ("regions", 0, "lat", "95"),
    ("regions", 2, "demand", "lots"),
    ("regions", 3, "allowed_countries", "FRA"),
    ("gpus", 1, "type", "H100"),
    ("gpus", 0, "throughput", "0"),
]


@pytest.mark.parametrize(("name", "row", "column", "value"), BAD_CELLS)
def test_bad_frames_are_reported_as_the_csv_loader_reports_files(
    tmp_path, name, row, column, value
):
    files = ScenarioFiles(tmp_path)
    files.set_cell(f"{name}.csv", row + 1, column, value)
    with pytest.raises(InputError) as from_file:
        gpuplace.load(files.toml)
    frames = _base_frames()
    frames[name].loc[row, column] = value
    with pytest.raises(InputError) as from_frame:
        gpuplace.from_frames(
            frames["sites"],
            frames["regions"],
            frames["gpus"],
            BASE / "topology.json",
            _base_settings(),
        )
    assert _problems(from_frame) == _problems(from_file)
    assert all(p.file == name for p in from_frame.value.problems)


def test_unknown_and_missing_columns_name_the_frame():
    frames = _base_frames()
    sites = frames["sites"].rename(columns={"power_kw": "powr_kw"})
    with pytest.raises(InputError) as error:
        gpuplace.from_frames(sites, frames["regions"], frames["gpus"], BASE / "topology.json")
    assert [str(p) for p in error.value.problems] == [
        "sites: column power_kw: missing required column 'power_kw' (found 'powr_kw': misspelt?)",
        "sites: column powr_kw: unknown column 'powr_kw' (did you mean 'power_kw'?)",
    ]


def test_settings_are_checked_by_the_scenario_schema():
    frames = _base_frames()
    settings = {
        "constraints": {"budgt": 1e6, "max_utilisation": 2.0},
        "sites": {"file": "sites.csv"},
        "latency": {"matrix": "rtt.csv"},
    }
    with pytest.raises(InputError) as error:
        gpuplace.from_frames(*frames.values(), BASE / "topology.json", settings)
    assert {(p.file, p.where) for p in error.value.problems} == {
        ("settings", "constraints.budgt"),
        ("settings", "constraints.max_utilisation"),
        ("settings", "sites.file"),
    }
    settings = {"latency": {"matrix": "rtt.csv"}}
    with pytest.raises(InputError, match="latency.matrix: files are not read here"):
        gpuplace.from_frames(*frames.values(), BASE / "topology.json", settings)


def test_a_named_index_counts_as_a_column():
    frames = _base_frames()
    plain = gpuplace.from_frames(*frames.values(), BASE / "topology.json", _base_settings())
    indexed = gpuplace.from_frames(
        frames["sites"].set_index("id"),
        frames["regions"].set_index("id"),
        frames["gpus"].set_index("type"),
        BASE / "topology.json",
        _base_settings(),
    )
    _same_problem(indexed, plain)


def _graph() -> nx.Graph:
    graph = nx.Graph()
    graph.add_node("Paris", lat=48.86, lon=2.35, country="FR")
    graph.add_node("Lyon", lat=45.76, lon=4.84, country="FR")
    graph.add_node("Berlin", lat=52.52, lon=13.40, country="DE")
    graph.add_edge("Paris", "Lyon", capacity_gbps=100)
    graph.add_edge("Paris", "Berlin", latency_ms=6.0)
    return graph


GPUS = pd.DataFrame({"type": ["H100"], "capex": [25e3], "power_kw": [1.2], "throughput": [1.0]})
REGIONS = pd.DataFrame(
    {
        "id": ["paris", "lyon", "berlin"],
        "lat": [48.85, 45.75, 52.5],
        "lon": [2.3, 4.85, 13.4],
        "demand": [10.0, 5.0, 8.0],
        "sla_rtt_ms": [30.0, 30.0, 30.0],
    }
)


def test_sites_with_coordinates_sit_on_the_nearest_node():
    sites = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "lat": [48.9, 45.7, 52.4],
            "lon": [2.4, 4.8, 13.3],
            "node": ["", None, "Paris"],  # a named node wins over the coordinates
            "power_kw": [100, 100, 100],
        }
    )
    instance = gpuplace.from_frames(sites, REGIONS, GPUS, _graph())
    assert [instance.topology.node_ids[n] for n in instance.site_node] == ["Paris", "Lyon", "Paris"]
    sites.loc[1, "lat"] = 120.0
    with pytest.raises(InputError, match=r"sites: row 2, column lat: 120 is out of range"):
        gpuplace.from_frames(sites, REGIONS, GPUS, _graph())


def test_a_graph_with_a_bad_edge_is_named():
    graph = _graph()
    graph.edges["Paris", "Lyon"]["capacity_gbps"] = "lots"
    sites = pd.DataFrame({"id": ["a"], "node": ["Paris"], "power_kw": [100]})
    with pytest.raises(InputError) as error:
        gpuplace.from_frames(sites, REGIONS, GPUS, graph)
    assert [p.file for p in error.value.problems] == ["graph"]
    assert "lots" in error.value.problems[0].what


def _geo(frame: pd.DataFrame, crs: str | int | None = 4326) -> gpd.GeoDataFrame:
    points = gpd.points_from_xy(frame["lon"], frame["lat"])
    return gpd.GeoDataFrame(frame.drop(columns=["lat", "lon"]), geometry=points, crs=crs)


SITES_AT = pd.DataFrame(
    {"id": ["a", "b"], "lat": [48.9, 52.4], "lon": [2.4, 13.3], "power_kw": [100, 100]}
)


def test_geodataframes_give_the_frames_instance():
    framed = gpuplace.from_frames(SITES_AT, REGIONS, GPUS, _graph())
    geo = gpuplace.from_geodataframes(_geo(SITES_AT), _geo(REGIONS), GPUS, _graph())
    _same_problem(geo, framed)
    mercator = gpuplace.from_geodataframes(
        _geo(SITES_AT).to_crs(3857), _geo(REGIONS).to_crs(3857), GPUS, _graph()
    )
    np.testing.assert_allclose(mercator.region_lat, framed.region_lat, atol=1e-9)
    np.testing.assert_allclose(mercator.region_lon, framed.region_lon, atol=1e-9)
    np.testing.assert_array_equal(mercator.site_node, framed.site_node)
    unset = gpuplace.from_geodataframes(_geo(SITES_AT, None), _geo(REGIONS, None), GPUS, _graph())
    _same_problem(unset, framed)


def test_a_region_polygon_counts_by_a_point_inside_it():
    square = Polygon([(2.0, 48.5), (2.8, 48.5), (2.8, 49.2), (2.0, 49.2)])
    regions = _geo(REGIONS)
    regions.loc[0, "geometry"] = square
    instance = gpuplace.from_geodataframes(_geo(SITES_AT), regions, GPUS, _graph())
    inside = Point(instance.region_lon[0], instance.region_lat[0])
    assert square.contains(inside)


def test_bad_geodataframes_are_named():
    regions = _geo(REGIONS)
    regions.loc[1, "geometry"] = None
    with pytest.raises(InputError) as error:
        gpuplace.from_geodataframes(SITES_AT, regions, GPUS, _graph())
    assert [str(p) for p in error.value.problems] == [
        "sites: must be a GeoDataFrame, got DataFrame",
        "regions: row 2, column geometry: is empty, a point is required",
    ]
    both = _geo(REGIONS).assign(lat=1.0)
    with pytest.raises(InputError, match="regions: column lat: give coordinates either"):
        gpuplace.from_geodataframes(_geo(SITES_AT), both, GPUS, _graph())


def test_load_takes_python_values_as_overrides():
    instance = gpuplace.load(
        gpuplace.dataset("apac"),
        {"constraints.budget": 2e8, "constraints.single_sourcing": True, "solver.name": "highs"},
    )
    assert instance.constraints.budget == 2e8
    assert instance.constraints.single_sourcing is True
    assert instance.solver.name == "highs"
    with pytest.raises(InputError, match="did you mean 'constraints.budget'"):
        gpuplace.load(gpuplace.dataset("apac"), {"constraints.budgt": 1})


def test_datasets():
    assert gpuplace.dataset("apac").is_file()
    with pytest.raises(InputError, match="no bundled dataset of that name"):
        gpuplace.dataset("mars")
    corner = gpuplace.dataset_frames("apac", countries=["AU", "NZ"])
    assert set(corner.sites["country"]) == set(corner.regions["country"]) == {"AU", "NZ"}
    assert corner.graph.number_of_nodes() == gpuplace.dataset_frames("apac").graph.number_of_nodes()
