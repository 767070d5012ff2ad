"""The follow-the-sun saving: the plan against the same scenario sized for each region's peak."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.planning.compare import compare_plans
from gpuplace.scenario import load_instance
from gpuplace.scenario.time import peak_sized
from gpuplace.solvers.verify import verify_plan
from support.cli_files import run
from support.time_cases import PEAK_SIZED_GPUS, SHARED_GPUS, write_time_scenario


def test_peak_sized_instance_takes_each_regions_own_peak(tmp_path: Path) -> None:
    inst = load_instance(write_time_scenario(tmp_path))
    peak = peak_sized(inst)
    assert peak.periods is None and peak.n_items == 2
    assert peak.region_demand.tolist() == [10.0, 10.0]
    assert peak.n_pairs == 2


@pytest.mark.parametrize("solver", ["highs", "auto"])
def test_saving_against_peak_sizing_is_solved_and_verified(tmp_path: Path, solver: str) -> None:
    inst = load_instance(write_time_scenario(tmp_path))
    plan = solve_plan(inst, solver=solver, params=solve_parameters(inst, gap=0.0))
    block = plan.extra["follow_the_sun"]
    assert block["method"] == "solved"
    assert (block["gpus"], block["peak_sized_gpus"]) == (SHARED_GPUS, PEAK_SIZED_GPUS)
    assert block["saving"] == pytest.approx(800.0)
    assert block["saving_fraction"] == pytest.approx(0.4)
    assert block["peak_sized_status"] == "optimal"
    assert verify_plan(inst, plan.to_dict()) == []
    bad = copy.deepcopy(plan.to_dict())
    bad["follow_the_sun"]["saving"] = 900.0
    assert [v.subject for v in verify_plan(inst, bad)] == ["follow_the_sun.saving"]


def test_no_baseline_when_switched_off(tmp_path: Path) -> None:
    time = '[time]\nperiods = "hourly"\nprofile = "profile.csv"\npeak_baseline = false\n'
    inst = load_instance(write_time_scenario(tmp_path, time=time))
    plan = solve_plan(inst, solver="highs")
    assert "follow_the_sun" not in plan.to_dict()


def test_compare_and_solve_show_the_saving(tmp_path: Path) -> None:
    path = write_time_scenario(tmp_path)
    out = tmp_path / "plan.json"
    result = run("solve", path, "-o", out, "--solver", "highs")
    assert result.exit_code == 0, result.output
    assert "follow-the-sun saving" in result.output and "800 (40.0%)" in result.output
    assert json.loads(out.read_text())["follow_the_sun"]["saving"] == pytest.approx(800.0)
    assert run("verify", path, out).exit_code == 0
    inst = load_instance(path)
    plan = solve_plan(inst, solver="highs")
    comparison = compare_plans([plan, plan])
    assert comparison.metrics["follow_the_sun.saving_fraction"] == [
        pytest.approx(0.4),
        pytest.approx(0.4),
    ]
    assert comparison.metrics["periods.busiest"][0] in inst.periods.ids
    table = run("compare", out, out)
    assert table.exit_code == 0 and "follow-the-sun saving" in table.output


def test_sweep_varies_a_time_key(tmp_path: Path) -> None:
    path = write_time_scenario(tmp_path)
    result = run(
        "sweep",
        path,
        "--vary",
        "time.peak_baseline=true,false",
        "-o",
        tmp_path / "sweep",
        "--solver",
        "highs",
    )
    assert result.exit_code == 0, result.output
