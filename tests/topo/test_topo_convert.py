"""Node-link conversion: every reader's output survives write -> read unchanged."""

from __future__ import annotations

import json

import pytest

from gpuplace.errors import InputError
from gpuplace.topo import read_topology, to_node_link, write_node_link
from support.topo_helpers import FIXTURES, assert_same_topology, needs_topohub


@pytest.mark.parametrize(
    "name", ["small.json", "zoo_small.graphml", "zoo_small.gml", "sndlib_small.txt"]
)
def test_round_trip_fixtures(tmp_path, name):
    original = read_topology(FIXTURES / name)
    out = write_node_link(original, tmp_path / "out.json")
    again = read_topology(out)
    assert_same_topology(original, again)
    # writing the re-read topology gives the same nodes and edges again
    assert to_node_link(again)["nodes"] == to_node_link(original)["nodes"]
    assert to_node_link(again)["edges"] == to_node_link(original)["edges"]


@needs_topohub
@pytest.mark.parametrize("key", ["backbone/world", "sndlib/geant", "topozoo/Abilene"])
def test_round_trip_topohub(tmp_path, key):
    original = read_topology(f"topohub:{key}")
    again = read_topology(write_node_link(original, tmp_path / "out.json"))
    assert_same_topology(original, again)


def test_written_fields(tmp_path):
    t = read_topology(FIXTURES / "zoo_small.graphml")
    data = json.loads(write_node_link(t, tmp_path / "z.json").read_text())
    assert data["nodes"][0] == {
        "id": "0",
        "lat": 40.71427,
        "lon": -74.00597,
        "name": "New York",
        "country": "United States",
        "kind": "",
    }
    assert "lat" not in data["nodes"][4] and "lon" not in data["nodes"][4]  # no position
    assert data["edges"][0] == {"source": "0", "target": "1", "capacity_gbps": 12.5}
    assert data["edges"][2] == {"source": "2", "target": "3"}  # uncapacitated: no capacity


def test_refuses_to_overwrite_without_force(tmp_path):
    t = read_topology(FIXTURES / "small.json")
    path = tmp_path / "out.json"
    path.write_text("keep me")
    with pytest.raises(InputError, match="already exists"):
        write_node_link(t, path)
    assert path.read_text() == "keep me"
    write_node_link(t, path, force=True)
    assert read_topology(path).n_nodes == 5
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temp file left


def test_missing_folders_are_created(tmp_path):
    t = read_topology(FIXTURES / "small.json")
    out = write_node_link(t, tmp_path / "no" / "out.json")
    assert read_topology(out).n_nodes == 5


def test_unwritable_location(tmp_path):
    t = read_topology(FIXTURES / "small.json")
    (tmp_path / "no").write_text("a file")
    with pytest.raises(InputError, match="cannot write: .* is a file, not a folder"):
        write_node_link(t, tmp_path / "no" / "out.json")
