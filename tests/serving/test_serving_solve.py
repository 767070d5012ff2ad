"""Hand-solvable serving plans: near against far, whole replicas, every plan verified."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.scenario import load_instance
from gpuplace.solvers.verify import verify_plan
from support.serving_cases import FILES, write_serving

EXACT = ("highs", "auto")


def plan_of(path: Path, solver: str):
    inst = load_instance(path)
    plan = solve_plan(inst, solver=solver, params=solve_parameters(inst, gap=0.0))
    return inst, plan


def served_from(plan) -> set[str]:
    return {a.site for a in plan.assignments}


@pytest.mark.parametrize("solver", EXACT)
def test_far_cheap_site_wins_under_a_loose_target(tmp_path: Path, solver: str) -> None:
    _inst, plan = plan_of(write_serving(tmp_path, ttft_ms=1000), solver)
    assert plan.objective == pytest.approx(200.0)
    assert served_from(plan) == {"far"}
    (row,) = plan.assignments
    assert (row.concurrency, row.ttft_ms, row.ttft_target_ms) == pytest.approx(
        (10.0, 500.0, 1000.0)
    )
    assert {s.id: dict(s.replicas or {}) for s in plan.sites if s.gpus} == {"far": {"d1": 2}}


@pytest.mark.parametrize("solver", EXACT)
def test_far_cheap_site_loses_under_a_tight_target(tmp_path: Path, solver: str) -> None:
    _inst, plan = plan_of(write_serving(tmp_path, ttft_ms=400), solver)
    assert plan.objective == pytest.approx(280.0)
    assert served_from(plan) == {"near"}
    (row,) = plan.assignments
    assert (row.rtt_ms, row.ttft_ms, row.tpot_ms) == pytest.approx((0.0, 400.0, 20.0))


def test_replicas_round_up_to_whole_ones(tmp_path: Path) -> None:
    sites = "id,node,power_kw,cost_factor,status\nnear,A,100,1.4,closed\nfar,B,100,1.0,candidate\n"
    inst, plan = plan_of(write_serving(tmp_path, ttft_ms=400, **{"sites.csv": sites}), "highs")
    # far at c = 7: 366.67 tokens/s per replica, 1,000 tokens/s -> 2.73 -> 3 replicas
    (far,) = [s for s in plan.sites if s.id == "far"]
    assert dict(far.replicas) == {"d1": 3} and dict(far.gpus) == {"G": 3}
    assert far.utilisation == pytest.approx(1000.0 / (1100.0 / 3.0) / 3.0)
    assert plan.objective == pytest.approx(300.0)
    assert verify_plan(inst, plan.to_dict()) == []


def test_max_utilisation_adds_replicas(tmp_path: Path) -> None:
    path = write_serving(tmp_path, ttft_ms=1000)
    text = path.read_text(encoding="utf-8") + "\n[constraints]\nmax_utilisation = 0.8\n"
    path.write_text(text, encoding="utf-8")
    _inst, plan = plan_of(path, "highs")
    # 1,000 / 500 = 2 replicas at 100 %, 2.5 -> 3 at 80 %: far 300 against near 420
    assert plan.objective == pytest.approx(300.0)
    assert sum(sum(s.replicas.values()) for s in plan.sites if s.replicas) == 3


MULTI = {
    "models.csv": "model,params_b,kv_gb_per_request\nm8,8,1\nm2,2,0.5\n",
    "deployments.csv": (
        "deployment,model,gpu,gpus_per_replica,precision\n"
        "d1,m8,G,1,fp8\nd2,m2,G,1,fp16\nd3,m8,G,2,fp8\n"
    ),
    "profiles.csv": FILES["profiles.csv"]
    + "d2,1000,100,1,50,80,5,200\nd2,1000,100,20,300,450,15,2000\n"
    + "d3,1000,100,1,60,90,6,150\nd3,1000,100,10,250,400,12,800\n",
    "slo.csv": "tier,ttft_ms,ttft_percentile,tpot_ms\nfast,400,95,30\nslow,2000,50,200\n",
    "regions.csv": "id,lat,lon,node\nr1,0.0,0.0,A\nr2,0.0,10.0,B\n",
    "demand.csv": (
        "region,model,tier,output_tokens_per_s\n"
        "r1,m8,fast,1000\nr1,m8,slow,3000\nr1,m2,fast,500\nr2,m2,slow,800\nr2,m8,fast,700\n"
    ),
}


def test_exact_backends_agree_on_several_models_and_tiers(tmp_path: Path) -> None:
    path = write_serving(tmp_path, **MULTI)
    objectives = {}
    for solver in ("highs", "auto", "scip", "cpsat"):
        inst, plan = plan_of(path, solver)
        assert verify_plan(inst, plan.to_dict()) == []
        objectives[solver] = plan.objective
        assert {(a.model, a.tier) for a in plan.assignments} == {
            ("m8", "fast"),
            ("m8", "slow"),
            ("m2", "fast"),
            ("m2", "slow"),
        }
    assert max(objectives.values()) == pytest.approx(min(objectives.values()), rel=1e-6)


def test_verifier_recomputes_operating_points_and_replicas(tmp_path: Path) -> None:
    inst, plan = plan_of(write_serving(tmp_path, ttft_ms=400), "highs")
    good = plan.to_dict()

    def flagged(change) -> set[str]:
        bad = copy.deepcopy(good)
        change(bad)
        return {v.constraint for v in verify_plan(inst, bad)}

    def faster(p):
        p["assignments"][0]["ttft_ms"] = 350.0

    def far(p):  # the far site: no operating point within 400 ms at c = 10
        p["assignments"][0]["site"] = "far"
        p["assignments"][0]["rtt_ms"] = 100.0
        for s in p["sites"]:
            s["replicas"] = {"d1": 2} if s["id"] == "far" else {}

    def fewer(p):
        p["sites"][0]["replicas"] = {"d1": 1}

    def more(p):
        p["sites"][0]["replicas"] = {"d1": 3}

    assert flagged(faster) == {"operating_point"}
    assert "operating_point" in flagged(far)
    assert "replica_capacity" in flagged(fewer)
    assert "replica_gpus" in flagged(more)
