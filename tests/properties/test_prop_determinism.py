"""Determinism: the same instance, solver, seed and one thread give the same plan twice.

Only ``wall_s`` may differ. Checked for every installed backend on random
small instances, and once through ``gpuplace solve`` on files.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from typer.testing import CliRunner

from gpuplace import solvers
from gpuplace.cli import app
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters
from support.prop_cases import SETTINGS, build, specs, write_files

BACKENDS = [name for name, ok in solvers.available_solvers().items() if ok]
ONE_THREAD = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=3)


def _without_time(plan: dict) -> dict:
    return {k: v for k, v in plan.items() if k != "wall_s"}


@settings(max_examples=15)
@given(specs())
def test_same_inputs_same_plan(spec):
    for backend in BACKENDS:
        plans = [
            build_plan(
                instance, solvers.solve(instance, backend, ONE_THREAD), solver_settings=SETTINGS
            )
            for instance in (build(spec), build(spec))
        ]
        assert _without_time(plans[0]) == _without_time(plans[1]), backend


def test_cli_writes_the_same_plan_twice(tmp_path):
    scenario = write_files(tmp_path / "in")
    runner = CliRunner()
    plans = []
    for i in range(2):
        out = tmp_path / f"plan{i}.json"
        args = ["solve", str(scenario), "-o", str(out), "--solver", "cpsat", "--threads", "1"]
        result = runner.invoke(app, [*args, "--seed", "5", "--quiet"])
        assert result.exit_code == 0, result.output
        plans.append(_without_time(json.loads(out.read_text())))
    assert plans[0] == plans[1]
