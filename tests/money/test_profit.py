"""On-demand demand and the profit objective by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.scenario import load_instance
from gpuplace.solvers.verify import verify_plan
from support.money_cases import write_money

ONDEMAND = "region,model,tier,output_tokens_per_s,price_per_mtok\nr1,m8,t,500,{price}\n"
YEAR_TOKENS_M = 500 * 3600 * 8760 / 1e6  # 500 tokens/s for a year, in millions


def solved(path: Path, solver: str = "highs"):
    inst = load_instance(path)
    plan = solve_plan(inst, solver=solver, params=solve_parameters(inst, gap=0.0))
    assert verify_plan(inst, plan.to_dict()) == []
    return inst, plan


@pytest.mark.parametrize("solver", ("highs", "auto", "cpsat"))
def test_on_demand_is_sold_when_it_pays(tmp_path: Path, solver: str) -> None:
    # one more GPU at far: 25 a year of capex + 8,760 kWh at 0.1 = 901 < 15,768 of sales
    path = write_money(tmp_path, objective="profit", ondemand=ONDEMAND.format(price=1.0))
    _inst, plan = solved(path, solver)
    bill = plan.to_dict()["bill"]
    assert bill["revenue_ondemand"] == pytest.approx(YEAR_TOKENS_M)
    assert bill["capex_annual"] == pytest.approx(75.0)
    assert bill["energy_cost"] == pytest.approx(3 * 8760 * 0.1)
    assert plan.objective == pytest.approx(YEAR_TOKENS_M - 75.0 - 2628.0)
    parts = bill["revenue_ondemand"] + bill["revenue_contracts"] - bill["capex_annual"]
    assert plan.objective == pytest.approx(parts - bill["energy_cost"])
    assert {a.tier for a in plan.assignments} == {"t", "t@ondemand"}


@pytest.mark.parametrize("solver", ("highs", "auto"))
def test_on_demand_is_left_when_it_does_not(tmp_path: Path, solver: str) -> None:
    # 0.05 per million tokens: 788.4 a year < 901
    path = write_money(tmp_path, objective="profit", ondemand=ONDEMAND.format(price=0.05))
    _inst, plan = solved(path, solver)
    assert plan.objective == pytest.approx(-1802.0)
    assert [(u.tier, u.demand) for u in plan.unserved] == [("t@ondemand", 500.0)]


def test_cost_and_served_keep_their_meaning(tmp_path: Path) -> None:
    # cost: on-demand is never worth serving; served: all of it is served
    cost = write_money(tmp_path / "cost", ondemand=ONDEMAND.format(price=1.0))
    _inst, plan = solved(cost)
    assert plan.objective == pytest.approx(200.0)
    served = write_money(
        tmp_path / "served", objective="served", ondemand=ONDEMAND.format(price=1.0)
    )
    _inst, plan = solved(served)
    assert plan.objective == pytest.approx(1500.0)


def test_profit_needs_money(tmp_path: Path) -> None:
    from gpuplace.errors import InputError
    from support.serving_cases import TOML, write_serving

    path = write_serving(tmp_path)
    path.write_text(TOML + '[objective]\nkind = "profit"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"objective\.kind.*\[money\]"):
        load_instance(path)


def test_money_with_periods_is_refused(tmp_path: Path) -> None:
    from gpuplace.errors import InputError

    path = write_money(tmp_path)
    path.write_text(path.read_text() + '[time]\nperiods = "periods.csv"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[time\] is not supported with \[money\]"):
        load_instance(path)
