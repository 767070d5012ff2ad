"""Survivable plans by constraint generation over solvers.solve, certified independently."""

from __future__ import annotations

import pytest

from gpuplace.errors import InputError
from gpuplace.planning.failures import analyse_failures
from gpuplace.resilience import biting_failures, solve_survivable
from gpuplace.resilience.cut_rows import CapacityCutRows
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers import SolveParameters, Status, available_solvers, solve
from gpuplace.solvers.constraints import survivability
from gpuplace.solvers.plan import Plan, build_plan
from gpuplace.solvers.verify import verify_plan
from support.resilience_cases import line_instance

PARAMS = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=0)
SETTINGS = {"time_limit_s": 20.0, "gap": 0.0, "threads": 1, "seed": 0}
EXACT = [name for name in ("highs", "cpsat", "scip") if available_solvers().get(name)]


def _plan(instance, solution):
    return build_plan(instance, solution, solver_settings=SETTINGS)


@pytest.mark.parametrize("solver", EXACT)
def test_survivable_plan_costs_5500_and_survives_every_site(solver):
    instance = line_instance(Constraints(survive_site_failure=True))
    solution = solve_survivable(instance, solver=solver, params=PARAMS)
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(5500.0)
    assert solution.new_gpus[:, 0].tolist() == [10, 10, 10]
    assert any("every single-site failure checked" in note for note in solution.notes)
    assert biting_failures(instance, solution) == []
    plan = _plan(instance, solution)
    assert survivability.check(instance, plan) == []
    assert verify_plan(instance, plan) == []
    # Failure analysis agrees: no single site loss leaves demand unserved.
    impacts = analyse_failures(instance, Plan.from_dict(plan), links=False)
    assert [i.unserved_demand for i in impacts] == [0.0, 0.0, 0.0]


def test_plain_plan_breaks_at_its_only_site_and_the_verifier_says_so():
    plain = line_instance()
    solution = solve(plain, solver="highs", params=PARAMS)
    assert solution.objective == pytest.approx(2500.0)
    plan = _plan(plain, solution)
    flagged = line_instance(Constraints(survive_site_failure=True))
    assert biting_failures(flagged, solution) == [1]
    assert [m.split(":")[0] for m in survivability.check(flagged, plan)] == ["site sB"]
    impacts = analyse_failures(plain, Plan.from_dict(plan), links=False)
    assert [(i.name, i.unserved_demand) for i in impacts] == [("sB", pytest.approx(20.0))]


def test_no_survivable_plan_is_infeasible():
    # sA and sC closed: only sB can serve, so its loss can never be survived.
    import dataclasses

    import numpy as np

    instance = line_instance(Constraints(survive_site_failure=True))
    instance = dataclasses.replace(instance, site_status=np.array([2, 0, 2]))
    solution = solve_survivable(instance, solver="highs", params=PARAMS)
    assert solution.status == Status.INFEASIBLE
    assert any("fewer than two sites" in note and "rA, rC" in note for note in solution.notes)


def test_power_too_small_for_failover_is_infeasible_from_the_model():
    import dataclasses

    import numpy as np

    # sA and sC can hold 9 GPUs each: after losing sB, rA (10) cannot be re-served.
    instance = line_instance(Constraints(survive_site_failure=True))
    instance = dataclasses.replace(instance, site_power_kw=np.array([9.0, 1000.0, 9.0]))
    assert solve(line_instance(), solver="highs", params=PARAMS).status == Status.OPTIMAL
    solution = solve_survivable(instance, solver="highs", params=PARAMS)
    assert solution.status == Status.INFEASIBLE
    assert any("survive_site_failure: round" in note for note in solution.notes)


def test_redundancy_two_solves_to_4500_and_guarantees_half():
    from gpuplace.planning.failures import redundancy_guarantee

    instance = line_instance(Constraints(redundancy=2))
    solution = solve(instance, solver="highs", params=PARAMS)
    assert solution.objective == pytest.approx(4500.0)
    plan = Plan.from_dict(_plan(instance, solution))
    guarantee = redundancy_guarantee(instance, plan)
    assert guarantee.guaranteed_fraction == pytest.approx(0.5)
    impacts = analyse_failures(instance, plan, links=False)
    # Without re-homing each loss keeps at least half; losing sB keeps exactly half.
    kept = {i.name: i.kept_demand for i in impacts}
    assert kept["sB"] == pytest.approx(10.0)
    assert min(kept.values()) >= 10.0 - 1e-6


def test_failures_section_plugs_into_the_report(tmp_path):
    from gpuplace.planning.failures import redundancy_guarantee
    from gpuplace.planning.failures_output import failures_section
    from gpuplace.planning.report import build_report

    instance = line_instance()
    plan = Plan.from_dict(_plan(instance, solve(instance, solver="highs", params=PARAMS)))
    impacts = analyse_failures(instance, plan)
    section = failures_section(impacts, redundancy_guarantee(instance, plan))
    report = build_report(instance, plan, tmp_path / "report", tiles=None, extra_sections=[section])
    assert "failures/failures.csv" in report.files
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "Failure impact" in index and "sB" in index
    rows = (tmp_path / "report" / "failures" / "failures.csv").read_text().splitlines()
    assert len(rows) == 1 + len(impacts)
    assert rows[1].startswith("site,sB,")


@pytest.mark.parametrize(
    ("method", "factor", "word"),
    [
        ("cuts", 2.0, "cut(s)"),
        ("scenarios", 2.0, "failure case(s)"),
        ("auto", 2.0, "cut(s)"),
        ("auto", 0.9, "failure case(s)"),  # cuts need factor >= 1
    ],
)
def test_both_generation_methods_reach_the_same_optimum(method, factor, word):
    instance = line_instance(Constraints(survive_site_failure=True, failover_sla_factor=factor))
    solution = solve_survivable(instance, "highs", PARAMS, method=method)
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(5500.0)
    assert any(word in note for note in solution.notes)
    assert biting_failures(instance, solution) == []


def test_capacity_cut_piece_binds_through_solve():
    # rA's 10 units must fit in sA: sA opens with 10 GPUs although sB could serve everyone.
    cut = CapacityCutRows([((0,), (0,))])
    solution = solve(line_instance(), solver="highs", params=PARAMS, extra_pieces=[cut])
    assert solution.status == Status.OPTIMAL
    assert solution.new_gpus[:, 0].tolist() == [10, 10, 0]
    assert solution.objective == pytest.approx(1000 + 500 + 100 * 20)


def test_unknown_solver_is_an_input_error_before_any_round():
    instance = line_instance(Constraints(survive_site_failure=True))
    with pytest.raises(InputError) as caught:
        solve_survivable(instance, solver="nope", params=PARAMS)
    assert caught.value.problems[0].where == "solver.name"


def test_solve_survivable_does_not_import_planning_or_commands():
    import subprocess
    import sys

    code = (
        "import sys, gpuplace.resilience; "
        "print(sorted(m for m in sys.modules if m.startswith(('gpuplace.planning', "
        "'gpuplace.commands', 'gpuplace.cli'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
