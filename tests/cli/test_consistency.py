"""One rule each: ``inf`` alike in the CLI and the TOML, messages that name the real problem,
output locations that cannot take a file, and a report that stays small on big topologies.

Before: ``--time-limit inf`` was accepted on the command line but refused in the
TOML; HiGHS stopped by its time limit said "Interrupted by user"; ``report
--tiles foo`` crashed after the work was done; a 100,000-link topology made a
135 MB ``map.html`` (unused links drawn); ``-o /dev/null --force`` would have
replaced the device with a file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli_files import NODES, run, write_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999"])
@pytest.mark.parametrize(
    "command",
    [
        ["solve", "{s}", "--time-limit", "{v}"],
        ["solve", "{s}", "--gap", "{v}"],
        ["sweep", "{s}", "--vary", "constraints.budget=1e4", "--time-limit", "{v}"],
        ["failures", "{s}", "{p}", "--mode", "resolve", "--time-limit", "{v}"],
        ["verify", "{s}", "{p}", "--tolerance", "{v}"],
    ],
    ids=["solve-time", "solve-gap", "sweep", "failures", "verify"],
)
def test_non_finite_options_are_refused_like_in_the_toml(tmp_path, command, value):
    scenario = write_scenario(tmp_path)
    args = [a.format(s=scenario, p=tmp_path / "plan.json", v=value) for a in command]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("literal", ["inf", "nan", "-inf"])
def test_non_finite_scenario_values_are_refused(tmp_path, literal):
    scenario = write_scenario(tmp_path)
    in_toml = scenario.read_text().replace("time_limit_s = 10", f"time_limit_s = {literal}")
    scenario.write_text(in_toml)
    result = run("solve", scenario)
    assert result.exit_code == 2 and "solver.time_limit_s" in result.stderr
    assert "finite" in result.stderr
    scenario.write_text(in_toml.replace(f"time_limit_s = {literal}", "time_limit_s = 10"))
    override = run("solve", scenario, "--set", f"solver.time_limit_s={literal}")
    assert override.exit_code == 2 and "finite" in override.stderr


def test_highs_stopped_by_its_time_limit_says_so():
    result = run(
        "solve", ROOT / "datasets" / "apac" / "scenario.toml", "--solver", "highs",
        "--time-limit", "0.5", "--format", "json",
    )  # fmt: skip
    notes = " ".join(json.loads(result.stdout)["notes"])
    assert "Interrupted by user" not in notes
    assert json.loads(result.stdout)["stop_reason"] == "time_limit"
    if result.exit_code == 1:
        assert "time limit" in notes


@pytest.mark.parametrize("target", ["/dev/null", "folder", "under-a-file"])
def test_outputs_that_are_not_files_are_never_replaced(tmp_path, target):
    scenario = write_scenario(tmp_path / "s")
    if target == "folder":
        out = tmp_path / "taken"
        out.mkdir()
    elif target == "under-a-file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "plan.json"
    else:
        out = Path(target)
    result = run("solve", scenario, "-o", out, "--force", "--quiet")
    assert result.exit_code == 2 and "cannot write" in result.stderr, result.output
    assert Path("/dev/null").is_char_device()
    assert "Traceback" not in result.output


def test_unknown_tiles_are_refused_before_any_work(tmp_path):
    scenario = write_scenario(tmp_path / "s")
    plan = tmp_path / "plan.json"
    assert run("solve", scenario, "-o", plan, "--quiet").exit_code == 0
    out = tmp_path / "report"
    result = run("report", scenario, plan, "-o", out, "--tiles", "foo", "--failures")
    assert result.exit_code == 2 and "--tiles" in result.stderr and "foo" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_report_of_a_big_topology_draws_what_the_plan_uses(tmp_path):
    from gpuplace.planning.report.maps import MAX_LINKS_DRAWN

    extra = MAX_LINKS_DRAWN + 500
    nodes = NODES + [
        {"id": f"x{i}", "lat": -10.0 - (i // 100) * 0.01, "lon": (i % 100) * 0.01}
        for i in range(extra + 1)
    ]
    links = [{"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 100}]
    links += [{"source": "B", "target": "C", "latency_ms": 1.0, "capacity_gbps": 100}]
    links += [{"source": "C", "target": "D", "latency_ms": 1.0, "capacity_gbps": 100}]
    links += [{"source": f"x{i}", "target": f"x{i + 1}", "latency_ms": 1.0} for i in range(extra)]
    scenario = write_scenario(tmp_path / "s", nodes=nodes, links=links)
    plan = tmp_path / "plan.json"
    assert run("solve", scenario, "-o", plan, "--quiet").exit_code == 0
    out = tmp_path / "report"
    result = run("report", scenario, plan, "-o", out, "--tiles", "none", "-q")
    assert result.exit_code == 0, result.output
    assert f"leaves out the {extra + 1} links the plan does not use" in result.stderr  # and C-D
    html = (out / "map.html").read_text()
    assert html.count("x10 - x11") == 0 and html.count("B - C") >= 1
    assert (out / "map.html").stat().st_size < 2_000_000
