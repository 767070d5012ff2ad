"""The latency model against hand-computed values and an independent networkx/geopy computation."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from geopy.distance import great_circle

from gpuplace.topo import latency, read_topology
from gpuplace.topo.geo import EARTH_RADIUS_KM, haversine_km
from gpuplace.topo.graph import make_topology
from support.topo_helpers import FIXTURES

R = 6371.0088


def test_haversine_hand_computed():
    # one degree of the equator = R * pi / 180
    assert float(haversine_km(0, 0, 0, 1)) == pytest.approx(R * math.pi / 180, rel=1e-12)
    assert float(haversine_km(0, 0, 0, 1)) == pytest.approx(111.1950802335329, rel=1e-12)
    # equator to pole = a quarter of the circumference
    assert float(haversine_km(0, 0, 90, 0)) == pytest.approx(R * math.pi / 2, rel=1e-12)
    # antipodes = half the circumference
    assert float(haversine_km(0, 0, 0, 180)) == pytest.approx(R * math.pi, rel=1e-12)
    assert EARTH_RADIUS_KM == R


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((51.5074, -0.1278), (48.8566, 2.3522)),  # London - Paris
        ((-33.8688, 151.2093), (1.3521, 103.8198)),  # Sydney - Singapore
        ((40.7128, -74.0060), (35.6762, 139.6503)),  # New York - Tokyo
    ],
)
def test_haversine_matches_geopy(a, b):
    expected = great_circle(a, b, radius=R).km
    assert float(haversine_km(a[0], a[1], b[0], b[1])) == pytest.approx(expected, rel=1e-9)


def _line(**kwargs):
    return make_topology(["a", "b"], [0.0, 0.0], [0.0, 1.0], [("a", "b")], **kwargs)


def test_derived_link_latency():
    one_degree_km = R * math.pi / 180
    t = _line()
    ms = latency.link_latency_ms(t, fibre_km_per_ms=200, link_route_factor=1, per_hop_ms=0.5)
    assert ms[0] == pytest.approx(one_degree_km / 200 + 0.5)
    ms = latency.link_latency_ms(t, fibre_km_per_ms=200, link_route_factor=1.5, per_hop_ms=0)
    assert ms[0] == pytest.approx(one_degree_km * 1.5 / 200)
    # a given latency wins and gets no per-hop addition
    ms = latency.link_latency_ms(_line(latency_ms=[7.0]), 200, 1.5, 0.5)
    assert ms[0] == 7.0


def test_given_distance_is_not_stretched():
    t = read_topology(FIXTURES / "small.json")  # mel-wp1 has dist 1500 km
    ms = latency.link_latency_ms(t, fibre_km_per_ms=200, link_route_factor=2.0, per_hop_ms=0.25)
    assert ms[1] == pytest.approx(1500 / 200 + 0.25)
    assert ms[0] == 4.5  # merged parallel links: the lowest given latency


def _triangle():
    # a-b 1 ms, stored c->b 2 ms, a-c 5 ms: the best a-c path goes through b (3 ms)
    return make_topology(
        ["a", "b", "c"],
        [0.0, 0.0, 0.0],
        [0.0, 1.0, 2.0],
        [("a", "b"), ("c", "b"), ("a", "c")],
        latency_ms=[1.0, 2.0, 5.0],
    )


def test_shortest_path_through_three_nodes():
    t = _triangle()
    link = latency.link_latency_ms(t, 200, 1, 0)
    paths = latency.shortest_paths(t, link, np.array([0, 2]))
    assert paths.sources.tolist() == [0, 2]
    assert paths.one_way_ms[0].tolist() == [0.0, 1.0, 3.0]
    assert paths.one_way_ms[1].tolist() == [3.0, 2.0, 0.0]
    assert paths.predecessors[0, 2] == 1 and paths.predecessors[0, 1] == 0
    limited = latency.shortest_paths(t, link, np.array([0]), limit_ms=2.0)
    assert limited.one_way_ms[0, 1] == 1.0 and math.isinf(limited.one_way_ms[0, 2])


def test_candidate_pairs_sla_cut_mask_and_matrix():
    t = _triangle()
    paths = latency.shortest_paths(t, latency.link_latency_ms(t, 200, 1, 0), np.array([0, 2]))
    attach = np.array([0, 2])
    access = np.array([0.5, 0.0])
    sla = np.array([3.0, 5.0])
    sites = np.array([0, 1, 2])
    # rtt r0: a 1, b 3 (= SLA, kept), c 7; r1: a 6, b 4, c 0
    pairs = latency.candidate_pairs(paths, attach, access, sla, sites)
    assert pairs.region.tolist() == [0, 0, 1, 1]
    assert pairs.site.tolist() == [0, 1, 1, 2]
    assert pairs.rtt_ms.tolist() == [1.0, 3.0, 4.0, 0.0]
    allowed = np.ones((2, 3), dtype=bool)
    allowed[0, 1] = False
    masked = latency.candidate_pairs(paths, attach, access, sla, sites, allowed=allowed)
    assert list(zip(masked.region.tolist(), masked.site.tolist(), strict=True)) == [
        (0, 0),
        (1, 1),
        (1, 2),
    ]
    matrix = (np.array([1]), np.array([0]), np.array([2.0]))
    measured = latency.candidate_pairs(paths, attach, access, sla, sites, matrix=matrix)
    assert list(zip(measured.region.tolist(), measured.site.tolist(), strict=True))[2:] == [
        (1, 0),
        (1, 1),
        (1, 2),
    ]
    assert measured.rtt_ms[2] == 2.0
    only = latency.candidate_pairs(
        paths, attach, access, sla, sites, matrix=matrix, matrix_only=True
    )
    assert (only.region.tolist(), only.site.tolist(), only.rtt_ms.tolist()) == ([1], [0], [2.0])


def test_pair_links_directions():
    t = _triangle()
    paths = latency.shortest_paths(t, latency.link_latency_ms(t, 200, 1, 0), np.array([0, 2]))
    # pair 0: region at c served from a: traffic a->b (link 0 as stored: column 0),
    #         b->c (link 1 stored c->b, so reversed: column 3)
    # pair 1: region at a served from c: c->b (column 2), b->a (column 1)
    # pair 2: region at a served from a: no link
    m = latency.pair_links(t, paths, np.array([2, 0, 0]), np.array([0, 2, 0])).toarray()
    assert m.shape == (3, 6)
    assert np.flatnonzero(m[0]).tolist() == [0, 3]
    assert np.flatnonzero(m[1]).tolist() == [1, 2]
    assert not m[2].any()
    assert set(np.unique(m).tolist()) <= {0.0, 1.0}


def test_links_without_latency_are_not_used():
    t = make_topology(
        ["a", "b", "x"], [0.0, 0.0, math.nan], [0.0, 1.0, math.nan], [("a", "b"), ("b", "x")]
    )
    link = latency.link_latency_ms(t, 200, 1, 0)
    assert np.isnan(link[1])
    paths = latency.shortest_paths(t, link, np.array([0]))
    assert paths.one_way_ms[0, 1] == pytest.approx(R * math.pi / 180 / 200)
    assert math.isinf(paths.one_way_ms[0, 2])


def test_nearest_nodes_skip_waypoints_and_unplaced_nodes():
    t = make_topology(
        ["wp", "city", "far", "nowhere"],
        [0.0, 0.0, 0.0, math.nan],
        [0.0, 1.0, 10.0, math.nan],
        kind=["waypoint", "city", "", ""],
    )
    got = latency.nearest_nodes(t, np.array([0.0, 0.0]), np.array([0.1, 9.0]))
    assert got.tolist() == [1, 2]


def test_shortest_paths_agree_with_networkx_and_geopy():
    t = read_topology(FIXTURES / "zoo_small.graphml")
    fibre, factor, hop = 200.0, 1.3, 0.2
    link = latency.link_latency_ms(t, fibre, factor, hop)
    paths = latency.shortest_paths(t, link, np.arange(t.n_nodes))
    graph = nx.Graph()
    graph.add_nodes_from(range(t.n_nodes))
    for s, d in zip(t.edge_src.tolist(), t.edge_dst.tolist(), strict=True):
        if np.isnan(t.node_lat[s]) or np.isnan(t.node_lat[d]):
            continue
        km = great_circle(
            (t.node_lat[s], t.node_lon[s]), (t.node_lat[d], t.node_lon[d]), radius=R
        ).km
        graph.add_edge(s, d, ms=km * factor / fibre + hop)
    for source in range(t.n_nodes):
        expected = nx.single_source_dijkstra_path_length(graph, source, weight="ms")
        for target in range(t.n_nodes):
            got = paths.one_way_ms[source, target]
            if target in expected:
                assert got == pytest.approx(expected[target], rel=1e-9)
            else:
                assert math.isinf(got)


def test_nearest_nodes_equal_a_full_scan():
    rng = np.random.default_rng(7)
    n = 300
    node_lat = rng.uniform(-80, 80, n)
    node_lon = rng.uniform(-180, 180, n)
    node_lat[50:70], node_lon[50:70] = 12.5, 45.0  # 20 co-located nodes: ties beyond k
    kind = ["waypoint" if i % 5 == 0 else "city" for i in range(n)]
    t = make_topology([f"n{i}" for i in range(n)], node_lat, node_lon, kind=kind)
    lat = np.concatenate([rng.uniform(-90, 90, 2000), [12.5, 12.5001], node_lat])
    lon = np.concatenate([rng.uniform(-180, 180, 2000), [45.0, 45.0], node_lon])
    got = latency.nearest_nodes(t, lat, lon)
    usable = np.array([k != "waypoint" for k in kind])
    d = haversine_km(lat[:, None], lon[:, None], node_lat[None, :], node_lon[None, :])
    d[:, ~usable] = np.inf
    np.testing.assert_array_equal(got, np.argmin(d, axis=1))  # argmin: lowest index on ties
    assert got[2000] == 51  # node 50 is a waypoint; 51 the lowest usable co-located node
