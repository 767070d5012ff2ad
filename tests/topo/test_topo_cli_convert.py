"""``gpuplace convert`` through the CLI: exit codes and written files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gpuplace.cli import app
from gpuplace.topo import read_topology
from support.topo_helpers import FIXTURES, needs_topohub

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, ["convert", *map(str, args)])


@pytest.mark.parametrize("name", ["zoo_small.graphml", "zoo_small.gml", "sndlib_small.txt"])
def test_convert_fixture(tmp_path, name):
    out = tmp_path / "out.json"
    result = _run(FIXTURES / name, "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert len(data["nodes"]) == read_topology(FIXTURES / name).n_nodes
    assert read_topology(out).n_edges == read_topology(FIXTURES / name).n_edges


def test_refuses_overwrite_without_force(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    result = _run(FIXTURES / "small.json", "-o", out)
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert out.read_text() == "old"
    assert _run(FIXTURES / "small.json", "-o", out, "--force").exit_code == 0
    assert read_topology(out).n_nodes == 5


def test_never_overwrites_its_input(tmp_path):
    source = tmp_path / "in.json"
    source.write_text((FIXTURES / "small.json").read_text())
    result = _run(source, "-o", source, "--force")
    assert result.exit_code == 2
    assert source.read_text() == (FIXTURES / "small.json").read_text()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.json", '{"nodes": [{"id": "a", "lat": 99, "lon": 0}]}', "latitude 99.0"),
        ("bad.csv", "a,b", "unknown topology format"),
        ("bomb.graphml", None, "refused"),
    ],
)
def test_bad_input_exit_2(tmp_path, name, text, expected):
    source = FIXTURES / name if text is None else tmp_path / name
    if text is not None:
        source.write_text(text)
    out = tmp_path / "out.json"
    result = _run(source, "-o", out)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_input_and_orlib_options(tmp_path):
    assert _run(tmp_path / "none.json", "-o", tmp_path / "o.json").exit_code == 2
    result = _run(FIXTURES / "small.json", "-o", tmp_path / "o.json", "--capacity", "5")
    assert result.exit_code == 2 and "OR-Library" in result.output


@needs_topohub
def test_convert_topohub_key(tmp_path):
    out = tmp_path / "geant.json"
    result = _run("topohub:sndlib/geant", "-o", out)
    assert result.exit_code == 0, result.output
    assert read_topology(out).n_nodes == 22
    assert _run("topohub:sndlib/nope", "-o", tmp_path / "x.json").exit_code == 2


def test_orlib_file_becomes_a_scenario(tmp_path):
    pytest.importorskip("gpuplace.datasets.orlib")
    source = tmp_path / "cap1.txt"
    # 2 facilities (capacity, fixed cost), 2 customers (demand, cost to each facility)
    source.write_text("2 2\n 100 10\n 100 20\n 5\n 1 2\n 5\n 2 1\n")
    out = tmp_path / "cap1.toml"
    result = _run(source, "-o", out, "--uncapacitated")
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert read_topology(tmp_path / "cap1.topology.json").n_nodes >= 2
    assert _run(source, "-o", out).exit_code == 2  # exists, no --force
