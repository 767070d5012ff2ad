"""``--format json`` on stdout stays pure JSON when HiGHS runs in the process.

HiGHS prints a banner on C-level stdout when its first object is built; the
CLI runner of the other tests does not see file descriptor 1, so this test runs
the real command in a child process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gpuplace.datasets.orlib import benchmark_file, convert_orlib
from gpuplace.solvers.highs import adapter

pytestmark = pytest.mark.skipif(not adapter.available(), reason="highspy not installed")
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("solver", ["fast", "highs"])
def test_solve_json_stdout_is_only_json(tmp_path, solver):
    source = benchmark_file("cflp", "cap41")
    scenario = tmp_path / "cap41.toml"
    convert_orlib(source, scenario)
    plan = tmp_path / "plan.json"
    run = subprocess.run(
        [sys.executable, "-m", "gpuplace.cli", "solve", str(scenario), "--solver", solver]
        + ["-o", str(plan), "--format", "json", "--time-limit", "30"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)  # fails on any banner line around the JSON
    assert document["schema"] == "gpuplace.plan/1"
    assert "HiGHS" not in run.stdout
