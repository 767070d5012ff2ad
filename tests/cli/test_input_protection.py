"""Inputs are never overwritten: the rule is computed from the loaded instance, not the TOML text.

The cases that lost data: a UTF-8 byte-order mark at the start of the TOML, or a
``--set sites.file=...`` override, emptied the list of inputs the old guard built
by re-reading the TOML, so ``solve -o <table> --force`` overwrote the table and
``report -o <data folder> --force`` deleted it; ``sweep`` never checked inputs, and
a second sweep with another grid replaced the first one's results. Variants:
every writer, every table, links (symbolic and hard), relative spellings,
latency files, overrides, and two runs at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gpuplace.errors import InputError
from gpuplace.files import refuse_inputs
from gpuplace.planning.sweep import SolverOptions, run_sweep
from gpuplace.planning.sweep_folder import MANIFEST, claim_folder
from support.cli_files import run, tree_digest, write_scenario

BOM = b"\xef\xbb\xbf"
TABLES = ("sites.csv", "regions.csv", "gpus.csv", "topology.json")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A scenario folder whose TOML starts with a byte-order mark, and a plan of it."""
    folder = tmp_path / "data"
    scenario = write_scenario(folder)
    scenario.write_bytes(BOM + scenario.read_bytes())
    (folder / "other_sites.csv").write_text((folder / "sites.csv").read_text())
    result = run("solve", scenario, "-o", tmp_path / "plan.json", "--quiet")
    assert result.exit_code == 0, result.output
    return folder


def _refused(result, digest_before, folder) -> None:
    assert result.exit_code == 2, result.output
    assert "inputs are never overwritten" in result.stderr
    assert "Traceback" not in result.output
    assert tree_digest(folder) == digest_before


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("command", ["solve", "failures"])
def test_bom_scenario_tables_are_never_outputs(data, tmp_path, table, command):
    before = tree_digest(data)
    out = data / table
    if command == "solve":
        result = run("solve", data / "scenario.toml", "-o", out, "--force", "--quiet")
    else:
        args = ("failures", data / "scenario.toml", tmp_path / "plan.json", "-f", "csv")
        result = run(*args, "-o", out, "--force", "--quiet")
    _refused(result, before, data)


def test_overridden_table_is_protected(data):
    before = tree_digest(data)
    result = run(
        "solve",
        data / "scenario.toml",
        "--set",
        "sites.file=other_sites.csv",
        "-o",
        data / "other_sites.csv",
        "--force",
    )
    _refused(result, before, data)


@pytest.mark.parametrize("spelling", ["absolute", "relative", "dotdot", "symlink", "hardlink"])
def test_every_spelling_of_an_input_is_the_input(data, tmp_path, spelling, monkeypatch):
    before = tree_digest(data)
    monkeypatch.chdir(tmp_path)
    if spelling == "absolute":
        out = data / "sites.csv"
    elif spelling == "relative":
        out = Path("data") / "sites.csv"
    elif spelling == "dotdot":
        out = data / ".." / "data" / "sites.csv"
    elif spelling == "symlink":
        out = tmp_path / "link.csv"
        out.symlink_to(data / "sites.csv")
    else:
        out = tmp_path / "hard.csv"
        os.link(data / "sites.csv", out)
    result = run("solve", data / "scenario.toml", "-o", out, "--force", "--quiet")
    _refused(result, before, data)


@pytest.mark.parametrize("where", ["data", "parent", "symlink"])
def test_report_never_replaces_a_folder_holding_inputs(data, tmp_path, where):
    before = tree_digest(data)
    if where == "data":
        out = data
    elif where == "parent":
        out = tmp_path
    else:
        out = tmp_path / "alias"
        out.symlink_to(data, target_is_directory=True)
    args = ("report", data / "scenario.toml", tmp_path / "plan.json", "--tiles", "none")
    result = run(*args, "-o", out, "--force", "-q")
    _refused(result, before, data)


