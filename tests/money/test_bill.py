"""The bill by hand: capex annualised, energy at the GPUs' utilisation, carbon KPI and cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.scenario import load_instance
from gpuplace.scenario.money import capital_recovery_factor
from gpuplace.solvers.verify import verify_plan
from support.money_cases import write_money

SOLVERS = ("highs", "auto", "cpsat")


def solved(path: Path, solver: str = "highs"):
    inst = load_instance(path)
    plan = solve_plan(inst, solver=solver, params=solve_parameters(inst, gap=0.0))
    assert verify_plan(inst, plan.to_dict()) == []
    return inst, plan


def test_capital_recovery_factor() -> None:
    assert capital_recovery_factor(0.08, 4) == pytest.approx(0.08 * 1.08**4 / (1.08**4 - 1))
    assert capital_recovery_factor(0.0, 4) == 0.25


@pytest.mark.parametrize("solver", SOLVERS)
def test_bill_of_the_far_site(tmp_path: Path, solver: str) -> None:
    # far: 2 replicas at c = 10 (500 tokens/s each) serve 1,000 tokens/s, fully busy
    _inst, plan = solved(write_money(tmp_path), solver)
    bill = plan.to_dict()["bill"]
    assert plan.objective == pytest.approx(200.0)  # cost stays what it was
    assert bill["crf"] == pytest.approx(0.25)
    assert bill["capex_annual"] == pytest.approx(50.0)
    # 0.3 idle x 2 kW + 0.7 x 2 kW busy = 2 kW, all year
    assert bill["energy_kwh"] == pytest.approx(2.0 * 8760)
    assert bill["energy_cost"] == pytest.approx(1752.0)
    assert bill["carbon_t"] == pytest.approx(2.0 * 8760 * 110 / 1e6)
    assert bill["annualised_cost"] == pytest.approx(1802.0)
    (far,) = [row for row in bill["sites"] if row["id"] == "far"]
    assert far["energy_cost"] == pytest.approx(1752.0) and far["revenue"] == 0.0


def test_idle_power_and_discount_rate(tmp_path: Path) -> None:
    # tight target: near wins (2 GPUs at 1.4 x 100); half its power idle, half busy
    path = write_money(
        tmp_path, ttft_ms=400, money="discount_rate = 0.08\nidle_power_fraction = 0.5\n"
    )
    _inst, plan = solved(path)
    bill = plan.to_dict()["bill"]
    assert bill["capex_annual"] == pytest.approx(280.0 * capital_recovery_factor(0.08, 4))
    assert bill["energy_kwh"] == pytest.approx((0.5 * 2 + 0.5 * 2) * 8760)
    assert bill["carbon_t"] == pytest.approx(2 * 8760 * 550 / 1e6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_carbon_cap_moves_gpus_to_the_cleaner_grid(tmp_path: Path, solver: str) -> None:
    # without a cap near (AU, 550 g/kWh) wins at 280: 9.64 t a year
    _inst, free = solved(write_money(tmp_path / "free", ttft_ms=400), solver)
    assert {a.site for a in free.assignments} == {"near"}
    assert free.to_dict()["bill"]["carbon_t"] == pytest.approx(9.636)
    # far (NZ, 110 g/kWh): 3 replicas at c = 7 (366.67 tokens/s), 2.73 GPUs busy
    capped = write_money(tmp_path / "capped", ttft_ms=400, money="carbon_cap_t = 5\n")
    _inst, plan = solved(capped, solver)
    assert {a.site for a in plan.assignments} == {"far"}
    assert plan.objective == pytest.approx(300.0)
    kw = 0.3 * 3 + 0.7 * 1000 / (1100 / 3)
    assert plan.to_dict()["bill"]["carbon_t"] == pytest.approx(kw * 8760 * 110 / 1e6)


def test_a_cap_no_site_meets_is_infeasible(tmp_path: Path) -> None:
    inst = load_instance(write_money(tmp_path, ttft_ms=400, money="carbon_cap_t = 1\n"))
    plan = solve_plan(inst, solver="highs")
    assert plan.status.value == "infeasible"
    assert any("carbon" in line for line in plan.diagnosis)


def test_the_verifier_recomputes_the_bill(tmp_path: Path) -> None:
    inst, plan = solved(write_money(tmp_path, money="carbon_cap_t = 5\n"))
    data = plan.to_dict()
    data["bill"]["energy_cost"] *= 2
    data["bill"]["sites"][-1]["carbon_t"] = 0.0
    found = {(v.constraint, v.subject) for v in verify_plan(inst, data)}
    assert ("bill", "bill.energy_cost") in found
    assert ("bill", "bill.sites.far.carbon_t") in found
    data = plan.to_dict()
    data["bill"]["carbon_t"] = 6.0
    tight = load_instance(write_money(tmp_path / "tight", money="carbon_cap_t = 1\n"))
    assert "carbon_cap" in {v.constraint for v in verify_plan(tight, plan.to_dict())}


def test_without_money_nothing_changes(tmp_path: Path) -> None:
    from support.serving_cases import write_serving

    inst = load_instance(write_serving(tmp_path))
    plan = solve_plan(inst, solver="highs")
    assert inst.money is None and "bill" not in plan.to_dict()


def test_the_bill_without_serving_models(tmp_path: Path) -> None:
    # two GPU types: busy power per demand unit at the larger power_kw / throughput
    from gpuplace.solvers import presolve
    from support.scenario_files import ScenarioFiles

    files = ScenarioFiles(tmp_path)
    files.set_key("constraints.custom", None, delete=True)
    files.set_key("money.price_kwh", 0.1)
    files.set_key("money.grid_gco2_kwh", 100.0)
    inst = load_instance(files.toml)
    assert inst.serving is None and inst.money is not None
    assert not presolve.applicable(inst)
    plan = solve_plan(inst, solver="highs", params=solve_parameters(inst, gap=0.0))
    assert verify_plan(inst, plan.to_dict()) == []
    bill = plan.to_dict()["bill"]
    assert bill["energy_cost"] == pytest.approx(bill["energy_kwh"] * 0.1)
    assert bill["capex_annual"] == pytest.approx(plan.kpis.total_cost / 5)
