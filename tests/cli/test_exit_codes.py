"""Exit codes through the real CLI: valid inputs with no answer exit 1 and say why;
bad usage exits 2 with a message and no traceback; a solved scenario exits 0."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gpuplace import solvers
from gpuplace.commands.shutdown import clear_quit
from support.cli_files import LINKS, NODES, REGIONS, REGIONS_HEADER, run, write_scenario

ISLAND = {"id": "E", "lat": 10.0, "lon": 50.0, "country": "NZ", "kind": "city"}
ROOT = Path(__file__).resolve().parents[2]


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_feasible_scenario_exits_0(tmp_path):
    result = run("solve", write_scenario(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "optimal"
    assert result.stderr == ""


def test_sla_no_site_can_meet_exits_1_naming_the_region(tmp_path):
    regions = REGIONS_HEADER + "r1,0.1,0.0,10,50,,1\nfar,0.1,3.0,5,0.5,,1\n"
    result = run("solve", write_scenario(tmp_path, regions=regions))
    assert result.exit_code == 1, result.output
    assert "no plan" in result.stdout
    assert "far (demand 5" in result.stdout and "SLA 0.5 ms" in result.stdout
    assert "r1" not in result.stdout  # only the regions that cannot be served
    no_traceback(result)


def test_sla_diagnosis_in_json_output(tmp_path):
    regions = REGIONS_HEADER + "near,0.1,0.0,10,0.1,,1\nfar,0.1,3.0,5,0.5,,1\n"
    path = write_scenario(tmp_path, regions=regions)
    result = run("solve", path, "--format", "json", "-o", tmp_path / "plan.json")
    assert result.exit_code == 1, result.output
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible" and plan["objective"] is None
    (line,) = plan["diagnosis"]
    assert "2 region(s)" in line and "near (" in line and "far (" in line
    assert not (tmp_path / "plan.json").exists()


def test_split_topology_leaving_a_region_no_site_exits_1(tmp_path):
    regions = REGIONS + "island,10.1,50.0,3,50,,1\n"
    path = write_scenario(tmp_path, nodes=[*NODES, ISLAND], regions=regions)
    result = run("solve", path)
    assert result.exit_code == 1, result.output
    assert "island (demand 3, no path to any site: the topology is split)" in result.stdout
    assert "split into 2 components" in result.stderr
    no_traceback(result)


def test_split_topology_serving_everyone_exits_0_with_a_warning(tmp_path):
    path = write_scenario(tmp_path, nodes=[*NODES, ISLAND])
    result = run("solve", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kpis"]["served_fraction"] == pytest.approx(1.0)
    assert "warning" in result.stderr and "split into 2 components" in result.stderr


def test_region_cut_off_by_missing_links_exits_1(tmp_path):
    # no link reaches D: the region near D has no path to any site
    regions = REGIONS + "east,0.1,3.0,2,50,,1\n"
    path = write_scenario(tmp_path, regions=regions, links=LINKS[:2])
    result = run("solve", path)
    assert result.exit_code == 1, result.output
    assert "east (demand 2" in result.stdout
    assert "split into 2 components" in result.stderr


def test_budget_too_small_exits_1_naming_the_shortfall(tmp_path):
    result = run("solve", write_scenario(tmp_path), "--set", "constraints.budget=50")
    assert result.exit_code == 1, result.output
    # 15 demand units at the cheapest 10 per unit (H100: 100 per 10 units) = 150 > 50
    assert "budget 50 is below the least cost" in result.stdout
    assert "at least 150" in result.stdout
    no_traceback(result)


def test_budget_just_below_the_optimum_exits_1(tmp_path):
    # optimum 880 (s4: fixed 700, 1 H100 + 2 L40S); 870 passes the pre-checks
    result = run("solve", write_scenario(tmp_path), "--set", "constraints.budget=870")
    assert result.exit_code == 1, result.output
    assert "infeasible" in result.stdout
    assert "budget" in result.stdout


def test_sovereignty_leaving_a_region_no_site_exits_1_naming_it(tmp_path):
    regions = REGIONS + "tokyo,0.1,1.0,4,50,JP,1\n"
    result = run("solve", write_scenario(tmp_path, regions=regions))
    assert result.exit_code == 1, result.output
    assert "sovereignty" in result.stdout and "tokyo (demand 4, allowed JP)" in result.stdout
    # without sovereignty the same scenario is solved
    relaxed = run("solve", tmp_path / "scenario.toml", "--set", "constraints.sovereignty=false")
    assert relaxed.exit_code == 0, relaxed.output


def test_plan_failing_verification_exits_1(tmp_path):
    path = write_scenario(tmp_path)
    plan_path = tmp_path / "plan.json"
    assert run("solve", path, "-o", plan_path, "--quiet").exit_code == 0
    plan = json.loads(plan_path.read_text())
    plan["sites"][0]["gpus"] = {}
    plan_path.write_text(json.dumps(plan))
    result = run("verify", path, plan_path)
    assert result.exit_code == 1, result.output
    no_traceback(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--solver", "nope"], "unknown solver 'nope'"),
        (["--set", "constraints.budgett=5"], "did you mean 'constraints.budget'"),
        (["--set", "constraints.budget"], "expected KEY=VALUE"),
        (["--set", "constraints.max_utilisation=2"], "constraints.max_utilisation"),
        (["--time-limit", "-1"], "--time-limit"),
        (["--gap", "-0.5"], "--gap"),
        (["--threads", "0"], "--threads"),
        (["--format", "yaml"], "--format"),
    ],
)
def test_bad_usage_exits_2_without_traceback(tmp_path, args, message):
    result = run("solve", write_scenario(tmp_path), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""
    no_traceback(result)


@pytest.mark.parametrize(
    "args",
    [
        ["solve"],
        ["solve", "missing.toml"],
        ["verify", "missing.toml", "missing.json"],
        ["nosuchcommand"],
        ["compare", "missing.json"],
        ["inspect", "missing.json"],
        ["convert", "missing.json", "-o", "out.json"],
    ],
)
def test_missing_arguments_and_files_exit_2(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip()
    no_traceback(result)
    assert not (tmp_path / "out.json").exists()


def test_bad_usage_in_a_real_process_prints_no_traceback(tmp_path):
    path = write_scenario(tmp_path)
    process = subprocess.run(
        [sys.executable, "-m", "gpuplace.cli", "solve", str(path), "--solver", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 2
    assert "unknown solver 'nope'" in process.stderr
    assert "Traceback" not in process.stderr + process.stdout


def test_second_ctrl_c_quits_with_130_and_writes_nothing(tmp_path, monkeypatch):
    release = threading.Event()

    def stuck_solve(instance, solver="auto", params=None, warm_start=None, extra_pieces=()):
        os.kill(os.getpid(), signal.SIGINT)  # first: asks the solve to stop
        deadline = time.monotonic() + 10.0
        while not params.cancel.cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)  # second: quit at once
        release.wait(30.0)
        raise RuntimeError("the command must not wait for this solve")

    assert threading.current_thread() is threading.main_thread()
    monkeypatch.setattr(solvers, "solve", stuck_solve)
    # the command must put back whatever handler it found; start from Python's own
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    out = tmp_path / "plan.json"
    try:
        result = run("solve", write_scenario(tmp_path / "in"), "-o", out)
    finally:
        release.set()
        clear_quit()  # this process goes on running tests
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    restored = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, before)
    assert restored is signal.default_int_handler
