"""Readers: fixtures by hand in every format, TopoHub data, and malformed input."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from gpuplace.errors import InputError
from gpuplace.topo import read_topology
from support.topo_helpers import FIXTURES, needs_topohub

# --------------------------------------------------------------------------- fixtures by hand


def test_node_link_fixture_fields_and_merging():
    t = read_topology(FIXTURES / "small.json")
    assert t.node_ids == ("syd", "mel", "7", "wp1", "akl")  # int id 7 -> "7"
    assert t.node_name == ("Sydney", "Melbourne", "Perth", "wp1", "akl")  # name defaults to id
    assert t.node_kind == ("city", "city", "dc", "waypoint", "landing")  # TopoHub types mapped
    assert t.node_country == ("AU", "AU", "AU", "", "NZ")
    # pos = [lon, lat]
    assert (t.node_lat[1], t.node_lon[1]) == (-37.814, 144.96332)
    assert (t.node_lat[3], t.node_lon[3]) == (-40.0, 130.0)
    pairs = [(t.node_ids[s], t.node_ids[d]) for s, d in zip(t.edge_src, t.edge_dst, strict=True)]
    assert pairs == [("syd", "mel"), ("mel", "wp1"), ("wp1", "7"), ("syd", "akl")]
    # syd-mel twice: capacities add, the lowest latency wins
    assert t.edge_capacity_gbps[0] == 140.0
    assert t.edge_latency_ms[0] == 4.5
    # "dist" and "distance_km" both read; no capacity -> uncapacitated
    assert t.edge_distance_km[1] == 1500.0 and t.edge_capacity_gbps[1] == 10.0
    assert t.edge_distance_km[2] == 1700.0 and math.isinf(t.edge_capacity_gbps[2])
    # a capacitated link merged with an uncapacitated one is uncapacitated
    assert math.isinf(t.edge_capacity_gbps[3])
    assert np.isnan(t.edge_latency_ms[1:]).all()


def test_graphml_topology_zoo_fixture():
    t = read_topology(FIXTURES / "zoo_small.graphml")
    assert t.node_ids == ("0", "1", "2", "3", "4")
    assert t.node_name == ("New York", "Chicago", "Washington DC", "Atlanta", "Peering")
    assert t.node_country[0] == "United States" and t.node_country[4] == ""
    assert (t.node_lat[0], t.node_lon[0]) == (40.71427, -74.00597)
    assert np.isnan(t.node_lat[4]) and np.isnan(t.node_lon[4])  # external node without position
    assert t.n_edges == 5  # 7 edges, two pairs of parallel ones
    capacity = {
        (t.node_ids[s], t.node_ids[d]): c
        for s, d, c in zip(t.edge_src, t.edge_dst, t.edge_capacity_gbps, strict=True)
    }
    assert capacity[("0", "1")] == 12.5  # 10 Gbit/s + 2.5 Gbit/s from LinkSpeedRaw
    assert capacity[("0", "2")] == 10.0
    assert math.isinf(capacity[("2", "3")])  # no LinkSpeedRaw
    assert math.isinf(capacity[("1", "3")])  # 10 Gbit/s merged with an uncapacitated link
    assert math.isinf(capacity[("3", "4")])


def test_gml_topology_zoo_fixture():
    t = read_topology(FIXTURES / "zoo_small.gml")
    assert t.node_ids == ("0", "1", "2", "3")
    assert t.node_name == ("Sydney", "Melbourne", "Brisbane", "None")
    assert t.node_country[:3] == ("Australia",) * 3
    assert (t.node_lat[0], t.node_lon[0]) == (-33.86785, 151.20732)
    assert np.isnan(t.node_lat[3])  # hyperedge node
    pairs = sorted(
        (min(t.node_ids[s], t.node_ids[d]), max(t.node_ids[s], t.node_ids[d]), c)
        for s, d, c in zip(t.edge_src, t.edge_dst, t.edge_capacity_gbps, strict=True)
    )
    assert pairs == [("0", "1", 11.0), ("0", "2", 2.5), ("2", "3", math.inf)]


def test_gml_parallel_edges_without_multigraph_flag(tmp_path):
    text = (FIXTURES / "zoo_small.gml").read_text().replace("  multigraph 1\n", "")
    path = tmp_path / "nomulti.gml"
    path.write_text(text)
    t = read_topology(path)
    assert t.n_edges == 3
    assert sorted(t.edge_capacity_gbps.tolist()) == [2.5, 11.0, math.inf]


def test_sndlib_native_fixture():
    t = read_topology(FIXTURES / "sndlib_small.txt")
    assert t.node_ids == ("Seattle", "PaloAlto", "SaltLakeCity", "Boulder")
    assert (t.node_lat[0], t.node_lon[0]) == (47.60, -122.30)  # ( lon lat ) in the file
    caps = {
        (t.node_ids[s], t.node_ids[d]): c
        for s, d, c in zip(t.edge_src, t.edge_dst, t.edge_capacity_gbps, strict=True)
    }
    assert caps == {
        ("Seattle", "PaloAlto"): 160.0,  # 0 pre-installed + largest module 160
        ("Seattle", "SaltLakeCity"): 50.0,  # 10 + 40
        ("PaloAlto", "SaltLakeCity"): math.inf,  # nothing installed, no modules
        ("SaltLakeCity", "Boulder"): 45.0,  # 5 (no modules) + parallel 0 + 40
    }


@pytest.mark.parametrize("name", ["bomb.graphml", "xxe.graphml"])
def test_graphml_entities_are_refused(name):
    with pytest.raises(InputError) as info:
        read_topology(FIXTURES / name)
    message = str(info.value)
    assert name in message and "refused" in message
    assert "root:" not in message  # /etc/passwd was not read into the error


def test_graphml_external_dtd_is_not_fetched(tmp_path):
    path = tmp_path / "dtd.graphml"
    path.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE graphml SYSTEM "http://127.0.0.1:9/graphml.dtd">\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>'
        '<node id="a"/></graph></graphml>'
    )
    t = read_topology(path)  # the DTD is never fetched: parsing just goes on
    assert t.node_ids == ("a",)


# --------------------------------------------------------------------------- TopoHub


@needs_topohub
def test_topohub_world_backbone():
    t = read_topology("topohub:backbone/world")
    assert (t.n_nodes, t.n_edges) == (3815, 5189)
    kinds = {k: t.node_kind.count(k) for k in set(t.node_kind)}
    assert kinds == {"city": 1246, "landing": 620, "waypoint": 1949}
    assert np.isfinite(t.edge_distance_km).all()
    assert np.isinf(t.edge_capacity_gbps).all()
    assert t.source == "topohub:backbone/world"


@needs_topohub
def test_topohub_zoo_and_sndlib_match_the_package_data():
    import topohub

    for key in ("topozoo/Abilene", "sndlib/geant", "sndlib/nobel-us"):
        data = topohub.get(key)
        t = read_topology(f"topohub:{key}")
        assert t.node_ids == tuple(str(n["id"]) for n in data["nodes"])
        assert t.node_lon.tolist() == [n["pos"][0] for n in data["nodes"]]
        assert t.node_lat.tolist() == [n["pos"][1] for n in data["nodes"]]
        ends = {frozenset((str(e["source"]), str(e["target"]))) for e in data["edges"]}
        assert t.n_edges == len(ends)


@needs_topohub
@pytest.mark.parametrize("key", ["topohub:no/such", "topohub:../../etc/passwd", "topohub:"])
def test_topohub_bad_keys(key):
    with pytest.raises(InputError) as info:
        read_topology(key)
    assert key in str(info.value)


def test_topohub_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "topohub", None)
    with pytest.raises(InputError, match=r"gpuplace\[data\]"):
        read_topology("topohub:backbone/world")


# --------------------------------------------------------------------------- malformed input


def _nodes(*extra):
    return [{"id": "a", "lat": 1.0, "lon": 2.0}, {"id": "b", "lat": 3.0, "lon": 4.0}, *extra]


BAD_JSON = {
    "bad_json": ("{nodes: [", "not valid JSON"),
    "missing_nodes": (json.dumps({"edges": []}), "nodes"),
    "not_an_object": (json.dumps([1, 2]), "expected a JSON object"),
    "unknown_node": (
        json.dumps({"nodes": _nodes(), "edges": [{"source": "a", "target": "zz"}]}),
        "edges[0] ('a'-'zz'): target 'zz' is not a node",
    ),
    "non_numeric_latency": (
        json.dumps(
            {"nodes": _nodes(), "edges": [{"source": "a", "target": "b", "latency_ms": "x"}]}
        ),
        "edges[0] ('a'-'b'): latency_ms must be a number",
    ),
    "nan_latency": (
        '{"nodes": [{"id": "a"}, {"id": "b"}], "edges": [{"source": "a", "target": "b", '
        '"latency_ms": NaN}]}',
        "line 1, column 94: is not valid JSON: NaN is not a JSON number",
    ),
    "lat_range": (
        json.dumps({"nodes": [{"id": "a", "lat": 91, "lon": 0}], "edges": []}),
        "nodes[0] (id 'a'): latitude 91.0 is outside [-90, 90]",
    ),
    "lon_range": (
        json.dumps({"nodes": [{"id": "a", "pos": [-180.5, 0]}], "edges": []}),
        "nodes[0] (id 'a'): longitude -180.5 is outside [-180, 180]",
    ),
    "negative_capacity": (
        json.dumps(
            {"nodes": _nodes(), "edges": [{"source": "a", "target": "b", "capacity_gbps": -1}]}
        ),
        "capacity_gbps must not be negative",
    ),
    "negative_latency": (
        json.dumps(
            {"nodes": _nodes(), "edges": [{"source": "a", "target": "b", "latency_ms": -2}]}
        ),
        "latency_ms must not be negative",
    ),
    "self_loop": (
        json.dumps({"nodes": _nodes(), "links": [{"source": "a", "target": "a"}]}),
        "links[0] ('a'-'a'): self-loop",
    ),
    "duplicate_id": (
        json.dumps({"nodes": [{"id": 1}, {"id": "1"}], "edges": []}),
        "nodes[1] (id '1'): duplicate node id",
    ),
    "missing_id": (
        json.dumps({"nodes": [{"lat": 1, "lon": 1}], "edges": []}),
        "nodes[0]: id missing",
    ),
    "bool_id": (json.dumps({"nodes": [{"id": True}]}), "id must be a string or an integer"),
    "half_position": (
        json.dumps({"nodes": [{"id": "a", "lat": 10}]}),
        "nodes[0] (id 'a'): latitude and longitude must be given together",
    ),
    "bad_pos": (json.dumps({"nodes": [{"id": "a", "pos": [1]}]}), "pos must be [lon, lat]"),
    "no_nodes": (json.dumps({"nodes": [], "edges": []}), "no nodes"),
    "empty": ("", "not valid JSON"),
    "deep": ("[" * 100000 + "]" * 100000, "nested more than 100 levels deep"),
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_malformed_node_link(tmp_path, case):
    text, expected = BAD_JSON[case]
    path = tmp_path / f"{case}.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_topology(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message


def test_all_problems_reported_together(tmp_path):
    path = tmp_path / "many.json"
    nodes = [{"id": "a", "lat": 100, "lon": 0}, {"id": "b", "lat": 0, "lon": 500}]
    edges = [{"source": "a", "target": "c"}, {"source": "b", "target": "b"}]
    path.write_text(json.dumps({"nodes": nodes, "edges": edges}))
    with pytest.raises(InputError) as info:
        read_topology(path)
    assert len(info.value.problems) == 4


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("random.graphml", "\x00\x01garbage", "not valid XML"),
        ("root.graphml", "<svg/>", "not GraphML"),
        ("encoding.graphml", '<?xml version="1.0" encoding="tf-8"?><graphml/>', "not valid XML"),
        (
            "undeclared.graphml",
            '<graphml><graph><node id="a"><data key="k9">1</data></node></graph></graphml>',
            "node 1: data key 'k9' is not declared",
        ),
        (
            "badlat.graphml",
            '<graphml><key id="d0" for="node" attr.name="Latitude" attr.type="double"/>'
            '<graph><node id="a"><data key="d0">north</data></node></graph></graphml>',
            "node 1: Latitude must be a number",
        ),
        (
            "unknown.graphml",
            '<graphml><graph><node id="a"/><edge source="a" target="b"/></graph></graphml>',
            "edge 1 ('a'-'b'): target 'b' is not a node",
        ),
        ("broken.gml", "graph [ node [ id 0 ", "not valid GML"),
        ("dup.gml", "graph [ node [ id 0 ] node [ id 0 ] ]", "not valid GML"),
        (
            "lat.gml",
            "graph [ node [ id 0 Latitude 95 Longitude 0 ] ]",
            "node 1 (id '0'): latitude 95.0 is outside [-90, 90]",
        ),
        ("loop.gml", "graph [ node [ id 0 ] edge [ source 0 target 0 ] ]", "self-loop"),
        ("nonodes.txt", "LINKS (\n)\n", "no NODES section"),
        ("badnode.txt", "NODES (\n  A ( 1 )\n)\n", "line 2: expected 'id ( lon lat )'"),
        (
            "badlink.txt",
            "NODES (\n  A ( 1 1 )\n  B ( 2 2 )\n)\nLINKS (\n  L1 ( A B ) x 0 0 0 ( )\n)\n",
            "line 6: pre-installed capacity must be a number",
        ),
        (
            "unknown.txt",
            "NODES (\n  A ( 1 1 )\n)\nLINKS (\n  L1 ( A Z ) 1 0 0 0 ( )\n)\n",
            "line 5 ('A'-'Z'): target 'Z' is not a node",
        ),
        ("unclosed.txt", "NODES (\n  A ( 1 1 )\n", "section NODES is not closed"),
        ("latin1.txt", b"NODES (\n  \xe9 ( 1 1 )\n)\n", "not UTF-8 text"),
        ("topology.csv", "a,b\n", "unknown topology format '.csv'"),
    ],
)
def test_malformed_other_formats(tmp_path, name, text, expected):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(InputError) as info:
        read_topology(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_topology(tmp_path / "nope.json")
    folder = tmp_path / "dir.json"
    folder.mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        read_topology(folder)
