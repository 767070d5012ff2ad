"""The survive_site_failure constraint piece: rows solved by an independent MIP, and its check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from gpuplace.errors import InputError
from gpuplace.scenario.instance import Constraints, CustomConstraintSpec
from gpuplace.solvers.constraints import survivability
from gpuplace.solvers.constraints.registry import custom_kinds, families
from gpuplace.solvers.model import build_model
from support.resilience_cases import PLAIN_PLAN, REDUNDANT_PLAN, SURVIVABLE_PLAN, line_instance


def _solve(instance):
    """Optimal (cost, GPUs per site) of the full model, with scipy's MIP (HiGHS)."""
    model = build_model(instance)
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


def test_registered_as_family_and_custom_kind():
    assert families()["survive_site_failure"] is survivability
    assert custom_kinds()["survive_site_failure"] is survivability.SurviveSiteFailure


def test_plain_model_opens_one_site():
    cost, gpus = _solve(line_instance())
    assert cost == pytest.approx(2500.0)
    assert gpus.tolist() == [0, 20, 0]


def test_family_makes_every_site_survivable():
    cost, gpus = _solve(line_instance(Constraints(survive_site_failure=True)))
    assert cost == pytest.approx(5500.0)
    assert gpus.tolist() == [10, 10, 10]


def test_custom_kind_includes_only_the_named_failures():
    # Surviving only the loss of sB: sA and sC each take their own region.
    spec = CustomConstraintSpec("survive_site_failure", {"sites": ["sB"]}, "constraints.custom[0]")
    cost, gpus = _solve(line_instance(Constraints(custom=(spec,))))
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


def test_check_agrees_with_the_verifier_failover_rule():
    from gpuplace.solvers.verify.failover import check_failover
    from gpuplace.solvers.verify.network import Network
    from gpuplace.solvers.verify.parsed import parse_plan

    instance = line_instance(Constraints(survive_site_failure=True))
    for plan in (PLAIN_PLAN, SURVIVABLE_PLAN, REDUNDANT_PLAN):
        ours = {m.split(":")[0].removeprefix("site ") for m in survivability.check(instance, plan)}
        theirs = check_failover(instance, parse_plan(instance, plan), Network(instance), 1e-6)
        assert ours == {v.subject for v in theirs}


def test_custom_kind_with_unknown_site_is_an_input_error():
    spec = CustomConstraintSpec(
        "survive_site_failure", {"sites": ["nope"]}, "constraints.custom[0]"
    )
    instance = dataclasses.replace(line_instance(), constraints=Constraints(custom=(spec,)))
    with pytest.raises(InputError) as caught:
        build_model(instance)
    assert caught.value.problems[0].where == "constraints.custom[0].params.sites"
