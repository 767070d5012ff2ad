"""``gpuplace failures`` and ``solve`` with survive_site_failure, through the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from gpuplace.cli import app
from support.resilience_cases import write_line_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    folder = tmp_path_factory.mktemp("line")
    scenario = write_line_scenario(folder)
    plan = folder / "plan.json"
    result = runner.invoke(app, ["solve", scenario, "-o", str(plan), "--solver", "highs"])
    assert result.exit_code == 0, result.output
    return scenario, str(plan), folder


def test_failures_json_lists_worst_case_first(plain):
    scenario, plan, _ = plain
    result = runner.invoke(app, ["failures", scenario, plan, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "rehome"
    assert data["redundancy"]["guaranteed_demand"] == 0.0
    cases = data["cases"]
    # 1 open site + 4 links.
    assert len(cases) == 5
    assert (cases[0]["kind"], cases[0]["name"]) == ("site", "sB")
    assert cases[0]["unserved_demand"] == pytest.approx(20.0)
    by_name = {c["name"]: c for c in cases}
    assert by_name["A--B"]["unserved_demand"] == pytest.approx(10.0)
    assert by_name["A--D"]["unserved_demand"] == 0.0


def test_failures_csv_with_srlg_file_written_atomically(plain, tmp_path):
    scenario, plan, _ = plain
    groups = tmp_path / "srlg.csv"
    groups.write_text("group,source,target\ncable,A,B\ncable,B,C\n", encoding="utf-8")
    out = tmp_path / "failures.csv"
    args = ["failures", scenario, plan, "--srlg", str(groups), "--no-links", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["kind"], r["name"]) for r in rows] == [("site", "sB"), ("srlg", "cable")]
    assert float(rows[1]["unserved_demand"]) == pytest.approx(20.0)
    # An existing output is not overwritten without --force.
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("group,source\ncable,A\n", "missing column(s): target"),
        ("group,source,target\ncable,A,\n", "row 1: empty target"),
        ("group,source,target\ncable,A,C\n", "no link 'A'--'C'"),
    ],
)
def test_bad_srlg_file_exits_2_naming_the_problem(plain, tmp_path, content, message):
    scenario, plan, _ = plain
    groups = tmp_path / "srlg.csv"
    groups.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["failures", scenario, plan, "--srlg", str(groups)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_srlg_json_format(plain, tmp_path):
    scenario, plan, _ = plain
    groups = tmp_path / "srlg.json"
    groups.write_text(json.dumps({"cable": [["A", "B"], ["B", "C"]]}), encoding="utf-8")
    result = runner.invoke(
        app, ["failures", scenario, plan, "--srlg", str(groups), "--no-links", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    names = [c["name"] for c in json.loads(result.stdout)["cases"]]
    assert names == ["sB", "cable"]


def test_resolve_prices_the_cheapest_repair(plain):
    scenario, plan, _ = plain
    result = runner.invoke(
        app, ["failures", scenario, plan, "--mode", "resolve", "--solver", "highs", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    by_name = {c["name"]: c for c in json.loads(result.stdout)["cases"]}
    # Losing sB: open sA and sC with 10 GPUs each.
    assert by_name["sB"]["repair_cost"] == pytest.approx(4000.0)
    assert sorted(by_name["sB"]["repair_new_sites"]) == ["sA", "sC"]
    assert by_name["sB"]["repair_gpus"] == {"sA": {"G": 10}, "sC": {"G": 10}}
    # Losing A-B: rA needs its own site sA (10 GPUs); sB keeps serving rC.
    assert by_name["A--B"]["repair_cost"] == pytest.approx(2000.0)
    assert by_name["A--B"]["repair_new_sites"] == ["sA"]
    # An unused link needs no repair.
    assert by_name["A--D"]["repair_status"] == "not_needed"
    assert by_name["A--D"]["repair_cost"] == 0.0


def test_survivable_solve_and_text_output(tmp_path):
    scenario = write_line_scenario(tmp_path, "survive_site_failure = true")
    plan = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", scenario, "-o", str(plan)])
    assert result.exit_code == 0, result.output
    data = json.loads(plan.read_text(encoding="utf-8"))
    assert data["kpis"]["total_cost"] == pytest.approx(5500.0)
    text = runner.invoke(app, ["failures", scenario, str(plan), "--no-links"])
    assert text.exit_code == 0, text.output
    assert "3 failure cases (rehome); 0 leave demand unserved" in text.output
    assert "Demand guaranteed by redundancy alone" in text.output


def test_text_format_with_output_file_needs_a_machine_format(plain, tmp_path):
    scenario, plan, _ = plain
    result = runner.invoke(app, ["failures", scenario, plan, "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 2
