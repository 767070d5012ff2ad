"""The bundled APAC money scenario: what its script writes, solved with profit, verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.datasets.apac import build as apac
from gpuplace.datasets.apac import money as apac_money
from gpuplace.errors import InputError
from gpuplace.pipeline import solve_plan
from gpuplace.scenario import load_instance
from gpuplace.scenario.money import CONTRACT, ONDEMAND
from gpuplace.solvers.result import SolveParameters

MONEY = apac.HERE / "money.toml"


def test_money_tables_are_what_the_script_writes(tmp_path: Path) -> None:
    path = apac_money.build_money(tmp_path)
    assert path == tmp_path / "money.toml"
    for name in apac_money.OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (apac.HERE / name).read_bytes(), name
    with pytest.raises(InputError, match="exists; use --force"):
        apac_money.build_money(tmp_path)


def test_apac_money_solves_and_verifies() -> None:
    instance = load_instance(MONEY)
    money = instance.money
    assert money is not None and money.contracts is not None
    assert money.contracts.ids == ("southern-cross-assist", "nihon-retail-search")
    assert (money.item_kind == CONTRACT).sum() == 5 and (money.item_kind == ONDEMAND).any()
    plan = solve_plan(instance, solver="auto", params=SolveParameters(time_limit_s=60, gap=0.02))
    bill = plan.to_dict()["bill"]
    assert plan.gap is not None and plan.gap <= 0.02
    assert plan.objective == pytest.approx(
        bill["revenue_ondemand"] + bill["revenue_contracts"] - bill["annualised_cost"]
    )
    # the dedicated contract runs on replicas of its own
    dedicated = {
        a.deployment for a in plan.assignments if a.tier.endswith("@southern-cross-assist")
    }
    assert dedicated and all(d.endswith("@southern-cross-assist") for d in dedicated)
    assert bill["carbon_t"] > 0 and bill["energy_cost"] > 0
