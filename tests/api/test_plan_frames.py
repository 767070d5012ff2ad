"""A plan's DataFrames and GeoDataFrames add up to the plan and its instance."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiLineString, Point

import gpuplace
from gpuplace.planning.plans import primary_sites
from gpuplace.solvers.plan.frames import (
    ASSIGNMENT_COLUMNS,
    GPU_COLUMNS,
    LINK_COLUMNS,
    REGION_COLUMNS,
    SITE_COLUMNS,
    UNSERVED_COLUMNS,
)


@pytest.fixture(scope="module")
def solved():
    """Australia and New Zealand of the bundled data, a served-demand objective under a
    budget that leaves some demand unserved."""
    frames = gpuplace.dataset_frames("apac", countries=["AU", "NZ"])
    frames.settings["objective"] = {"kind": "served"}
    frames.settings["constraints"]["budget"] = 1.2e7
    instance = gpuplace.from_frames(*frames)
    plan = gpuplace.solve(instance, threads=1, seed=0)
    assert plan.has_decisions and plan.unserved, "the budget should leave demand unserved"
    return instance, plan


def test_sites_and_gpus(solved):
    instance, plan = solved
    sites = plan.sites_frame(instance)
    assert list(sites.columns) == [*SITE_COLUMNS, "lat", "lon"]
    assert list(sites["site"]) == [s.id for s in plan.sites]
    node = [instance.site_node[instance.site_ids.index(s)] for s in sites["site"]]
    np.testing.assert_array_equal(sites["lat"], instance.topology.node_lat[node])
    np.testing.assert_array_equal(sites["lon"], instance.topology.node_lon[node])
    gpus = plan.gpus_frame()
    assert list(gpus.columns) == list(GPU_COLUMNS)
    assert gpus.groupby("gpu_type")["gpus"].sum().to_dict() == dict(plan.kpis.gpus)
    per_site = gpus.groupby("site")[["gpus", "new_gpus"]].sum()
    indexed = sites.set_index("site")
    assert (per_site["gpus"] == indexed.loc[per_site.index, "gpus"]).all()
    assert (per_site["new_gpus"] == indexed.loc[per_site.index, "new_gpus"]).all()
    assert (gpus["existing_gpus"] == gpus["gpus"] - gpus["new_gpus"]).all()
    assert len(plan.sites_frame().columns) == len(SITE_COLUMNS)


def test_regions_add_up(solved):
    instance, plan = solved
    regions = plan.regions_frame(instance)
    assignments = plan.assignments_frame()
    unserved = plan.unserved_frame()
    assert list(regions.columns) == list(REGION_COLUMNS)
    assert list(assignments.columns) == list(ASSIGNMENT_COLUMNS)
    assert list(unserved.columns) == list(UNSERVED_COLUMNS)
    assert list(regions["region"]) == list(instance.region_ids)
    np.testing.assert_allclose(
        regions["served_demand"] + regions["unserved_demand"], instance.region_demand, rtol=1e-6
    )
    by_region = assignments.groupby("region")["served_demand"].sum()
    np.testing.assert_allclose(
        regions.set_index("region").loc[by_region.index, "served_demand"], by_region, rtol=1e-9
    )
    lost = unserved.set_index("region")["unserved_demand"]
    np.testing.assert_allclose(
        regions.set_index("region").loc[lost.index, "unserved_demand"], lost, rtol=1e-12
    )
    total = regions["demand"].sum()
    assert regions["served_demand"].sum() / total == pytest.approx(plan.kpis.served_fraction)
    served = regions["served_demand"] > 0
    weighted = (regions["mean_rtt_ms"][served] * regions["served_demand"][served]).sum()
    assert weighted / regions["served_demand"].sum() == pytest.approx(plan.kpis.mean_rtt_ms)
    primary = primary_sites(plan)
    named = regions["primary_site"].notna()
    assert (
        dict(zip(regions["region"][named], regions["primary_site"][named], strict=True)) == primary
    )
    counts = regions["region"].map(assignments["region"].value_counts()).fillna(0)
    assert (regions["sites"] == counts).all()
    assert regions["primary_site"].isna().sum() == (regions["sites"] == 0).sum() > 0


def test_links(solved):
    _, plan = solved
    links = plan.links_frame()
    assert list(links.columns) == list(LINK_COLUMNS)
    assert len(links) == len(plan.links) > 0
    assert links["utilisation"].max() == pytest.approx(plan.kpis.max_link_utilisation)


def test_a_plan_without_decisions_has_empty_frames(solved):
    instance, plan = solved
    frames = gpuplace.dataset_frames("apac", countries=["AU"])
    frames.settings["constraints"]["budget"] = 1.0
    none = gpuplace.solve(gpuplace.from_frames(*frames), threads=1)
    assert not none.has_decisions
    for frame, columns in (
        (none.sites_frame(), SITE_COLUMNS),
        (none.gpus_frame(), GPU_COLUMNS),
        (none.assignments_frame(), ASSIGNMENT_COLUMNS),
        (none.links_frame(), LINK_COLUMNS),
        (none.unserved_frame(), UNSERVED_COLUMNS),
    ):
        assert frame.empty and list(frame.columns) == list(columns)


def test_regions_of_another_scenario_are_refused(solved):
    instance, plan = solved
    other = gpuplace.from_frames(*gpuplace.dataset_frames("apac", countries=["NZ"]))
    with pytest.raises(gpuplace.InputError, match="unknown site"):
        plan.regions_frame(other)


def test_geodataframes(solved):
    instance, plan = solved
    layers = plan.to_geodataframes(instance)
    assert set(layers) == {"sites", "regions", "assignments", "links"}
    assert all(layer.crs.to_epsg() == 4326 for layer in layers.values())
    sites = layers["sites"].set_index("site")
    for site in plan.sites:
        n = instance.site_node[instance.site_ids.index(site.id)]
        point = Point(instance.topology.node_lon[n], instance.topology.node_lat[n])
        assert sites.loc[site.id, "geometry"].equals(point)
    regions = layers["regions"].set_index("region")
    assert regions.geometry.x.tolist() == list(instance.region_lon)
    for row in layers["assignments"].itertuples():
        start, end = row.geometry.coords[0], row.geometry.coords[-1]
        assert start == (regions.loc[row.region].geometry.x, regions.loc[row.region].geometry.y)
        assert Point(end).equals(sites.loc[row.site, "geometry"])
    assert len(layers["links"]) == len(plan.links)
    assert all(isinstance(g, LineString) for g in layers["links"].geometry)


def _pacific() -> tuple[gpuplace.Instance, gpuplace.Plan]:
    """One site on Fiji's side of the antimeridian serving a region on Samoa's."""
    graph = nx.Graph()
    graph.add_node("Suva", lat=-18.1, lon=178.4, country="FJ")
    graph.add_node("Apia", lat=-13.8, lon=-171.8, country="WS")
    graph.add_edge("Suva", "Apia", capacity_gbps=10)
    sites = pd.DataFrame({"id": ["suva1"], "node": ["Suva"], "power_kw": [100]})
    regions = pd.DataFrame(
        {"id": ["apia"], "lat": [-13.85], "lon": [-171.75], "demand": [4.0], "sla_rtt_ms": [50.0]}
    )
    gpus = pd.DataFrame({"type": ["H100"], "capex": [1.0], "power_kw": [1.0], "throughput": [1.0]})
    settings = {"regions": {"gbps_per_unit": 1.0}}
    instance = gpuplace.from_frames(sites, regions, gpus, graph, settings, name="pacific")
    return instance, gpuplace.solve(instance, threads=1)


def test_lines_across_the_antimeridian_are_split_there():
    instance, plan = _pacific()
    layers = plan.to_geodataframes(instance)
    for layer in ("assignments", "links"):
        (line,) = layers[layer].geometry
        assert isinstance(line, MultiLineString), layer
        first, second = line.geoms
        assert {first.coords[-1][0], second.coords[0][0]} == {180.0, -180.0}, layer
        assert first.coords[-1][1] == second.coords[0][1]  # the same latitude on both sides
        assert first.length + second.length < 20  # the short way, not 350 degrees round
        assert all(-180 <= x <= 180 for part in line.geoms for x, _ in part.coords)


def test_frames_do_not_change_the_plan(solved):
    instance, plan = solved
    before = plan.to_json()
    regions, sites = plan.regions_frame(instance), plan.sites_frame(instance)
    regions["demand"] = 0.0
    sites["gpus"] = 0
    assert plan.to_json() == before
    assert dataclasses.replace(plan).sites_frame().equals(plan.sites_frame())