def test_latency_files_are_inputs(tmp_path):
    folder = tmp_path / "s"
    matrix = "region,site,rtt_ms\nr1,s1,3\n"
    scenario = write_scenario(folder, extra_toml='[latency]\nmatrix = "rtt.csv"\n')
    (folder / "rtt.csv").write_text(matrix)
    before = tree_digest(folder)
    result = run("solve", scenario, "-o", folder / "rtt.csv", "--force", "--quiet")
    _refused(result, before, folder)


def test_sweep_never_writes_into_a_folder_holding_inputs(data):
    before = tree_digest(data)
    result = run(
        "sweep", data / "scenario.toml", "--vary", "constraints.budget=1e4,2e4",
        "-o", data, "--force", "--workers", "1", "--quiet",
    )  # fmt: skip
    _refused(result, before, data)


def test_sweep_protects_files_named_by_a_varied_key(data, tmp_path):
    before = tree_digest(data)
    with pytest.raises(InputError, match="inputs are never overwritten"):
        run_sweep(
            data / "scenario.toml",
            ["sites.file=sites.csv,other_sites.csv"],
            data / "nested" / "..",
            options=SolverOptions(solver="highs"),
            workers=1,
            force=True,
        )
    assert tree_digest(data) == before


def test_sweep_refuses_another_grid_without_force(data, tmp_path):
    out = tmp_path / "sweep"
    first = ["--vary", "constraints.budget=1e4,2e4", "-o", out, "--workers", "1", "--quiet"]
    assert run("sweep", data / "scenario.toml", *first).exit_code == 0
    results = (out / "results.csv").read_bytes()
    other = ["--vary", "constraints.budget=3e4", "-o", out, "--workers", "1", "--quiet"]
    refused = run("sweep", data / "scenario.toml", *other)
    assert refused.exit_code == 2 and "holds another sweep (its vary differ)" in refused.stderr
    assert (out / "results.csv").read_bytes() == results
    again = run("sweep", data / "scenario.toml", *first, "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout)["reused"] == 2
    forced = run("sweep", data / "scenario.toml", *other, "--force")
    assert forced.exit_code == 0
    assert json.loads((out / MANIFEST).read_text())["vary"][0]["values"] == ["3e4"]


def test_a_sweep_folder_has_one_writer_at_a_time(data, tmp_path):
    out = tmp_path / "sweep"
    grid = (data / "scenario.toml", ["constraints.budget=1e4"], out)
    run_sweep(*grid, options=SolverOptions(solver="highs"), workers=1)
    before = tree_digest(out)
    held = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a sweep still running in this folder holds it
        with pytest.raises(InputError, match="another sweep is writing this folder"):
            run_sweep(*grid, options=SolverOptions(solver="highs"), workers=1, force=True)
    finally:
        os.close(held)
    assert tree_digest(out) == before
    with claim_folder(tmp_path / "new", {"schema": "x"}, force=False, inputs=[]) as claimed:
        assert json.loads((claimed / MANIFEST).read_text()) == {"schema": "x"}


def test_two_reports_at_once_one_wins(data, tmp_path):
    out = tmp_path / "report"
    command = [
        sys.executable, "-m", "gpuplace.cli", "report", str(data / "scenario.toml"),
        str(tmp_path / "plan.json"), "-o", str(out), "--tiles", "none", "-q",
    ]  # fmt: skip
    runs = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes = sorted(p.wait(timeout=300) for p in runs)
    errors = "".join(p.stderr.read() for p in runs)
    assert codes == [0, 2], errors
    assert "Traceback" not in errors
    assert (out / "index.html").is_file()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")]


def test_rule_in_the_library():
    refuse_inputs("/a/out.json", ["/a/in.json", None], folder=False)
    with pytest.raises(InputError, match="is the input"):
        refuse_inputs("/a/b/../in.json", ["/a/in.json"], folder=False)
    with pytest.raises(InputError, match="holds the input"):
        refuse_inputs("/a", ["/a/x/y/in.json"], folder=True)
    refuse_inputs("/a/x", ["/a/in.json"], folder=True)
