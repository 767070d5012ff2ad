"""inspect_topology against hand-computed statistics."""

from __future__ import annotations

import json
import math

import pytest

from gpuplace.topo import inspect_topology, read_topology
from gpuplace.topo.graph import make_topology
from support.topo_helpers import FIXTURES, needs_topohub


def _example():
    # a -1ms- b -2ms- w(waypoint) -4ms- c ; d isolated ; e has no position and a link to d
    return make_topology(
        ["a", "b", "w", "c", "d", "e"],
        [0, 0, 0, 0, 10, math.nan],
        [0, 1, 2, 3, 10, math.nan],
        [("a", "b"), ("b", "w"), ("w", "c"), ("d", "e")],
        latency_ms=[1.0, 2.0, 4.0, math.nan],
        capacity_gbps=[10.0, 20.0, math.inf, 5.0],
        kind=["city", "city", "waypoint", "dc", "dc", ""],
    )


def test_hand_computed_report():
    report = inspect_topology(_example())
    assert report["nodes"] == 6 and report["links"] == 4
    assert report["nodes_by_kind"] == {"city": 2, "dc": 2, "unknown": 1, "waypoint": 1}
    assert report["components"] == {"count": 2, "sizes": [4, 2]}
    assert report["nodes_without_coordinates"] == 1
    assert report["links_without_capacity"] == 1
    assert report["total_capacity_gbps"] == 35.0
    assert report["links_without_latency"] == 1  # d-e: no latency, e has no position
    assert report["link_latency_ms"] == {"min": 1.0, "mean": 7 / 3, "max": 4.0}
    # non-waypoint pairs that are reachable: a-b 1, a-c 7, b-c 6
    node = report["node_latency_ms"]
    assert node["pairs"] == 3 and node["sampled"] is False
    assert (node["min"], node["mean"], node["max"]) == (1.0, pytest.approx(14 / 3), 7.0)
    assert report["diameter_ms"] == 7.0
    json.dumps(report)  # JSON-ready


def test_latency_settings_are_used():
    t = make_topology(["a", "b"], [0, 0], [0, 1], [("a", "b")])
    report = inspect_topology(t, fibre_km_per_ms=100, link_route_factor=2, per_hop_ms=1)
    expected = 6371.0088 * math.pi / 180 * 2 / 100 + 1
    assert report["diameter_ms"] == pytest.approx(expected)
    assert report["link_latency_ms"]["max"] == pytest.approx(expected)


def test_no_pairs():
    t = make_topology(["a"], [0], [0])
    report = inspect_topology(t)
    assert report["node_latency_ms"]["pairs"] == 0
    assert report["diameter_ms"] is None
    assert report["link_latency_ms"] == {"min": None, "mean": None, "max": None}


def test_sampling_is_seeded():
    t = read_topology(FIXTURES / "zoo_small.graphml")
    full = inspect_topology(t)
    sampled = inspect_topology(t, max_sources=2, seed=3)
    assert sampled["node_latency_ms"]["sampled"] is True
    assert sampled == inspect_topology(t, max_sources=2, seed=3)
    assert sampled["diameter_ms"] <= full["diameter_ms"]
    assert full["node_latency_ms"]["pairs"] == 6  # 4 placed, connected nodes: 4*3/2


@needs_topohub
def test_world_backbone_report():
    report = inspect_topology(read_topology("topohub:backbone/world"))
    assert report["nodes_by_kind"] == {"city": 1246, "landing": 620, "waypoint": 1949}
    assert report["components"]["count"] == 1
    assert report["node_latency_ms"]["sampled"] is True
    assert 100 < report["diameter_ms"] < 400  # half way round the world in fibre: ~100-200 ms
