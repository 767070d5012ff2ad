"""Loading serving tables: triples with operating points, and every bad input named by file and row."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.errors import InputError
from gpuplace.scenario import load_instance
from support.serving_cases import FILES, write_serving


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_instance(path)
    return [str(p) for p in caught.value.problems]


def test_pairs_are_triples_with_operating_points(tmp_path: Path) -> None:
    inst = load_instance(write_serving(tmp_path, ttft_ms=400))
    assert inst.n_items == 1 and inst.n_deployments == 1
    assert [inst.site_ids[s] for s in inst.pair_site] == ["near", "far"]
    assert inst.pair_rtt_ms.tolist() == pytest.approx([0.0, 100.0])
    # near: the whole 400 ms budget, c = 10; far: 300 ms left, c = 7
    assert inst.pair_serving.concurrency.tolist() == pytest.approx([10.0, 7.0])
    assert inst.pair_throughput.tolist() == pytest.approx([500.0, 1100.0 / 3.0])
    assert inst.pair_item.tolist() == [0, 0]
    assert inst.region_demand.tolist() == [1000.0]
    # no sla_rtt_ms column: the tier's TTFT target caps the RTT
    assert inst.region_sla_rtt_ms.tolist() == [400.0]


def test_a_triple_without_operating_point_is_not_a_pair(tmp_path: Path) -> None:
    # 150 ms: the far site (100 ms RTT) leaves 50 ms, below TTFT at c = 1 (100 ms)
    inst = load_instance(write_serving(tmp_path, ttft_ms=150))
    assert [inst.site_ids[s] for s in inst.pair_site] == ["near"]


def test_percentile_95_uses_its_column(tmp_path: Path) -> None:
    slo = "tier,ttft_ms,ttft_percentile,tpot_ms\nt,600,95,50\n"
    inst = load_instance(write_serving(tmp_path, **{"slo.csv": slo}))
    # p95 reaches 600 ms at c = 10 near; far has 500 ms left: c = 1 + 9 x 350 / 450 = 8
    assert inst.pair_serving.concurrency.tolist() == pytest.approx([10.0, 8.0])


def test_requests_per_s_times_output_tokens(tmp_path: Path) -> None:
    demand = "region,model,tier,requests_per_s\nr1,m8,t,2.5\n"
    inst = load_instance(write_serving(tmp_path, **{"demand.csv": demand}))
    assert inst.item_demand.tolist() == [250.0]  # 2.5 requests/s x 100 output tokens


def test_kv_per_token_counts_the_request_shape(tmp_path: Path) -> None:
    # 8 GB of weights + 10 requests x 7 MB x 1,100 tokens = 85 GB > 80 GB
    models = "model,params_b,kv_mb_per_token\nm8,8,7\n"
    found = problems(write_serving(tmp_path, **{"models.csv": models}))
    assert found == [
        f"{tmp_path / 'deployments.csv'}: row 1, column gpus_per_replica: deployment 'd1' does "
        "not fit: weights 8 GB + KV cache 77 GB at concurrency 10 (1000/100 tokens) = 85 GB > 1 x 80 GB"
    ]


def test_a_model_that_does_not_fit_names_the_deployment_row(tmp_path: Path) -> None:
    path = write_serving(
        tmp_path,
        **{
            "models.csv": "model,params_b,kv_gb_per_request\nm8,8,1\nm70,70,1\n",
            "deployments.csv": (
                "deployment,model,gpu,gpus_per_replica,precision\n"
                "d1,m8,G,1,fp8\nd70,m70,G,1,bf16\nd70x2,m70,G,2,bf16\n"
            ),
            "profiles.csv": FILES["profiles.csv"]
            + "d70,1000,100,1,100,150,10,100\nd70x2,1000,100,1,100,150,10,100\n",
        },
    )
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path / 'deployments.csv'}: row 2, column gpus_per_replica:")
    assert "'d70' does not fit: weights 140 GB + KV cache 1 GB" in found[0]
    assert "> 1 x 80 GB" in found[0]


def test_every_problem_at_once(tmp_path: Path) -> None:
    path = write_serving(
        tmp_path,
        **{
            "models.csv": "model,params_b,kv_gb_per_request,kv_mb_per_token\nm8,8,1,0.1\n",
            "deployments.csv": (
                "deployment,model,gpu,gpus_per_replica,precision\nd1,m8,G,1,fp8\nd2,m9,H,0,fp8\n"
            ),
            "profiles.csv": FILES["profiles.csv"] + "d1,1000,100,20,300,450,25,600\n",
            "slo.csv": "tier,ttft_ms,ttft_percentile,tpot_ms\nt,400,90,50\n",
            "demand.csv": "region,model,tier,output_tokens_per_s\nr1,m8,t,1000\nr9,m8,x,5\n",
        },
    )
    where = {p.split(": ")[0] + ": " + p.split(": ")[1] for p in problems(path)}
    assert where >= {
        f"{tmp_path / 'models.csv'}: row 1, column kv_gb_per_request",
        f"{tmp_path / 'deployments.csv'}: row 2, column model",
        f"{tmp_path / 'deployments.csv'}: row 2, column gpu",
        f"{tmp_path / 'deployments.csv'}: row 2, column gpus_per_replica",
        f"{tmp_path / 'profiles.csv'}: row 3, column ttft_p50_ms",
        f"{tmp_path / 'slo.csv'}: row 1, column ttft_percentile",
        f"{tmp_path / 'demand.csv'}: row 2, column region",
        f"{tmp_path / 'demand.csv'}: row 2, column tier",
    }


def test_missing_memory_and_sections(tmp_path: Path) -> None:
    path = write_serving(tmp_path, **{"gpus.csv": "type,capex,power_kw\nG,100,1.0\n"})
    assert problems(path) == [
        f"{tmp_path / 'gpus.csv'}: column memory_gb: deployments need each GPU type's memory_gb"
    ]
    text = path.read_text(encoding="utf-8").replace('[slo]\nfile = "slo.csv"\n', "")
    path.write_text(text + "\n[constraints]\nsurvive_site_failure = true\n", encoding="utf-8")
    found = problems(path)
    assert any(": slo: missing section [slo]" in p for p in found)
    assert any("constraints.survive_site_failure: is not supported" in p for p in found)


def test_demand_needs_a_request_shape_when_several_are_profiled(tmp_path: Path) -> None:
    profiles = FILES["profiles.csv"] + "d1,200,50,1,40,60,8,120\n"
    found = problems(write_serving(tmp_path, **{"profiles.csv": profiles}))
    assert found == [
        f"{tmp_path / 'demand.csv'}: row 1, column input_tokens: model 'm8' is profiled at 2 "
        "request shapes (200/50, 1000/100): give input_tokens and output_tokens"
    ]
    demand = "region,model,tier,input_tokens,output_tokens,output_tokens_per_s\nr1,m8,t,200,50,10\n"
    inst = load_instance(
        write_serving(tmp_path, **{"profiles.csv": profiles, "demand.csv": demand})
    )
    assert inst.serving.shape_input_tokens[inst.serving.item_shape].tolist() == [200]


def test_hash_covers_the_serving_tables(tmp_path: Path) -> None:
    first = load_instance(write_serving(tmp_path / "a", ttft_ms=400)).sha256
    second = load_instance(write_serving(tmp_path / "b", ttft_ms=500)).sha256
    assert first != second
    assert load_instance(write_serving(tmp_path / "c", ttft_ms=400)).sha256 == first
