"""compare, report and failures on plans of serving models."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.planning.compare import compare_plans
from gpuplace.planning.failures import analyse_failures
from gpuplace.planning.failures_output import failures_csv
from gpuplace.planning.report.build import build_report
from gpuplace.scenario import load_instance
from support.serving_cases import write_serving

pytest.importorskip("folium")


def solved(folder: Path, ttft_ms: float, **files: str):
    inst = load_instance(write_serving(folder, ttft_ms=ttft_ms, **files))
    return inst, solve_plan(inst, solver="highs", params=solve_parameters(inst, gap=0.0))


def test_compare_reports_each_model_and_tier(tmp_path: Path) -> None:
    _i, tight = solved(tmp_path / "tight", 400)
    _i, loose = solved(tmp_path / "loose", 1000)
    metrics = compare_plans([tight, loose], ["tight", "loose"]).metrics
    assert metrics["model.m8.t.ttft_target_ms"] == [400.0, 1000.0]
    assert metrics["model.m8.t.mean_ttft_ms"] == pytest.approx([400.0, 500.0])
    assert metrics["model.m8.t.served_fraction"] == [1.0, 1.0]
    assert metrics["model.m8.t.min_ttft_headroom_ms"] == pytest.approx([0.0, 500.0])
    assert metrics["replicas.m8"] == [2.0, 2.0]


def test_report_has_ttft_plot_and_a_layer_per_model(tmp_path: Path) -> None:
    inst, plan = solved(tmp_path / "s", 400)
    report = build_report(inst, plan, tmp_path / "report", tiles=None)
    assert {"serving/ttft.png", "serving/tiers.csv"} <= set(report.files)
    assert (tmp_path / "report" / "serving" / "ttft.png").read_bytes().startswith(b"\x89PNG")
    assert "Model m8" in (tmp_path / "report" / "map.html").read_text(encoding="utf-8")
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "Models and SLO tiers" in index
    tiers = (tmp_path / "report" / "serving" / "tiers.csv").read_text(encoding="utf-8")
    assert tiers.splitlines()[1].startswith("m8,t,1,1000,400,400,400,0,0")


def test_failures_report_slo_attainment(tmp_path: Path) -> None:
    inst, plan = solved(tmp_path / "s", 400)  # 2 replicas at near serve everything
    impacts = {i.name: i for i in analyse_failures(inst, plan, workers=1)}
    assert impacts["near"].slo_attainment == {"m8/t": 0.0}
    assert impacts["near"].unserved_demand == pytest.approx(1000.0)
    # losing the A-B link leaves r1 and near on the same node: nothing changes
    assert impacts["A--B"].slo_attainment == {"m8/t": 1.0}
    assert impacts["A--B"].unserved_demand == 0.0
    assert "slo_attainment" in failures_csv(list(impacts.values())).splitlines()[0]


def test_failures_recompute_operating_points_after_a_loss(tmp_path: Path) -> None:
    # a second region r2 at B, served from far; both sites hold replicas
    regions = "id,lat,lon,node\nr1,0.0,0.0,A\nr2,0.0,10.0,B\n"
    demand = "region,model,tier,output_tokens_per_s\nr1,m8,t,1000\nr2,m8,t,1000\n"
    inst, plan = solved(tmp_path / "s", 400, **{"regions.csv": regions, "demand.csv": demand})
    assert {s.id: dict(s.replicas) for s in plan.sites if s.replicas} == {
        "near": {"d1": 2},
        "far": {"d1": 2},
    }
    impacts = {i.name: i for i in analyse_failures(inst, plan, workers=1)}
    # near lost: r1 re-homes to far at 100 ms, c = 7, 366.67 tokens/s per replica; far's
    # 2 replicas are full with r2 (2 x 500 tokens/s): nothing is left for r1
    assert impacts["near"].slo_attainment == {"m8/t": pytest.approx(0.5)}
