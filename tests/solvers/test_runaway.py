"""No orphans and no runaway resources: solver children die with their parent, threads and
grids are bounded.

Before: after ``kill -9`` of ``gpuplace`` the SCIP child kept solving (and later
printed a BrokenPipe traceback); ``--threads 1000000`` made HiGHS start about
15,600 threads and abort; a sweep grid of 10^9 cases, or a p-median file
announcing 10^6 vertices, exhausted memory before any check.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gpuplace.errors import InputError
from gpuplace.planning.sweep_grid import MAX_CASES, parse_varies
from gpuplace.solvers.runtime import usable_threads
from support.cli_files import run, write_scenario

ROOT = Path(__file__).resolve().parents[2]
APAC = ROOT / "datasets" / "apac" / "scenario.toml"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_scip_child_dies_with_its_parent_killed_hard():
    parent = subprocess.Popen(
        [sys.executable, "-m", "gpuplace.cli", "solve", str(APAC), "--solver", "scip"]
        + ["--time-limit", "120", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.5)
            children = _children(parent.pid)
        assert children, "SCIP's child never started"
        time.sleep(1.0)
        parent.kill()
        parent.wait()
        gone_by = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < gone_by:
            time.sleep(0.2)
        assert not any(_alive(c) for c in children)
        err = parent.stderr.read()
        assert "Traceback" not in err and "BrokenPipe" not in err
    finally:
        if parent.poll() is None:
            parent.kill()
        for child in _children(parent.pid):
            os.kill(child, signal.SIGKILL)


def test_threads_are_bounded_by_the_machine(tmp_path):
    cores = len(os.sched_getaffinity(0))
    assert usable_threads(1_000_000) == cores
    assert usable_threads(0) == 1 and usable_threads(1) == 1
    scenario = write_scenario(tmp_path)
    for solver in ("highs", "cpsat"):
        result = run("solve", scenario, "--solver", solver, "--threads", "1000000", "--quiet")
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "varies",
    [
        ["constraints.budget=1:2:1000000000"],
        ["constraints.max_sites=0..1000000000000"],
        ["constraints.budget=1:2:99999999999999999999999999999"],
        ["constraints.budget=1..2000", "constraints.max_sites=1..2000"],
        ["constraints.budget=" + ",".join(str(i) for i in range(MAX_CASES + 1))],
    ],
)
def test_grids_are_bounded_before_they_are_built(varies):
    started = time.perf_counter()
    with pytest.raises(InputError):
        parse_varies(varies)
    assert time.perf_counter() - started < 5.0


def test_pmedian_files_announcing_huge_graphs_are_refused(tmp_path):
    from gpuplace.datasets.orlib_read import read_pmed

    path = tmp_path / "pmed99.txt"
    path.write_text("1000000 1 5\n1 2 3\n")
    with pytest.raises(InputError, match="more than this converter takes"):
        read_pmed(path)


def test_gzip_bombs_are_refused(tmp_path, monkeypatch):
    from gpuplace.datasets.orlib_read import read_pmed
    from gpuplace.files_read import ENV_MAX_INPUT_MB

    monkeypatch.setenv(ENV_MAX_INPUT_MB, "1")
    path = tmp_path / "pmed1.txt.gz"
    path.write_bytes(gzip.compress(b" " * (8 << 20)))  # 8 KiB that expands to 8 MiB
    assert path.stat().st_size < 1 << 20
    with pytest.raises(InputError, match="decompresses to more than the limit"):
        read_pmed(path)
