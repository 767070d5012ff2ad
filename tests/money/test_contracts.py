"""Contracts: committed demand always served, dedicated replicas, the diagnosis names the contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.errors import InputError
from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.scenario import load_instance
from gpuplace.solvers.verify import verify_plan
from support.money_cases import write_money

HEAD = "contract,customer,model,regions,output_tokens_per_s,tier,dedicated,revenue_per_year\n"
ONLY_FAR = "id,node,power_kw,cost_factor,status\nnear,A,100,1.4,closed\nfar,B,{kw},1.0,candidate\n"


def contract(dedicated: bool, tier: str = "t", revenue: float = 1000.0) -> str:
    return HEAD + f"acme,Acme,m8,r1,200,{tier},{str(dedicated).lower()},{revenue:g}\n"


def solved(path: Path, solver: str = "highs"):
    inst = load_instance(path)
    plan = solve_plan(inst, solver=solver, params=solve_parameters(inst, gap=0.0))
    assert verify_plan(inst, plan.to_dict()) == []
    return inst, plan


@pytest.mark.parametrize("solver", ("highs", "auto", "cpsat"))
def test_a_dedicated_contract_cannot_share(tmp_path: Path, solver: str) -> None:
    # 800 + 200 tokens/s: shared they fit 2 replicas (500 each); dedicated 2 + 1
    shared = write_money(tmp_path / "shared", demand=800, contracts=contract(False))
    _inst, plan = solved(shared, solver)
    assert plan.objective == pytest.approx(200.0)
    dedicated = write_money(tmp_path / "dedicated", demand=800, contracts=contract(True))
    _inst, plan = solved(dedicated, solver)
    assert plan.objective == pytest.approx(300.0)
    (far,) = [s for s in plan.sites if s.gpus]
    assert dict(far.replicas) == {"d1": 2, "d1@acme": 1}
    rows = {(a.tier, a.deployment) for a in plan.assignments}
    assert rows == {("t", "d1"), ("t@acme", "d1@acme")}


def test_contract_revenue_counts_in_profit(tmp_path: Path) -> None:
    path = write_money(tmp_path, demand=800, objective="profit", contracts=contract(True))
    _inst, plan = solved(path)
    bill = plan.to_dict()["bill"]
    assert bill["revenue_contracts"] == 1000.0
    (far,) = [row for row in bill["sites"] if row["id"] == "far"]
    assert far["revenue"] == pytest.approx(1000.0)
    assert plan.objective == pytest.approx(1000.0 - bill["annualised_cost"])


def test_committed_demand_is_served_first(tmp_path: Path) -> None:
    # 1 kW at far: one GPU, 500 tokens/s; 'served' leaves shared demand, never the contract
    sites = ONLY_FAR.format(kw=1)
    path = write_money(
        tmp_path, demand=800, objective="served", contracts=contract(False), **{"sites.csv": sites}
    )
    _inst, plan = solved(path)
    assert plan.objective == pytest.approx(500.0)
    assert [(u.tier, pytest.approx(u.demand)) for u in plan.unserved] == [("t", 500.0)]


def test_the_verifier_flags_an_unserved_or_shared_contract(tmp_path: Path) -> None:
    inst, plan = solved(write_money(tmp_path, demand=800, contracts=contract(True)))
    data = plan.to_dict()
    data["assignments"] = [a for a in data["assignments"] if a["tier"] != "t@acme"]
    data["unserved"] = [{"region": "r1", "model": "m8", "tier": "t@acme", "demand": 200.0}]
    assert "contract" in {v.constraint for v in verify_plan(inst, data)}
    data = plan.to_dict()
    for row in data["assignments"]:
        if row["tier"] == "t@acme":
            row["deployment"] = "d1"
    assert "dedicated" in {v.constraint for v in verify_plan(inst, data)}


@pytest.mark.parametrize("solver", ("highs", "auto"))
def test_the_diagnosis_names_the_contract(tmp_path: Path, solver: str) -> None:
    # far holds 2 GPUs: shared 800 + dedicated 200 need 3
    sites = ONLY_FAR.format(kw=2)
    path = write_money(tmp_path, demand=800, contracts=contract(True), **{"sites.csv": sites})
    inst = load_instance(path)
    plan = solve_plan(inst, solver=solver)
    assert plan.status.value == "infeasible"
    text = "\n".join(plan.diagnosis)
    assert "contract acme (Acme: 200 tokens/s of m8" in text and "dedicated replicas" in text
    assert "site power is short" in text


def test_a_contract_no_site_can_serve_is_named_before_solving(tmp_path: Path) -> None:
    slo = "tier,ttft_ms,ttft_percentile,tpot_ms\nt,1000,50,50\nfast,50,50,50\n"
    path = write_money(tmp_path, contracts=contract(False, tier="fast"), **{"slo.csv": slo})
    inst = load_instance(path)
    plan = solve_plan(inst, solver="highs")
    assert plan.status.value == "infeasible"
    assert any(
        line.startswith("contract acme (Acme")
        and "cannot be served in r1" in line
        and "TTFT 50 ms" in line
        for line in plan.diagnosis
    )


def test_bad_contract_rows_are_named(tmp_path: Path) -> None:
    rows = HEAD + "acme,Acme,m9,r1;r7,-1,t,maybe,0\n"
    with pytest.raises(InputError) as error:
        load_instance(write_money(tmp_path, contracts=rows))
    text = str(error.value)
    for where in ("model", "regions", "output_tokens_per_s", "dedicated"):
        assert "contracts.csv" in text and where in text
    assert "unknown region 'r7'" in text and "unknown model 'm9'" in text


def test_contracts_need_serving_models(tmp_path: Path) -> None:
    from support.money_cases import ENERGY

    (tmp_path / "t.json").write_text(
        '{"nodes": [{"id": "A", "lat": 0, "lon": 0}], "links": []}', encoding="utf-8"
    )
    for name, text in {
        "s.csv": "id,node,power_kw\ns1,A,10\n",
        "r.csv": "id,lat,lon,demand,sla_rtt_ms\nr1,0,0,1,10\n",
        "g.csv": "type,capex,power_kw,throughput\nG,1,1,1\n",
        "c.csv": HEAD,
        "e.csv": ENERGY,
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    toml = tmp_path / "s.toml"
    toml.write_text(
        'name = "x"\n[topology]\nfile = "t.json"\n[sites]\nfile = "s.csv"\n[regions]\n'
        'file = "r.csv"\n[gpus]\nfile = "g.csv"\n[contracts]\nfile = "c.csv"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"contracts.*needs serving models"):
        load_instance(toml)
