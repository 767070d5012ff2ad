"""A phased roll-out, solved by hand (see :mod:`support.time_cases`): a site available only
from phase 2, a GPU supply limit, a phase budget; installed GPUs stay. Every plan verified."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gpuplace.errors import InputError
from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.scenario import load_instance
from gpuplace.solvers.verify import verify_plan
from support.time_cases import (
    PHASED_COST,
    PHASED_TIME,
    SUPPLY_LIMITED_COST,
    write_phased_scenario,
)


def _solve(path: Path, solver: str = "highs"):
    inst = load_instance(path)
    return inst, solve_plan(inst, solver=solver, params=solve_parameters(inst, gap=0.0))


def _phase_gpus(plan) -> dict[str, dict]:
    return {site.id: site.phase_new_gpus for site in plan.sites}


@pytest.mark.parametrize("solver", ["highs", "auto", "cpsat"])
def test_a_site_available_only_from_phase_two(tmp_path: Path, solver: str) -> None:
    inst, plan = _solve(write_phased_scenario(tmp_path), solver)
    assert inst.periods.ids == ("P1", "P2")
    assert plan.objective == pytest.approx(PHASED_COST)
    assert _phase_gpus(plan) == {"s1": {"P1": {"G": 10}}, "s2": {"P2": {"G": 10}}}
    rows = plan.extra["phases"]
    assert [(r["id"], r["capex"]) for r in rows] == [("P1", 1000.0), ("P2", 500.0)]
    assert verify_plan(inst, plan.to_dict()) == []


def test_supply_limit_keeps_gpus_installed_early(tmp_path: Path) -> None:
    inst, plan = _solve(write_phased_scenario(tmp_path, supply="6"))
    assert plan.objective == pytest.approx(SUPPLY_LIMITED_COST)
    # s1's GPUs of P1 stay and serve P2 too
    assert _phase_gpus(plan) == {"s1": {"P1": {"G": 14}}, "s2": {"P2": {"G": 6}}}
    assert verify_plan(inst, plan.to_dict()) == []


def test_phase_budget_binds(tmp_path: Path) -> None:
    inst, plan = _solve(write_phased_scenario(tmp_path, budget="1000"))
    assert plan.objective == pytest.approx(PHASED_COST)
    assert verify_plan(inst, plan.to_dict()) == []
    inst, plan = _solve(write_phased_scenario(tmp_path / "tight", budget="999"))
    assert plan.status.value == "infeasible"


def test_verifier_recomputes_the_roll_out(tmp_path: Path) -> None:
    inst, plan = _solve(write_phased_scenario(tmp_path, supply="6"))
    good = plan.to_dict()
    early = copy.deepcopy(good)
    early["sites"][1]["phase_new_gpus"] = {"P1": {"G": 6}}
    found = {v.constraint for v in verify_plan(inst, early)}
    assert {"phase_first", "phases"} <= found
    late = copy.deepcopy(good)
    late["sites"][0]["phase_new_gpus"] = {"P1": {"G": 9}, "P2": {"G": 5}}
    found = {v.constraint for v in verify_plan(inst, late)}
    assert {"capacity", "phase_supply"} <= found


def test_phases_with_periods_of_the_day(tmp_path: Path) -> None:
    time = PHASED_TIME + 'periods = "hourly"\nprofile = "profile.csv"\n'
    inst, plan = _solve(write_phased_scenario(tmp_path, time=time))
    assert inst.n_periods == 48 and inst.periods.ids[0] == "P1/h00"
    # P1: busiest hour 0.5 x (10 + 2) = 6 at s1; P2: 12 in all, s2 the cheaper from P2
    assert plan.kpis.gpus == {"G": 12}
    assert verify_plan(inst, plan.to_dict()) == []
    block = plan.extra["follow_the_sun"]
    # each region sized for its own peak in each phase: P1 5 + 5 at s1, P2 10 more at s2
    assert block["peak_sized_gpus"] == 20 and block["saving"] > 0


@pytest.mark.parametrize(
    ("phases", "sites", "where"),
    [
        ("phase\nP1\nP1\n", "site,first_phase\n", "row 2, column phase"),
        ("phase\nP1\n", "site,first_phase\ns2,P9\n", "row 1, column first_phase"),
        ("phase\nP1\n", "site,first_phase\nnowhere,P1\n", "row 1, column site"),
        ("phase,max_new_gpus\nP1,1.5\n", "site,first_phase\n", "row 1, column max_new_gpus"),
    ],
)
def test_bad_phase_input_names_the_row(tmp_path: Path, phases: str, sites: str, where: str) -> None:
    path = write_phased_scenario(tmp_path)
    (tmp_path / "phases.csv").write_text(phases)
    (tmp_path / "site_phases.csv").write_text(sites)
    with pytest.raises(InputError) as error:
        load_instance(path)
    assert where in {p.where for p in error.value.problems}


def test_site_phases_need_phases(tmp_path: Path) -> None:
    path = write_phased_scenario(
        tmp_path, time='[time]\nperiods = "hourly"\nsite_phases = "site_phases.csv"\n'
    )
    with pytest.raises(InputError) as error:
        load_instance(path)
    assert "time.site_phases" in {p.where for p in error.value.problems}
