"""``gpuplace solve`` and ``gpuplace verify`` through the CLI: exit codes and JSON output."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("gpuplace.scenario.load", reason="scenario loader not available")

from gpuplace import solvers  # noqa: E402
from gpuplace.cli import app  # noqa: E402

TOPOLOGY = {
    "nodes": [
        {"id": "A", "lat": 0.0, "lon": 0.0, "country": "AU", "kind": "city"},
        {"id": "B", "lat": 0.0, "lon": 1.0, "country": "AU", "kind": "city"},
        {"id": "C", "lat": 0.0, "lon": 2.0, "country": "NZ", "kind": "city"},
        {"id": "D", "lat": 0.0, "lon": 3.0, "country": "NZ", "kind": "city"},
    ],
    "links": [
        {"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 10},
        {"source": "B", "target": "C", "latency_ms": 1.0, "capacity_gbps": 10},
        {"source": "C", "target": "D", "capacity_gbps": 10},
    ],
}
SITES = """id,node,power_kw,max_gpus,fixed_cost,cost_factor,pue,status
s1,A,100,50,1000,1.0,1.2,candidate
s2,C,100,50,800,1.5,1.0,candidate
s3,D,100,50,500,1.0,1.0,closed
s4,B,100,50,700,1.0,1.0,candidate
"""
REGIONS = """id,lat,lon,demand,sla_rtt_ms,gbps_per_unit
r1,0.1,0.0,10,50,1
r2,0.1,2.0,5,50,1
r3,0.0,3.1,4,50,1
"""
GPUS = """type,capex,power_kw,throughput
H100,100,1.0,10
L40S,40,0.5,3
"""
TOML = """name = "tiny"
[topology]
file = "topology.json"
[sites]
file = "sites.csv"
[regions]
file = "regions.csv"
[gpus]
file = "gpus.csv"
[solver]
time_limit_s = 10
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    (tmp_path / "topology.json").write_text(json.dumps(TOPOLOGY))
    (tmp_path / "sites.csv").write_text(SITES)
    (tmp_path / "regions.csv").write_text(REGIONS)
    (tmp_path / "gpus.csv").write_text(GPUS)
    path = tmp_path / "scenario.toml"
    path.write_text(TOML)
    return path


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_solver_list():
    result = run("solve", "--solver", "list")
    assert result.exit_code == 0
    for name, ok in solvers.available_solvers().items():
        if ok:
            assert name in result.stdout


