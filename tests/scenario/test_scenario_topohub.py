"""Scenarios on a ``topohub:`` topology (bundled with the optional data extra)."""

import pytest

pytest.importorskip("topohub")

from gpuplace.scenario import InputError, hashing, load_instance  # noqa: E402
from gpuplace.topo import read_topology  # noqa: E402

KEY = "topohub:sndlib/abilene"


@pytest.fixture
def topohub_files(files):
    topology = read_topology(KEY)
    nodes = topology.node_ids
    files.set_key("topology.file", KEY)
    files.delete_key("latency")
    files.write_rows(
        "sites.csv",
        ["id", "node", "power_kw"],
        [["s0", nodes[0], "500"], ["s1", nodes[5], "500"]],
    )
    files.write_rows(
        "regions.csv",
        ["id", "lat", "lon", "demand", "sla_rtt_ms"],
        [
            [f"r{i}", f"{topology.node_lat[i]:.3f}", f"{topology.node_lon[i]:.3f}", "10", "80"]
            for i in range(4)
        ],
    )
    return files


def test_topohub_topology_is_not_a_path(topohub_files):
    inst = load_instance(topohub_files.toml)
    assert inst.topology.n_nodes == 12 and inst.n_sites == 2 and inst.n_regions == 4


def test_topohub_hash_covers_key_and_package_version(topohub_files, monkeypatch):
    before = load_instance(topohub_files.toml).sha256
    assert load_instance(topohub_files.toml).sha256 == before
    monkeypatch.setattr(hashing.metadata, "version", lambda name: "0.0.0-other")
    assert load_instance(topohub_files.toml).sha256 != before


def test_unknown_topohub_key_is_an_input_error(topohub_files):
    topohub_files.set_key("topology.file", "topohub:sndlib/no-such-network")
    with pytest.raises(InputError) as caught:
        load_instance(topohub_files.toml)
    assert "topohub:sndlib/no-such-network" in str(caught.value)
