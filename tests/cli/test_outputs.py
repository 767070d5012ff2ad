"""Output safety of every command that writes: --force, untouched inputs, nothing left behind.

For solve -o, convert -o (topologies and OR-Library files), report -o, sweep -o,
failures -o and datasets build -o:

- an existing output is not overwritten without ``--force`` (exit 2, unchanged);
  with ``--force`` it is;
- the input files are never modified (sha256 of the input folder before and after);
- a run that fails on bad input leaves no output file or folder behind;
- no temporary file is left in the output folder, after success or failure;
- files get mode ``0o666 & ~umask`` and folders ``0o777 & ~umask``;
- a full disk is exit 2 "cannot write", and nothing is left behind.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gpuplace.datasets.orlib import benchmark_file
from support.cli_files import run, tree_digest, write_scenario


@dataclass(frozen=True)
class Writer:
    """A command that writes ``out``; ``args(inputs, out)`` and ``bad(inputs, out)``."""

    name: str
    folder: bool  # writes a folder (else one file)
    args: Callable[[Path, Path], list]
    bad: Callable[[Path, Path], list] | None
    existing: str = "keep.txt"  # what to put in an existing output folder
    bad_exit: int = 2


def _scenario(i: Path) -> Path:
    return i / "scenario.toml"


WRITERS = [
    Writer(
        "solve",
        False,
        lambda i, o: ["solve", _scenario(i), "-o", o, "--quiet"],
        lambda i, o: ["solve", _scenario(i), "-o", o, "--set", "constraints.max_utilisation=7"],
    ),
    Writer(
        "convert",
        False,
        lambda i, o: ["convert", i / "topology.json", "-o", o],
        lambda i, o: ["convert", i / "bad.json", "-o", o],
    ),
    Writer(
        "convert-orlib",
        False,
        lambda i, o: ["convert", benchmark_file("cflp", "cap41"), "-o", o],
        None,
    ),
    Writer(
        "report",
        True,
        lambda i, o: ["report", _scenario(i), i / "plan.json", "-o", o, "--tiles", "none", "-q"],
        lambda i, o: ["report", _scenario(i), i / "bad.json", "-o", o, "--tiles", "none"],
    ),
    Writer(
        "failures",
        False,
        lambda i, o: ["failures", _scenario(i), i / "plan.json", "-o", o, "--quiet"],
        lambda i, o: ["failures", _scenario(i), i / "bad.json", "-o", o, "--quiet"],
    ),
    Writer(
        "sweep",
        True,
        lambda i, o: [
            "sweep",
            _scenario(i),
            "--vary",
            "constraints.budget=1e4,2e4",
            "-o",
            o,
            "--workers",
            "1",
            "--solver",
            "highs",
            "--quiet",
        ],  # fmt: skip
        lambda i, o: [
            "sweep",
            _scenario(i),
            "--vary",
            "constraints.max_utilisation=-1,-2",
            "-o",
            o,
            "--workers",
            "1",
        ],  # fmt: skip
    ),
    Writer(
        "datasets-build-apac",
        True,
        lambda i, o: ["datasets", "build", "apac", "-o", o],
        None,
        existing="scenario.toml",
    ),
    Writer(
        "datasets-build-world",
        True,
        lambda i, o: ["datasets", "build", "world", "--regions", "5", "-o", o],
        lambda i, o: ["datasets", "build", "world", "--regions", "5", "--budget", "-3", "-o", o],
        existing="scenario.toml",
    ),
]
BY_NAME = {w.name: w for w in WRITERS}
OUTPUT_NAME = {
    "failures": "failures.csv",
    "convert": "topology.json",
    "convert-orlib": "cap41.toml",
    "solve": "plan.json",
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A scenario, a plan of it and a broken JSON file; no test may change them."""
    folder = tmp_path_factory.mktemp("inputs")
    scenario = write_scenario(folder)
    result = run("solve", scenario, "-o", folder / "plan.json", "--quiet")
    assert result.exit_code == 0, result.output
    (folder / "bad.json").write_text("{not json")
    return folder


def leftovers(root: Path) -> list[str]:
    """Temporary or hidden files anywhere below ``root``."""
    return [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.name.startswith(".") or p.name.endswith((".tmp", ".old", ".part"))
    ]


def _out(tmp_path: Path, writer: Writer) -> Path:
    return tmp_path / "out" / OUTPUT_NAME.get(writer.name, writer.name)


def _make_existing(out: Path, writer: Writer) -> None:
    if writer.folder:
        out.mkdir(parents=True)
        (out / writer.existing).write_text("keep\n")
    else:
        out.parent.mkdir(parents=True)
        out.write_text("keep\n")


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.name)
def test_existing_output_needs_force(inputs, tmp_path, writer):
    out = _out(tmp_path, writer)
    _make_existing(out, writer)
    before_inputs, before_out = tree_digest(inputs), tree_digest(out.parent)

    refused = run(*writer.args(inputs, out))
    assert refused.exit_code == 2, refused.output
    assert "--force" in refused.stderr
    assert "Traceback" not in refused.output
    assert tree_digest(out.parent) == before_out

    forced = run(*writer.args(inputs, out), "--force")
    assert forced.exit_code == 0, forced.output
    assert tree_digest(out.parent) != before_out
    if writer.name == "sweep":  # --force writes a sweep into a folder that holds none
        assert (out / "results.csv").is_file()
    elif writer.folder:
        existing = out / writer.existing
        assert not existing.exists() or existing.read_text() != "keep\n"
    else:
        assert out.read_text() != "keep\n"
    assert tree_digest(inputs) == before_inputs
    assert leftovers(tmp_path) == []