def test_solve_writes_a_verified_plan(scenario, tmp_path):
    out = tmp_path / "plans" / "plan.json"
    result = run("solve", scenario, "-o", out, "--solver", "highs", "--format", "json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    written = json.loads(out.read_text())
    assert printed == written
    # s4 at B holds 2 H100 and serves everything: 700 fixed + 200 capex
    assert written["status"] == "optimal"
    assert written["objective"] == pytest.approx(900.0)
    assert written["solver"]["name"] == "highs"
    assert written["interrupted"] is False
    check = run("verify", scenario, out, "--format", "json")
    assert check.exit_code == 0, check.output
    assert json.loads(check.stdout) == {
        "valid": True,
        "scenario_sha256_matches": True,
        "violations": [],
    }


def test_solve_text_summary(scenario, tmp_path):
    out = tmp_path / "plan.json"
    result = run(
        "solve",
        scenario,
        "-o",
        out,
        "--solver",
        "cpsat",
        "--time-limit",
        "5",
        "--seed",
        "3",
        "--threads",
        "1",
        "--gap",
        "0",
    )
    assert result.exit_code == 0, result.output
    assert "optimal" in result.stdout
    assert "s4" in result.stdout
    plan = json.loads(out.read_text())
    assert plan["solver"] == {
        **plan["solver"],
        "time_limit_s": 5.0,
        "seed": 3,
        "threads": 1,
        "gap": 0.0,
    }
    quiet = run("solve", scenario, "-o", tmp_path / "q.json", "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stdout == ""


def test_existing_output_needs_force(scenario, tmp_path):
    out = tmp_path / "plan.json"
    out.write_text("keep")
    result = run("solve", scenario, "-o", out)
    assert result.exit_code == 2
    assert str(out) in result.stderr
    assert out.read_text() == "keep"
    assert run("solve", scenario, "-o", out, "--force", "--quiet").exit_code == 0
    assert json.loads(out.read_text())["schema"] == "gpuplace.plan/1"


def test_infeasible_writes_nothing_and_explains(scenario, tmp_path):
    out = tmp_path / "plan.json"
    result = run("solve", scenario, "-o", out, "--set", "constraints.budget=1", "--format", "json")
    assert result.exit_code == 1
    assert not out.exists()
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible"
    assert plan["objective"] is None
    assert any("budget" in line for line in plan["diagnosis"])
    text = run("solve", scenario, "--set", "constraints.budget=1")
    assert text.exit_code == 1
    assert "budget" in text.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("solve", "missing.toml"),
        ("solve", "{scenario}", "--set", "no_equals_sign"),
        ("solve", "{scenario}", "--set", "constraints.nope=1"),
        ("solve", "{scenario}", "--solver", "nosuchsolver"),
        ("solve",),
        ("verify", "{scenario}", "missing-plan.json"),
    ],
)
def test_bad_input_exits_2(scenario, args):
    result = run(*[a.format(scenario=scenario) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_plan_failing_verification_is_not_written(scenario, tmp_path, monkeypatch):
    real = solvers.solve

    def too_few_gpus(instance, solver="auto", params=None, warm_start=None, extra_pieces=()):
        good = real(instance, solver="highs", params=params)
        return dataclasses.replace(good, new_gpus=good.new_gpus // 2)

    monkeypatch.setattr(solvers, "solve", too_few_gpus)
    out = tmp_path / "plan.json"
    result = run("solve", scenario, "-o", out)
    assert result.exit_code == 1
    assert "capacity" in result.stderr
    assert not out.exists()


def test_verify_lists_violations(scenario, tmp_path):
    out = tmp_path / "plan.json"
    assert run("solve", scenario, "-o", out, "--quiet").exit_code == 0
    plan = json.loads(out.read_text())
    plan["assignments"][0]["rtt_ms"] += 1.0
    plan["kpis"]["total_cost"] = 1.0
    out.write_text(json.dumps(plan))
    result = run("verify", scenario, out, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert {v["constraint"] for v in report["violations"]} == {"rtt", "kpi"}
    text = run("verify", scenario, out)
    assert text.exit_code == 1
    assert "rtt" in text.stdout


def test_verify_warns_on_other_scenario_inputs(scenario, tmp_path):
    out = tmp_path / "plan.json"
    assert run("solve", scenario, "-o", out, "--quiet").exit_code == 0
    result = run("verify", scenario, out, "--set", "constraints.max_utilisation=0.99")
    assert result.exit_code == 0
    assert "warning" in result.stderr
    tight = run("verify", scenario, out, "--set", "constraints.budget=10", "--format", "json")
    assert tight.exit_code == 1
    assert json.loads(tight.stdout)["scenario_sha256_matches"] is False


def test_verify_bad_plan_file(scenario, tmp_path):
    out = tmp_path / "plan.json"
    out.write_text('{"schema": "gpuplace.plan/1"}')
    result = run("verify", scenario, out)
    assert result.exit_code == 2
    assert "kpis" in result.stderr


def test_first_ctrl_c_keeps_the_best_plan(scenario, tmp_path, monkeypatch):
    real = solvers.solve

    def interrupted_solve(instance, solver="auto", params=None, warm_start=None, extra_pieces=()):
        good = real(instance, solver="highs", params=params)
        os.kill(os.getpid(), signal.SIGINT)  # delivered to the main thread's handler
        deadline = time.monotonic() + 10.0
        while not params.cancel.cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
        return dataclasses.replace(good, status=solvers.Status.FEASIBLE)

    assert threading.current_thread() is threading.main_thread()
    monkeypatch.setattr(solvers, "solve", interrupted_solve)
    # the command must put back whatever handler it found; start from Python's own
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    out = tmp_path / "plan.json"
    result = run("solve", scenario, "-o", out, "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert plan["interrupted"] is True
    assert plan["status"] == "feasible"
    assert plan["stop_reason"] == "interrupted"
    restored = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, before)
    assert restored is signal.default_int_handler
