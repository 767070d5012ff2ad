"""Smoke tests of the benchmark harness and the exact presolve (fast, tiny inputs)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import highs_log
from bench.report import begin_marker, end_marker, update_sections
from gpuplace.scenario.build import build_instance
from gpuplace.solvers.presolve import aggregate, disaggregate_shares
from gpuplace.topo.graph import make_topology

REPO = Path(__file__).resolve().parents[2]


def test_highs_log_trajectory_and_time_to_gap():
    text = "\n".join(
        [
            " J 0 0 0 0.00% -inf 5395 Large 0 0 0 0 1.5s",
            "   0 0 0 0.00% 5000 5395 7.32% 0 0 0 10 3.0s",
            " L 0 0 0 0.00% 5100 5120 0.39% 5 1 0 20 6.0s",
            "  Dual bound        5110",
        ]
    )
    points = highs_log.parse(text)
    assert [p.time_s for p in points] == [1.5, 3.0, 6.0]
    assert highs_log.time_to_gap(points, 0.01, offset_s=1.0) == 7.0
    assert highs_log.gap_at(points, 4.0) == pytest.approx(395 / 5395)
    assert highs_log.final_bound(text) == 5110.0


def test_update_sections_replaces_only_between_markers(tmp_path):
    out = tmp_path / "B.md"
    update_sections(out, {"a": "first", "b": "second"}, ["a", "b"])
    update_sections(out, {"a": "again"}, ["a", "b"])
    text = out.read_text()
    assert text.count(begin_marker("a")) == 1 and text.count(end_marker("b")) == 1
    assert "again" in text and "first" not in text and "second" in text


def _two_regions_one_node():
    topo = make_topology(
        ["a", "b", "c"], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [("a", "b"), ("a", "c")]
    )
    return build_instance(
        topology=topo,
        site_ids=["sb", "sc"],
        site_node=[1, 2],
        site_power_kw=[100.0, 100.0],
        region_ids=["r1", "r2", "r3"],
        region_lat=[0.0, 0.01, 1.0],
        region_lon=[0.0, 0.0, 0.0],
        region_demand=[2.0, 3.0, 1.0],
        region_sla_rtt_ms=[100.0, 100.0, 100.0],
        region_node=[0, 0, 2],
        gpu_types=["g"],
        gpu_capex=[1.0],
        gpu_power_kw=[1.0],
        gpu_throughput=[1.0],
    )


def test_aggregation_merges_regions_on_one_node_and_maps_back():
    inst = _two_regions_one_node()
    agg = aggregate(inst)
    assert agg.reduced.n_regions == 2 and agg.merged == 1
    assert agg.reduced.region_demand.tolist() == [5.0, 1.0]
    # merged RTT is the demand-weighted mean of the members' RTTs, per site
    for p_red in range(agg.reduced.n_pairs):
        members = np.flatnonzero(agg.pair_map == p_red)
        d = inst.region_demand[inst.pair_region[members]]
        expected = float(np.dot(d, inst.pair_rtt_ms[members]) / d.sum())
        assert agg.reduced.pair_rtt_ms[p_red] == pytest.approx(expected)
    shares = np.linspace(0.1, 0.9, agg.reduced.n_pairs)
    back = disaggregate_shares(agg, shares)
    assert back.shape == (inst.n_pairs,)
    assert np.allclose(back, shares[agg.pair_map])


def test_quick_run_writes_csv_and_markdown(tmp_path):
    out, results = tmp_path / "BENCH.md", tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--only", "cflp", "--out", str(out),
         "--results", str(results), "--cache", str(tmp_path / "cache")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(results / "cflp.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["instance"] for r in rows] == ["cap41", "cap71"]
    for row in rows:
        assert row["ours_status"] == "optimal"
        assert row["ours_violations"] == "0"
        assert abs(float(row["ours_objective"]) - float(row["optimum"])) <= 1e-3 * float(
            row["optimum"]
        )
        assert row["highs_status"] in ("optimal", "feasible")
    text = out.read_text()
    assert begin_marker("cflp") in text and end_marker("summary") in text
    assert "python -m bench.run" in text and "Machine:" in text
