"""Run a ``gpuplace`` command as a user would, measuring wall time and the process tree's peak memory.

Memory is the largest sum of resident set sizes of the process and all its
descendants, sampled with psutil every ``poll_s`` seconds (a peak shorter than
one sample can be missed). A command still running after ``timeout_s`` is
killed with its descendants.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = ["CommandRun", "gpuplace", "load_seconds", "run_measured"]

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CommandRun:
    """What one command did: exit code (None when killed), wall time, peak memory, output."""

    returncode: int | None
    wall_s: float
    peak_mib: float
    stdout: str
    stderr: str

    def json(self) -> dict | None:
        """The standard output read as JSON, or None when it is not JSON."""
        try:
            value = json.loads(self.stdout)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_measured(args: list[str], timeout_s: float, poll_s: float = 0.05) -> CommandRun:
    """Run ``args``; wall time from start to exit, peak RSS of the process tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = psutil.Popen(args, stdout=out, stderr=err, cwd=REPO, env=dict(os.environ))
        peak, code = 0, None
        while True:
            with contextlib.suppress(psutil.NoSuchProcess):
                peak = max(peak, _tree_rss(proc))
            try:
                code = proc.wait(timeout=poll_s)
                break
            except psutil.TimeoutExpired:
                if time.perf_counter() - started > timeout_s:
                    for p in [*proc.children(recursive=True), proc]:
                        try:
                            p.kill()
                        except psutil.NoSuchProcess:
                            continue
                    proc.wait()
                    code = None
                    break
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return CommandRun(
            returncode=code,
            wall_s=wall,
            peak_mib=round(peak / 2**20, 1),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def gpuplace(*args: str) -> list[str]:
    """The command line of ``gpuplace ARGS`` with this interpreter."""
    return [sys.executable, "-m", "gpuplace.cli", *args]


_LOAD = "import sys; from gpuplace.scenario import load_instance; load_instance(sys.argv[1])"


def load_seconds(scenario: Path, timeout_s: float = 300.0) -> float:
    """Wall time of a fresh process that starts, imports gpuplace and loads ``scenario``:
    what a ``gpuplace solve`` process spends before its solve starts."""
    run = run_measured([sys.executable, "-c", _LOAD, str(scenario)], timeout_s, poll_s=0.2)
    if run.returncode != 0:
        raise RuntimeError(f"loading {scenario} failed: {run.stderr.strip()[-300:]}")
    return run.wall_s
