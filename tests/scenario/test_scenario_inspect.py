"""inspect_scenario numbers, checked by hand on the base scenario, and ``gpuplace inspect``."""

import json

import pytest
from typer.testing import CliRunner

from gpuplace.cli import app
from gpuplace.scenario import inspect_scenario, load_instance


@pytest.fixture
def report(files):
    return inspect_scenario(load_instance(files.toml))


def test_sizes(report):
    assert report["sizes"] == {"sites": 3, "regions": 5, "gpu_types": 2, "pairs": 15}
    assert report["topology"]["nodes"] == 5 and report["topology"]["links"] == 5


def test_site_capacity_from_power_pue_and_space(report):
    by_id = {s["id"]: s for s in report["capacity"]["sites"]}
    # par1: 800 kW / pue 1.3 = 615.4 kW usable -> 615 H100, capped by max_gpus 512
    assert by_id["par1"]["max_gpus"] == {"H100": 512, "L40S": 512}
    assert by_id["par1"]["max_throughput"] == pytest.approx(5120.0)
    # fra1: 1200 / 1.2 = 1000 kW -> 1000 H100 (10 000 units), 2222 L40S capped at 1024
    assert by_id["fra1"]["max_gpus"] == {"H100": 1000, "L40S": 1024}
    assert by_id["fra1"]["max_throughput"] == pytest.approx(10000.0)
    # ams1: 600 / 1.25 = 480 kW, no space limit
    assert by_id["ams1"]["max_gpus"] == {"H100": 480, "L40S": 1066}
    assert by_id["ams1"]["max_throughput"] == pytest.approx(4800.0)
    capacity = report["capacity"]
    assert capacity["best_throughput_per_kw_type"] == "H100"
    assert capacity["total_max_throughput"] == pytest.approx(19920.0)
    assert capacity["usable_max_throughput"] == pytest.approx(19920.0 * 0.9)
    assert capacity["total_demand"] == 500.0 and capacity["enough"] is True


def test_budget_bound(report):
    budget = report["budget"]
    # L40S: 3.5 / (9000 * 0.95) per unit of money beats H100's 10 / (30000 * 0.95)
    assert budget["best_throughput_per_cost_type"] == "L40S"
    expected = 16 * 10 + 5.0e6 * 3.5 / (9000 * 0.95)
    assert budget["max_throughput_within_budget"] == pytest.approx(expected)
    assert budget["enough"] is True


def test_budget_too_small_is_flagged(files):
    report = inspect_scenario(load_instance(files.toml, {"constraints.budget": "1e5"}))
    assert report["budget"]["enough"] is False


def test_closed_site_has_no_capacity(files):
    files.set_cell("sites.csv", 3, "status", "closed")
    by_id = {s["id"]: s for s in inspect_scenario(load_instance(files.toml))["capacity"]["sites"]}
    assert by_id["ams1"]["max_throughput"] == 0.0 and by_id["ams1"]["status"] == "closed"


def test_regions_without_a_site_in_reach(files):
    files.set_cell("regions.csv", 5, "sla_rtt_ms", "5")
    report = inspect_scenario(load_instance(files.toml))
    assert report["regions_without_site"] == {"count": 1, "ids": ["madrid"], "demand": 60.0}
    assert report["coverage"]["sites_in_reach"]["min"] == 0


def test_nearest_rtt_statistics(files):
    files.set_key("latency.matrix_only", True)
    report = inspect_scenario(load_instance(files.toml))
    assert report["nearest_rtt_ms"] == {"mean": 5.1, "p50": 5.1, "p95": 5.1, "max": 5.1}
    assert report["regions_without_site"]["count"] == 4


def test_report_is_plain_json(report):
    assert json.loads(json.dumps(report, allow_nan=False)) == report


runner = CliRunner()


def test_cli_scenario_json(files):
    result = runner.invoke(app, ["inspect", str(files.toml), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "euro-mini" and data["sizes"]["pairs"] == 15


def test_cli_scenario_text(files):
    result = runner.invoke(app, ["inspect", str(files.toml)])
    assert result.exit_code == 0, result.output
    assert "euro-mini" in result.stdout and "Capacity and budget" in result.stdout


def test_cli_set_option(files):
    result = runner.invoke(
        app, ["inspect", str(files.toml), "--set", "constraints.budget=1e5", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["budget"]["budget"] == 1e5


def test_cli_topology_file(files):
    result = runner.invoke(app, ["inspect", str(files.path("topology.json")), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["nodes"] == 5 and data["components"]["count"] == 1


@pytest.mark.parametrize(
    "extra",
    [["--format", "yaml"], ["--set", "constraints.budget"], ["--set", "nope=1"]],
)
def test_cli_usage_errors_exit_2(files, extra):
    result = runner.invoke(app, ["inspect", str(files.toml), *extra])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_cli_set_on_a_topology_is_a_usage_error(files):
    topology = str(files.path("topology.json"))
    result = runner.invoke(app, ["inspect", topology, "--set", "a.b=1"])
    assert result.exit_code == 2


def test_cli_prints_bracketed_text_of_problems(files):
    files.delete_key("sites")
    result = runner.invoke(app, ["inspect", str(files.toml)])
    assert result.exit_code == 2
    assert "missing required section [sites]" in result.stderr
