"""compare: KPIs side by side, differences found, CSV/JSON output, bad files exit 2."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from gpuplace.cli import app
from gpuplace.errors import InputError
from gpuplace.planning.compare import compare_plans, plan_labels
from gpuplace.planning.plans import load_plan, primary_sites
from gpuplace.solvers.plan import Plan
from support.plan_samples import plan_a, plan_b

runner = CliRunner()


def _write(path, plan):
    path.write_text(json.dumps(plan))
    return path


def test_metrics_one_value_per_plan():
    comparison = compare_plans([Plan.from_dict(plan_a()), Plan.from_dict(plan_b())], ["a", "b"])
    assert comparison.metrics["objective"] == [2_620_000.0, 3_000_000.0]
    assert comparison.metrics["gpus.H100"] == [36, 38]
    assert comparison.metrics["gpus.L40S"] == [4, 0]
    assert comparison.metrics["sites_open"] == [2, 2]
    assert comparison.metrics["agreement"] == [1.0, 0.5]
    assert comparison.warnings == []


def test_differences_found():
    comparison = compare_plans([Plan.from_dict(plan_a()), Plan.from_dict(plan_b())], ["a", "b"])
    assert comparison.site_presence == [
        {"site": "akl1", "in": ["a"]},
        {"site": "mel1", "in": ["b"]},
    ]
    deltas = {(d["site"], d["type"]): d["delta"][1] for d in comparison.gpu_deltas}
    assert deltas == {
        ("akl1", "H100"): -1,
        ("akl1", "L40S"): -4,
        ("mel1", "H100"): 10,
        ("syd1", "H100"): -7,
    }
    assert comparison.pool_changes == [
        {"region": "Geelong", "sites": ["syd1", "mel1"]},
        {"region": "Wellington", "sites": ["akl1", "syd1"]},
    ]


def test_identical_plans_have_no_differences():
    comparison = compare_plans([Plan.from_dict(plan_a()), Plan.from_dict(plan_a())])
    assert comparison.site_presence == comparison.gpu_deltas == comparison.pool_changes == []
    assert comparison.labels == ("plan1", "plan2")


def test_unserved_region_counts_as_pool_change():
    b = plan_b()
    b["assignments"] = [a for a in b["assignments"] if a["region"] != "GoldCoast"]
    comparison = compare_plans([Plan.from_dict(plan_a()), Plan.from_dict(b)])
    assert {"region": "GoldCoast", "sites": ["syd1", None]} in comparison.pool_changes


def test_primary_site_ties_pick_smallest_id():
    half = {"region": "Geelong", "share": 0.5, "demand": 10.0, "rtt_ms": 1.0}
    plan = dict(plan_a(), assignments=[dict(half, site="syd1"), dict(half, site="akl1")])
    assert primary_sites(Plan.from_dict(plan)) == {"Geelong": "akl1"}


def test_different_scenarios_warn():
    b = plan_b()
    b["scenario"]["sha256"] = "b" * 64
    comparison = compare_plans([Plan.from_dict(plan_a()), Plan.from_dict(b)], ["a", "b"])
    assert len(comparison.warnings) == 1
    assert "different scenarios" in comparison.warnings[0]


def test_plan_labels_unique():
    assert plan_labels(["x/a.json", "y/b.json"]) == ["a", "b"]
    assert plan_labels(["x/a.json", "y/a.json"]) == ["x/a.json", "y/a.json"]
    assert plan_labels(["a.json", "a.json"]) == ["a#1", "a#2"]


def test_cli_json(tmp_path):
    a = _write(tmp_path / "a.json", plan_a())
    b = _write(tmp_path / "b.json", plan_b())
    result = runner.invoke(app, ["compare", str(a), str(b), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["label"] for p in data["plans"]] == ["a", "b"]
    assert data["metrics"]["total_cost"] == [2_620_000.0, 3_000_000.0]
    assert len(data["differences"]["pool_changes"]) == 2
    assert data["warnings"] == []


def test_cli_csv(tmp_path):
    a = _write(tmp_path / "a.json", plan_a())
    b = _write(tmp_path / "b.json", plan_b())
    result = runner.invoke(app, ["compare", str(a), str(b), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    by_key = {(r["section"], r["key"]): r for r in rows}
    assert by_key[("kpi", "wall_s")]["b"] == "1.25"
    assert by_key[("site_gpus", "mel1.H100")]["b"] == "10"
    assert by_key[("primary_site", "Geelong")]["b"] == "mel1"
    assert ("primary_site", "Parramatta") not in by_key


def test_cli_text_and_warning(tmp_path):
    a = _write(tmp_path / "a.json", plan_a())
    other = plan_b()
    other["scenario"]["sha256"] = "c" * 64
    b = _write(tmp_path / "b.json", other)
    result = runner.invoke(app, ["compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert "Regions whose primary site differs" in result.stdout
    assert "different scenarios" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{nope", "not valid JSON"), ('{"schema": "other"}', "schema"), ("[1]", "JSON object")],
)
def test_cli_unreadable_plan_exits_2(tmp_path, content, expected):
    a = _write(tmp_path / "a.json", plan_a())
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = runner.invoke(app, ["compare", str(a), str(bad)])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_cli_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["compare", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert "missing.json" in result.stderr


def test_load_plan_names_file(tmp_path):
    bad = tmp_path / "bad.json"
    plan = plan_a()
    plan["sites"] = 3
    bad.write_text(json.dumps(plan))
    with pytest.raises(InputError) as info:
        load_plan(bad)
    assert [p.where for p in info.value.problems] == ["sites"]
    assert info.value.problems[0].file == str(bad)
