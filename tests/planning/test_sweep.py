"""Sweeps on Dask: a local cluster, a real scheduler + worker, resume, failing cases, CLI."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpuplace.cli import app
from gpuplace.planning.executor import run_tasks
from gpuplace.planning.sweep import SolverOptions, run_sweep
from gpuplace.solvers.planio import read_plan
from gpuplace.solvers.verify import verify_plan
from support.plan_samples import write_tiny_scenario

runner = CliRunner()
BIN = Path(sys.executable).parent
OPTIONS = SolverOptions(solver="highs", time_limit_s=10, threads=1)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    return write_tiny_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def local_sweep(scenario, tmp_path_factory):
    """Budgets 1e5 (infeasible), 2e6 and 5e6 x max_utilisation 1.0 and -1 (does not load)."""
    out = tmp_path_factory.mktemp("sweeps") / "local"
    result = run_sweep(
        scenario,
        ["constraints.budget=1e5,2e6,5e6", "constraints.max_utilisation=1.0,-1"],
        out,
        options=OPTIONS,
        workers=1,
    )
    return result, out


def test_local_sweep_rows(local_sweep):
    result, out = local_sweep
    rows = _rows(out / "results.csv")
    assert len(rows) == len(result.rows) == 6
    by_case = {(r["constraints.budget"], r["constraints.max_utilisation"]): r for r in rows}
    assert by_case[("1e5", "1.0")]["status"] == "infeasible"
    assert "budget" in by_case[("1e5", "1.0")]["diagnosis"]
    assert by_case[("2e6", "1.0")]["status"] == "optimal"
    assert float(by_case[("2e6", "1.0")]["total_cost"]) <= 2e6
    for budget in ("1e5", "2e6", "5e6"):
        bad = by_case[(budget, "-1")]
        assert bad["status"] == "error"
        assert "max_utilisation" in bad["error"]
        assert bad["plan"] == ""
    assert result.errors == 3
    assert result.solved == 3 and result.reused == 0


def test_local_sweep_plans_verified(local_sweep, scenario):
    from gpuplace.scenario import load_instance

    _, out = local_sweep
    rows = [r for r in _rows(out / "results.csv") if r["status"] == "optimal"]
    assert len(rows) == 2
    for row in rows:
        plan = read_plan(out / row["plan"])
        overrides = {k: row[k] for k in ("constraints.budget", "constraints.max_utilisation")}
        instance = load_instance(scenario, overrides)
        assert verify_plan(instance, plan) == []
        assert plan["scenario"]["sha256"] == instance.sha256
        assert math.isclose(plan["kpis"]["total_cost"], float(row["total_cost"]))
    # No plan is written for the infeasible case, and none for errors.
    assert len(list((out / "plans").iterdir())) == 2


def test_local_sweep_pareto(local_sweep):
    result, out = local_sweep
    assert (out / "pareto.png").read_bytes().startswith(PNG_MAGIC)
    rows = _rows(out / "pareto.csv")
    assert [r["case"] for r in rows] == [r["case"] for r in result.rows]
    marked = [r for r in rows if r["pareto"] == "True"]
    assert marked and all(r["status"] == "optimal" for r in marked)
    assert all(r["pareto"] == "False" for r in rows if r["status"] != "optimal")


def test_resume_solves_nothing_new(local_sweep, scenario):
    result, out = local_sweep
    before = (out / "results.csv").read_text()
    again = run_sweep(
        scenario,
        ["constraints.budget=1e5,2e6,5e6", "constraints.max_utilisation=1.0,-1"],
        out,
        options=OPTIONS,
        workers=1,
    )
    assert again.reused == 3
    assert again.solved == 0  # load errors are reported again, nothing goes to a worker
    assert (out / "results.csv").read_text() == before


def test_resume_after_interruption(local_sweep, scenario, tmp_path):
    _, done = local_sweep
    out = tmp_path / "partial"
    shutil.copytree(done, out)
    # Pretend the sweep stopped before the 5e6 case finished.
    rows = _rows(out / "results.csv")
    lost = next(r for r in rows if r["constraints.budget"] == "5e6" and r["status"] == "optimal")
    (out / "cases" / f"{lost['case']}.json").unlink()
    (out / lost["plan"]).unlink()
    seen = []
    again = run_sweep(
        scenario,
        ["constraints.budget=1e5,2e6,5e6", "constraints.max_utilisation=1.0,-1"],
        out,
        options=OPTIONS,
        workers=1,
        on_case=seen.append,
    )
    assert (again.solved, again.reused) == (1, 2)
    assert (out / lost["plan"]).is_file()
    assert len(seen) == 6


def test_refuses_folder_that_is_not_a_sweep(scenario, tmp_path):
    from gpuplace.errors import InputError

    (tmp_path / "other.txt").write_text("x")
    with pytest.raises(InputError, match="holds no sweep"):
        run_sweep(scenario, ["constraints.budget=2e6"], tmp_path, options=OPTIONS, workers=1)


def test_every_case_failing_to_load_is_bad_input(scenario, tmp_path):
    from gpuplace.errors import InputError

    with pytest.raises(InputError, match="max_utilisation"):
        run_sweep(scenario, ["constraints.max_utilisation=-1,-2"], tmp_path / "o", workers=1)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real ``dask scheduler`` and ``dask worker`` on 127.0.0.1, stopped at the end."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    common = {"cwd": folder, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", scheduler_file],
        **common,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert scheduler_file.exists(), "dask scheduler did not start"
        worker = subprocess.Popen(
            [BIN / "dask", "worker", "--scheduler-file", scheduler_file, "--nworkers", "1",
             "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
            **common,
        )  # fmt: skip
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        yield json.loads(scheduler_file.read_text())["address"]
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
        for process in (worker, scheduler):
            if process is not None:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_sweep_on_dask_scheduler(dask_cluster, scenario, tmp_path):
    assert dask_cluster.startswith("tcp://127.0.0.1:")
    result = run_sweep(
        scenario,
        ["constraints.budget=2e6,5e6", "solver.name=cpsat,nonexistent"],
        tmp_path / "out",
        options=SolverOptions(time_limit_s=10, threads=1),
        scheduler=dask_cluster,
    )
    assert result.solved == 4
    statuses = {(r["constraints.budget"], r["solver.name"]): r["status"] for r in result.rows}
    assert statuses == {
        ("2e6", "cpsat"): "optimal",
        ("5e6", "cpsat"): "optimal",
        ("2e6", "nonexistent"): "error",
        ("5e6", "nonexistent"): "error",
    }
    failed = next(r for r in result.rows if r["status"] == "error")
    assert "unknown solver" in failed["error"]
    solved = next(r for r in result.rows if r["status"] == "optimal")
    assert solved["solver"] == "cpsat"


def test_run_tasks_on_scheduler(dask_cluster):
    results = sorted(run_tasks(math.sqrt, [4.0, 9.0, 16.0], scheduler=dask_cluster))
    assert results == [2.0, 3.0, 4.0]
    handled = run_tasks(
        math.sqrt, [4.0, -1.0], scheduler=dask_cluster, on_error=lambda item, e: f"{item}: {e}"
    )
    assert sorted(map(str, handled)) == ["-1.0: math domain error", "2.0"]
    with pytest.raises(ValueError):
        list(run_tasks(math.sqrt, [-1.0], scheduler=dask_cluster))


def test_run_tasks_bad_scheduler(monkeypatch):
    from gpuplace.errors import InputError

    monkeypatch.setattr("gpuplace.planning.executor.CONNECT_TIMEOUT_S", 2)
    with pytest.raises(InputError, match="cannot connect"):
        list(run_tasks(math.sqrt, [1.0], scheduler="tcp://127.0.0.1:1"))


def test_cli_sweep(scenario, tmp_path):
    out = tmp_path / "cli"
    args = ["sweep", str(scenario), "--vary", "constraints.budget=2e6:5e6:2", "-o", str(out),
            "--solver", "highs", "--workers", "1", "--format", "json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["cases"], summary["solved"], summary["errors"]) == (2, 2, 0)
    assert summary["pareto_axes"] == ["total_cost:min", "mean_rtt_ms:min"]
    rows = _rows(out / "results.csv")
    assert [r["constraints.budget"] for r in rows] == ["2000000", "5000000"]
    again = json.loads(runner.invoke(app, args).stdout)
    assert (again["solved"], again["reused"]) == (0, 2)


def test_cli_sweep_bad_input(scenario, tmp_path):
    result = runner.invoke(app, ["sweep", str(scenario), "--vary", "budget", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "--vary" in result.stderr
    result = runner.invoke(
        app, ["sweep", str(scenario), "--vary", "constraints.budget=1", "--solver", "nope"]
    )
    assert result.exit_code == 2
    assert "unknown solver" in result.stderr


def test_cli_sweep_prints_each_error_with_its_reason(scenario, tmp_path):
    args = ["sweep", str(scenario), "--vary", "constraints.max_utilisation=1.0,-1",
            "-o", str(tmp_path / "errors"), "--solver", "highs", "--workers", "1"]  # fmt: skip
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    failed = json.loads(result.stdout)["failed_cases"]
    assert len(failed) == 1 and failed[0]["values"] == "constraints.max_utilisation=-1"
    assert "max_utilisation" in failed[0]["error"] and "got -1" in failed[0]["error"]
    assert "constraints.max_utilisation=-1" in result.stderr and "got -1" in result.stderr
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 1 and quiet.stdout == ""
    assert "got -1" in quiet.stderr


def test_a_long_sweep_prints_the_dask_dashboard(scenario, tmp_path):
    pytest.importorskip("bokeh", reason="the local Dask dashboard needs bokeh")
    from urllib.request import urlopen

    statuses: list[int] = []

    def visit(link: str) -> None:  # the scheduler on this machine, as a user's browser would
        assert link.startswith("http://127.0.0.1:")
        with urlopen(link, timeout=30) as page:
            statuses.append(page.status)

    results = list(run_tasks(abs, [-1, -2, -3], workers=1, on_dashboard=visit))
    assert sorted(results) == [1, 2, 3] and statuses == [200]
    args = ["sweep", str(scenario), "--vary", "constraints.budget=2e6,3e6,5e6",
            "-o", str(tmp_path / "long"), "--solver", "highs", "--workers", "1"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Dask dashboard: http://127.0.0.1:" in result.stderr
    short = runner.invoke(app, [*args[:3], "constraints.budget=2e6", "-o", str(tmp_path / "s"),
                                *args[-4:]])  # fmt: skip
    assert short.exit_code == 0 and "dashboard" not in short.stderr