def test_forced_outputs_are_complete(inputs, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text("keep\n")
    assert run("solve", _scenario(inputs), "-o", plan, "--force", "--quiet").exit_code == 0
    assert json.loads(plan.read_text())["schema"] == "gpuplace.plan/1"
    report = tmp_path / "report"
    report.mkdir()
    (report / "stale.txt").write_text("old report\n")
    args = ["report", _scenario(inputs), plan, "-o", report, "--tiles", "none", "-q", "--force"]
    assert run(*args).exit_code == 0
    # the folder is replaced as a whole: nothing of the old one survives
    assert not (report / "stale.txt").exists()
    assert (report / "index.html").is_file()


def test_existing_sweep_is_resumed_not_overwritten(inputs, tmp_path):
    out = tmp_path / "sweep"
    args = BY_NAME["sweep"].args(inputs, out)
    first = run(*args, "--format", "json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["solved"] == 2
    results = (out / "results.csv").read_text()
    again = run(*args, "--format", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) | {"out_dir": None} == json.loads(first.stdout) | {
        "out_dir": None,
        "solved": 0,
        "reused": 2,
    }
    assert (out / "results.csv").read_text() == results
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "writer",
    [w for w in WRITERS if w.bad is not None],
    ids=lambda w: w.name,
)
def test_failed_run_leaves_nothing_behind(inputs, tmp_path, writer):
    before = tree_digest(inputs)
    out = tmp_path / "new" / "deeper" / OUTPUT_NAME.get(writer.name, writer.name)
    result = run(*writer.bad(inputs, out))
    assert result.exit_code == writer.bad_exit, result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert tree_digest(inputs) == before


@pytest.fixture
def umask():
    """A umask other than the usual 022, restored afterwards."""
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.name)
def test_outputs_get_the_umask_modes(inputs, tmp_path, writer, umask):
    out = tmp_path / "new" / OUTPUT_NAME.get(writer.name, writer.name)
    result = run(*writer.args(inputs, out))
    assert result.exit_code == 0, result.output
    written = [tmp_path / "new", *(tmp_path / "new").rglob("*")]
    assert len(written) >= 2
    modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode) for p in written}
    expected = {
        str(p.relative_to(tmp_path)): (0o777 if p.is_dir() else 0o666) & ~umask for p in written
    }
    assert modes == expected


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.name)
def test_full_disk_writes_nothing(inputs, tmp_path, writer, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "new" / "deeper" / OUTPUT_NAME.get(writer.name, writer.name)
    result = run(*writer.args(inputs, out))
    assert result.exit_code == 2, result.output
    assert "cannot write: No space left on device" in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_infeasible_solve_writes_nothing(inputs, tmp_path):
    out = tmp_path / "new" / "plan.json"
    result = run("solve", _scenario(inputs), "-o", out, "--set", "constraints.budget=1")
    assert result.exit_code == 1, result.output
    assert "nothing written" in result.stdout
    assert not out.parent.exists()


def test_bad_output_in_existing_folder_leaves_no_temp_files(inputs, tmp_path):
    out = tmp_path / "plan.json"
    (tmp_path / "other.txt").write_text("x")
    result = run("solve", _scenario(inputs), "-o", out, "--set", "constraints.nokey=1")
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt"]


@pytest.mark.parametrize(
    "args",
    [
        lambda i: ["solve", _scenario(i), "--quiet"],
        lambda i: ["solve", _scenario(i), "--format", "json", "--solver", "cpsat"],
        lambda i: ["verify", _scenario(i), i / "plan.json"],
        lambda i: ["compare", i / "plan.json", i / "plan.json"],
        lambda i: ["inspect", _scenario(i)],
        lambda i: ["inspect", i / "topology.json", "--format", "json"],
        lambda i: ["failures", _scenario(i), i / "plan.json", "--format", "json"],
        lambda i: ["solve", _scenario(i), "--set", "constraints.budget=1"],
        lambda i: ["verify", _scenario(i), i / "bad.json"],
    ],
    ids=[
        "solve",
        "solve-json",
        "verify",
        "compare",
        "inspect-scenario",
        "inspect-topology",
        "failures",
        "solve-infeasible",
        "verify-bad-plan",
    ],
)
def test_reading_commands_modify_no_input(inputs, args, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    before = tree_digest(inputs)
    result = run(*args(inputs))
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    assert tree_digest(inputs) == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (lambda i: ["solve", _scenario(i), "-o", _scenario(i)], "scenario.toml"),
        (lambda i: ["solve", _scenario(i), "-o", i / "regions.csv"], "regions.csv"),
        (lambda i: ["report", _scenario(i), i / "plan.json", "-o", i, "--tiles", "none"], ""),
        (lambda i: ["report", _scenario(i), i / "plan.json", "-o", i.parent], ""),
        (lambda i: ["failures", _scenario(i), i / "plan.json", "-o", i / "sites.csv"], "sites.csv"),
        (lambda i: ["failures", _scenario(i), i / "plan.json", "-o", i / "plan.json"], "plan.json"),
        (lambda i: ["convert", i / "topology.json", "-o", i / "topology.json"], "is the input"),
    ],
    ids=[
        "solve-onto-scenario",
        "solve-onto-table",
        "report-into-scenario-folder",
        "report-into-a-parent",
        "failures-onto-table",
        "failures-onto-plan",
        "convert-onto-input",
    ],
)
def test_force_never_overwrites_an_input(inputs, tmp_path, args, target):
    folder = tmp_path / "outer" / "in"
    shutil.copytree(inputs, folder)
    before = tree_digest(tmp_path)
    result = run(*args(folder), "--force")
    assert result.exit_code == 2, result.output
    assert "inputs are never overwritten" in result.stderr
    assert target in result.stderr
    assert "Traceback" not in result.output
    assert tree_digest(tmp_path) == before
