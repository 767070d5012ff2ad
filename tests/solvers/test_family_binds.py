"""Every built-in family binds on a tiny instance solved by the default solver, and the plan
passes the verifier (whose rules are the built-in families' only check).

"Binds": the same model without what the family adds (rows, bounds, integrality) has a
strictly lower optimum, computed independently with scipy's MIP; for ``sovereignty``,
whose rule lives in the candidate pairs, the instance built with the flag off does. Where
the column bounds of the GPUs already hold a site's limit (one GPU type), the cases use
two types so that only the family's rows hold it. Baseline (``solver_cases.base``): open
s1 only, 6 GPUs, cost 110.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from gpuplace import solvers
from gpuplace.scenario import load_instance
from gpuplace.scenario.instance import Constraints, CustomConstraintSpec, Objective
from gpuplace.solvers.constraints.registry import BUILTIN_FAMILIES, all_pieces, families
from gpuplace.solvers.model.formulation import build_model, make_builder
from gpuplace.solvers.model.objective import add_objective
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters
from gpuplace.solvers.verify import verify_plan
from support.money_cases import write_money
from support.resilience_cases import line_instance
from support.serving_cases import write_serving
from support.solver_cases import base, linked_instance, tiny
from support.time_cases import (
    LINKED_COST,
    PHASED_COST,
    SUPPLY_LIMITED_COST,
    shared_pool,
    split_by_link,
    write_phased_scenario,
)

EXACT = SolveParameters(time_limit_s=30, gap=0.0, threads=1, seed=0)
SETTINGS = {"time_limit_s": 30, "gap": 0.0, "threads": 1, "seed": 0}


def _custom(kind: str, params: dict) -> tuple[CustomConstraintSpec, ...]:
    return (CustomConstraintSpec(kind, params, "constraints.custom[0]"),)


SOVEREIGN = {
    "node_country": ["AU", "NZ"],
    "region_allowed_countries": [None, None, frozenset({"AU"})],
}

# family -> (instance where it binds, the default solver's optimum there)
CASES = {
    "assignment": (base(), 110.0),
    # GPUs of 0 kW and no space limit: only the linking rows make a serving site open
    "linking": (base(gpu_kw=(0.0,)), 110.0),
    "capacity": (base(), 110.0),
    # two GPU types: the column bounds cap each type at 4 GPUs, only the rows cap the sum
    "power": (
        base(
            power=[100.0, 6.0],
            site_pue=[1.0, 1.5],
            capex=(10.0, 10.0),
            thr=(1.0, 1.0),
            gpu_kw=(1.0, 1.0),
        ),
        160.0,
    ),
    "space": (
        base(site_max_gpus=[np.inf, 4.0], capex=(10.0, 10.0), thr=(1.0, 1.0), gpu_kw=(1.0, 1.0)),
        160.0,
    ),
    "site_status": (base(site_status=[1, 0]), 160.0),
    "min_gpus": (base(constraints=Constraints(min_gpus_per_site=10)), 150.0),
    "site_count": (base(constraints=Constraints(min_sites=2)), 210.0),
    "budget": (
        base(
            rtt=[[1.0, 10.0]] * 3,
            objective=Objective(kind="latency"),
            constraints=Constraints(budget=115.0),
        ),
        10.0,
    ),
    "redundancy": (base(constraints=Constraints(redundancy=2)), 210.0),
    "single_sourcing": (
        tiny(
            [3.0, 3.0, 2.0],
            [[1.0, 1.0, 1.0]] * 3,
            power=[4.0, 4.0, 100.0],
            fixed=[0.0, 0.0, 100.0],
            constraints=Constraints(single_sourcing=True),
        ),
        180.0,
    ),
    "sovereignty": (base(**SOVEREIGN), 160.0),
    "link_capacity": (linked_instance(2.0), 160.0),
    "survive_site_failure": (line_instance(Constraints(survive_site_failure=True)), 5500.0),
    # serving tables (written to a folder, so built per test): replicas carry the demand;
    # the far, cheaper site runs 2 replicas of 500 tokens/s each
    "serving": (lambda folder: load_instance(write_serving(folder, ttft_ms=1000)), 200.0),
    # periods of the day: one pool for two regions twelve hours apart; the link per period
    "period_capacity": (shared_pool, 1200.0),
    "period_link_capacity": (split_by_link, LINKED_COST),
    # a phased roll-out: a site from phase 2 only; phase 2's GPU supply
    "phases": (lambda folder: load_instance(write_phased_scenario(folder)), PHASED_COST),
    "phase_limits": (
        lambda folder: load_instance(write_phased_scenario(folder, supply="6")),
        SUPPLY_LIMITED_COST,
    ),
    # money: a dedicated contract (2 + 1 replicas where 2 would do) is served in full, and a
    # carbon cap moves the pool from near (550 g/kWh, 280) to far (110 g/kWh, 300)
    "contracts": (
        lambda folder: load_instance(
            write_money(
                folder,
                demand=800,
                contracts="contract,customer,model,regions,output_tokens_per_s,tier,dedicated\n"
                "acme,Acme,m8,r1,200,t,true\n",
            )
        ),
        300.0,
    ),
    "carbon_cap": (
        lambda folder: load_instance(write_money(folder, ttft_ms=400, money="carbon_cap_t = 5\n")),
        300.0,
    ),
    # the two custom kinds that ship with the package (their own checks, run by the verifier)
    "max_gpus_per_country": (
        base(
            node_country=["AU", "NZ"],
            constraints=Constraints(
                custom=_custom("max_gpus_per_country", {"country": "NZ", "max_gpus": 3})
            ),
        ),
        160.0,
    ),
    "max_share_through_link": (
        dataclasses.replace(
            linked_instance(np.inf),
            constraints=Constraints(
                custom=_custom(
                    "max_share_through_link", {"source": "B", "target": "A", "max_fraction": 0.5}
                )
            ),
        ),
        160.0,
    ),
}


def _optimum(model) -> float:
    result = milp(
        model.c,
        constraints=LinearConstraint(model.A, model.row_lb, model.row_ub),
        integrality=model.integer.astype(int),
        bounds=Bounds(model.col_lb, model.col_ub),
    )
    assert result.status == 0, result.message
    return float(model.c @ result.x + model.c0)


def _optimum_without(instance, family: str) -> float:
    """The optimum of the model built from every piece but ``family`` (scipy's MIP)."""
    if family == "sovereignty":  # the candidate pairs are built with the instance
        return _optimum(build_model(base(constraints=Constraints(sovereignty=False), **SOVEREIGN)))
    builder = make_builder(instance)
    for piece in all_pieces(instance):
        if piece.applies(instance) and not piece.name.startswith(family):
            piece.add(builder, instance)
    add_objective(builder, instance)
    return _optimum(builder.build())


def test_every_builtin_family_has_a_case():
    builtin = {
        importlib.import_module(f"gpuplace.solvers.constraints.{module}").name
        for module in BUILTIN_FAMILIES
    }
    assert builtin <= set(CASES)
    assert builtin <= set(families())


def _case(family: str, folder: Path):
    instance, expected = CASES[family]
    return (instance(folder) if callable(instance) else instance), expected


@pytest.mark.parametrize("family", sorted(CASES))
def test_family_binds_under_the_default_solver(family, tmp_path):
    instance, expected = _case(family, tmp_path)
    if family in families():
        assert families()[family].applies(instance) or family == "sovereignty"
    else:
        assert family in {f.split("[")[0] for f in build_model(instance).families()}
    solution = solvers.solve(instance, params=EXACT)
    assert solution.backend == "auto"
    assert solution.objective == pytest.approx(expected), solution.notes
    assert _optimum_without(instance, family) < expected - 1e-6
    plan = build_plan(instance, solution, solver_settings=SETTINGS)
    assert verify_plan(instance, plan) == []


@pytest.mark.parametrize("kind", ["max_gpus_per_country", "max_share_through_link"])
def test_the_verifier_runs_the_shipped_kinds_checks(kind):
    instance, _ = CASES[kind]
    free = dataclasses.replace(instance, constraints=Constraints())
    solution = solvers.solve(free, params=EXACT)
    assert solution.objective == pytest.approx(110.0)
    plan = build_plan(free, solution, solver_settings=SETTINGS)
    broken = verify_plan(instance, plan)
    assert [(v.constraint, v.subject) for v in broken] == [
        (f"custom:{kind}", "constraints.custom[0]")
    ], broken
