"""The bill in compare, report and sweep; --set and --vary reach the money keys."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.planning.compare import compare_plans, metric_label
from gpuplace.planning.report import build_report
from gpuplace.planning.sweep_case import summary_row
from gpuplace.planning.sweep_outputs import pareto_axes, results_csv
from gpuplace.scenario import load_instance
from support.money_cases import write_money


def _plans(tmp_path: Path):
    path = write_money(tmp_path, ttft_ms=400)
    free = load_instance(path)
    capped = load_instance(path, {"money.carbon_cap_t": "5"})
    assert capped.money is not None and capped.money.carbon_cap_t == 5.0
    params = solve_parameters(free, gap=0.0)
    return (
        free,
        solve_plan(free, solver="highs", params=params),
        solve_plan(capped, solver="highs", params=params),
    )


def test_compare_shows_the_bill(tmp_path: Path) -> None:
    _inst, free, capped = _plans(tmp_path)
    comparison = compare_plans([free, capped], ["free", "capped"])
    carbon = comparison.metrics["bill.carbon_t"]
    assert carbon[0] == pytest.approx(9.636) and carbon[1] < 5.0
    assert comparison.metrics["bill.carbon_cap_t"] == [None, 5.0]
    assert metric_label("bill.profit") == "profit a year"


def test_report_has_the_bill_per_site(tmp_path: Path) -> None:
    inst, free, _capped = _plans(tmp_path)
    report = build_report(inst, free, tmp_path / "report", tiles=None)
    assert "bill_sites.csv" in report.files and "bill.png" in report.files
    rows = list(csv.DictReader((tmp_path / "report" / "bill_sites.csv").open()))
    near = next(r for r in rows if r["site"] == "near")
    assert float(near["carbon_t"]) == pytest.approx(9.636)
    assert "The bill" in (tmp_path / "report" / "index.html").read_text()


def test_sweep_results_gain_the_bill_columns(tmp_path: Path) -> None:
    _inst, free, capped = _plans(tmp_path)
    rows = [summary_row(free), summary_row(capped)]
    text = results_csv(rows, ["money.carbon_cap_t"])
    header = text.splitlines()[0].split(",")
    assert header[-6:] == [
        "profit",
        "annualised_cost",
        "energy_cost",
        "carbon_t",
        "revenue",
        "plan",
    ]
    x, y = pareto_axes("carbon_t,annualised_cost", objective_kind="cost", vary_keys=[])
    assert (x.column, y.column) == ("carbon_t", "annualised_cost")
    assert pareto_axes("profit,carbon_t", objective_kind="profit", vary_keys=[])[0].sense == "max"


def test_sweep_results_without_money_are_unchanged(tmp_path: Path) -> None:
    from support.serving_cases import write_serving

    inst = load_instance(write_serving(tmp_path))
    plan = solve_plan(inst, solver="highs")
    header = results_csv([summary_row(plan)], []).splitlines()[0]
    assert "carbon_t" not in header and "profit" not in header


def test_solve_summary_lines(tmp_path: Path) -> None:
    from gpuplace.planning.money_kpis import bill_rows

    path = write_money(tmp_path, ttft_ms=400, money="carbon_cap_t = 5\n")
    inst = load_instance(path)
    plan = solve_plan(inst, solver="highs", params=solve_parameters(inst, gap=0.0))
    lines = dict(bill_rows(plan))
    assert lines["carbon cap (t CO2e)"] == "5" and lines["capex a year (annualised)"] == "75"


def test_no_bill_lines_without_money(tmp_path: Path) -> None:
    from gpuplace.planning.money_kpis import bill_rows
    from support.serving_cases import write_serving

    inst = load_instance(write_serving(tmp_path))
    assert bill_rows(solve_plan(inst, solver="highs")) == []
