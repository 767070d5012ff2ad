"""The survive_site_failure family: rows solved by an independent MIP, solve() with the flag, check."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from gpuplace.errors import InputError
from gpuplace.resilience.plan_arrays import plan_arrays
from gpuplace.resilience.rehome import DEMAND_TOL, failover_shortfall
from gpuplace.resilience.survivable import FailureCaseRows
from gpuplace.scenario.instance import Constraints, CustomConstraintSpec
from gpuplace.solvers import SolveParameters, Status, solve
from gpuplace.solvers.constraints import survivability
from gpuplace.solvers.constraints.registry import custom_kinds, families
from gpuplace.solvers.model import build_model
from gpuplace.solvers.plan import Plan
from gpuplace.solvers.reachable import reachable_pairs
from support.resilience_cases import PLAIN_PLAN, REDUNDANT_PLAN, SURVIVABLE_PLAN, line_instance


def _solve(instance, extra_pieces=()):
    """Optimal (cost, GPUs per site) of the full model, with scipy's MIP (HiGHS)."""
    model = build_model(instance, extra_pieces=extra_pieces)
    sign = 1.0 if model.sense == "min" else -1.0
    result = milp(
        sign * model.c,
        constraints=LinearConstraint(model.A, model.row_lb, model.row_ub),
        integrality=model.integer.astype(int),
        bounds=Bounds(model.col_lb, model.col_ub),
    )
    assert result.status == 0, result.message
    gpus = np.round(model.values(result.x, "gpus")).astype(int)
    return float(model.c @ result.x + model.c0), gpus


def test_registered_as_family_only():
    assert families()["survive_site_failure"] is survivability
    assert "survive_site_failure" not in custom_kinds()


@pytest.mark.parametrize(
    "kind",
    [
        "survive_site_failure",
        "failover_cut",
        "failover_cuts",
        "failover_min_open",
        "failover_spread",
    ],
)
def test_internal_rows_are_not_user_kinds(kind):
    spec = CustomConstraintSpec(kind, {"regions": ["rA"], "sites": ["sA"]}, "constraints.custom[0]")
    with pytest.raises(InputError) as caught:
        build_model(line_instance(Constraints(custom=(spec,))))
    (problem,) = caught.value.problems
    assert problem.where == "constraints.custom[0].kind"
    assert f"unknown constraint kind {kind!r}" in problem.what
    assert "failover" not in problem.what.split("known:")[1]


def test_solve_with_the_flag_builds_the_exact_family():
    instance = line_instance(Constraints(survive_site_failure=True))
    model = build_model(instance)
    # One block of failover variables per site that may open.
    assert (
        sorted(n for n in model.var_blocks if n.startswith("failover")) == ["failover_0"]
        and model.var_blocks["failover_0"].size == 8
    )  # 4 pairs x 3 cases - 4 at the lost site
    params = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=0)
    solution = solve(instance, solver="highs", params=params)
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(5500.0)
    assert solution.new_gpus[:, 0].tolist() == [10, 10, 10]


def test_plain_model_opens_one_site():
    cost, gpus = _solve(line_instance())
    assert cost == pytest.approx(2500.0)
    assert gpus.tolist() == [0, 20, 0]


def test_family_makes_every_site_survivable():
    cost, gpus = _solve(line_instance(Constraints(survive_site_failure=True)))
    assert cost == pytest.approx(5500.0)
    assert gpus.tolist() == [10, 10, 10]


def test_failure_case_rows_include_only_the_named_failures():
    # Surviving only the loss of sB: sA and sC each take their own region.
    cost, gpus = _solve(line_instance(), extra_pieces=[FailureCaseRows([1])])
    assert cost == pytest.approx(4000.0)
    assert gpus.tolist() == [10, 0, 10]


def test_failover_sla_factor_widens_reach():
    # With twice the SLA every region reaches every site; sB + sC (or sA + sB) suffice.
    cost, gpus = _solve(
        line_instance(Constraints(survive_site_failure=True, failover_sla_factor=2.0))
    )
    assert cost == pytest.approx(5500.0)
    assert int(gpus.sum()) in (30, 40)


def test_unserved_demand_need_not_be_reserved():
    # Demand may go unserved at a penalty below the price of resilience: serve nothing.
    constraints = Constraints(
        survive_site_failure=True, allow_unserved=True, unserved_penalty=100.0
    )
    cost, gpus = _solve(line_instance(constraints))
    assert cost == pytest.approx(2000.0)
    assert gpus.tolist() == [0, 0, 0]


def test_check_accepts_survivable_plan_and_names_each_breaking_site():
    instance = line_instance(Constraints(survive_site_failure=True))
    assert survivability.check(instance, SURVIVABLE_PLAN) == []
    plain = survivability.check(instance, PLAIN_PLAN)
    assert len(plain) == 1 and plain[0].startswith("site sB:")
    redundant = survivability.check(instance, REDUNDANT_PLAN)
    # Losing sB leaves rA/rC half served by 5-GPU sites; losing sA or sC overloads sB.
    assert sorted(m.split(":")[0] for m in redundant) == ["site sA", "site sB", "site sC"]


def test_failover_lp_agrees_with_the_verifier_max_flow():
    """The cut loop's certification (failover LP) and the verifier's rule (max flow) agree."""
    from gpuplace.solvers.verify.failover import check_failover
    from gpuplace.solvers.verify.network import Network
    from gpuplace.solvers.verify.parsed import parse_plan

    instance = line_instance(Constraints(survive_site_failure=True))
    pairs = reachable_pairs(instance, sla_factor=1.0)
    expected = {"PLAIN": {"sB"}, "SURVIVABLE": set(), "REDUNDANT": {"sA", "sB", "sC"}}
    plans = {"PLAIN": PLAIN_PLAN, "SURVIVABLE": SURVIVABLE_PLAN, "REDUNDANT": REDUNDANT_PLAN}
    for label, plan in plans.items():
        arrays = plan_arrays(instance, Plan.from_dict(plan))
        served = arrays.served(instance.region_demand)
        lp = {
            instance.site_ids[f]
            for f in arrays.open_sites
            if failover_shortfall(instance, arrays.gpus, served, int(f), pairs) > DEMAND_TOL
        }
        flow = check_failover(instance, parse_plan(instance, plan), Network(instance), 1e-6)
        assert lp == {v.subject for v in flow} == expected[label]
