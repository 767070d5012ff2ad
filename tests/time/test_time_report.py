"""report: the per-period utilisation heat map and the roll-out of plans with [time]."""

from __future__ import annotations

from pathlib import Path

from gpuplace.pipeline import solve_plan
from gpuplace.planning.report.build import build_report
from gpuplace.planning.time_kpis import hourly_utilisation
from gpuplace.scenario import load_instance
from support.time_cases import write_phased_scenario, write_time_scenario


def test_report_has_the_utilisation_heat_map(tmp_path: Path) -> None:
    inst = load_instance(write_time_scenario(tmp_path / "s"))
    plan = solve_plan(inst, solver="highs")
    periods, per_site = hourly_utilisation(plan)
    assert len(periods) == 24 and max(per_site["s1"]) == 1.0 and min(per_site["s1"]) < 0.5
    build_report(inst, plan, tmp_path / "report")
    assert (tmp_path / "report" / "time" / "utilisation.png").stat().st_size > 0
    csv = (tmp_path / "report" / "time" / "utilisation.csv").read_text()
    assert csv.splitlines()[0].startswith("site,h00,h01")
    index = (tmp_path / "report" / "index.html").read_text()
    assert "follow-the-sun saving" in index


def test_report_has_the_roll_out(tmp_path: Path) -> None:
    inst = load_instance(write_phased_scenario(tmp_path / "s"))
    plan = solve_plan(inst, solver="highs")
    build_report(inst, plan, tmp_path / "report")
    assert (tmp_path / "report" / "time" / "rollout.png").stat().st_size > 0
    assert "sites building" in (tmp_path / "report" / "index.html").read_text()
