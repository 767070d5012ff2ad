"""Solve, verify, compare, report, sweep and failures through the Python API."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import gpuplace
from support.plan_samples import write_tiny_scenario


@pytest.fixture(scope="module")
def nz():
    instance = gpuplace.from_frames(*gpuplace.dataset_frames("apac", countries=["NZ"]))
    return instance, gpuplace.solve(instance, threads=1, time_limit_s=20, seed=3)


def test_solve_records_its_settings(nz):
    _, plan = nz
    assert (plan.solver.threads, plan.solver.time_limit_s, plan.solver.seed) == (1, 20, 3)
    assert plan.status.value == "optimal" and not plan.interrupted


def test_a_cancelled_token_stops_the_solve(nz):
    instance, _ = nz
    token = gpuplace.CancelToken()
    token.cancel()
    plan = gpuplace.solve(instance, threads=1, cancel=token)
    assert plan.interrupted is True


def test_verify_takes_a_plan_or_its_file(nz, tmp_path):
    instance, plan = nz
    path = plan.write(tmp_path / "plan.json")
    assert gpuplace.verify(instance, plan) == gpuplace.verify(instance, path) == []
    data = json.loads(path.read_text())
    data["sites"][0]["gpus"] = {"H100": 1}
    data["sites"][0]["new_gpus"] = {"H100": 1}
    broken = gpuplace.Plan.from_dict(data)
    assert {v.constraint for v in gpuplace.verify(instance, broken)} >= {"capacity"}


def test_compare_labels(nz, tmp_path):
    _, plan = nz
    a, b = plan.write(tmp_path / "first.json"), plan.write(tmp_path / "second.json")
    assert gpuplace.compare([a, b]).labels == ("first", "second")
    assert gpuplace.compare([plan, a]).labels == ("plan1", "plan2")
    named = gpuplace.compare({"x": plan, "y": b})
    assert named.labels == ("x", "y") and named.metrics["agreement"] == [1.0, 1.0]
    table = pd.DataFrame(named.metrics, index=named.labels).T
    assert table.loc["sites_open"].tolist() == [plan.kpis.sites_open] * 2
    with pytest.raises(ValueError, match="one label per plan"):
        gpuplace.compare([plan, plan], labels=["only"])


def test_report(nz, tmp_path):
    instance, plan = nz
    report = gpuplace.report(instance, plan, tmp_path / "report", tiles=None)
    assert {"index.html", "map.html", "sites.geojson", "assignments.csv"} <= set(report.files)
    assert (tmp_path / "report" / "index.html").is_file()
    with pytest.raises(gpuplace.InputError):
        gpuplace.report(instance, plan, tmp_path / "report", tiles=None)


def test_failures(nz, tmp_path):
    instance, plan = nz
    impacts = gpuplace.failures(instance, plan, links=False)
    assert [i.failed for i in impacts] == [(s.id,) for s in plan.sites]
    assert impacts[0].unserved_fraction == pytest.approx(1.0)  # one site serves everything
    srlg = tmp_path / "srlg.csv"
    srlg.write_text("group,source,target\nnorth,Auckland,Wellington\n")
    by_file = gpuplace.failures(instance, plan, sites=False, links=False, srlg=srlg)
    by_value = gpuplace.failures(
        instance, plan, sites=False, links=False, srlg={"north": [("Auckland", "Wellington")]}
    )
    assert [i.to_dict() for i in by_file] == [i.to_dict() for i in by_value]
    assert [i.kind for i in by_file] == ["srlg"]


def test_sweep_takes_a_mapping(tmp_path):
    scenario = write_tiny_scenario(tmp_path / "scenario")
    result = gpuplace.sweep(
        scenario,
        {"constraints.budget": [1e5, 2e6], "constraints.single_sourcing": [False]},
        tmp_path / "sweep",
        solver="highs",
        time_limit_s=10,
        workers=1,
    )
    rows = {row["constraints.budget"]: row for row in result.rows}
    assert set(rows) == {"100000.0", "2000000.0"}
    assert rows["100000.0"]["status"] == "infeasible"
    assert rows["2000000.0"]["status"] in ("optimal", "feasible")
    assert {row["constraints.single_sourcing"] for row in result.rows} == {"false"}
    assert (tmp_path / "sweep" / "results.csv").is_file()
