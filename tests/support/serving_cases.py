"""A hand-solvable serving scenario: one region, a near dear site and a far cheap one.

Nodes A (0, 0) and B (0, 10) joined by a 50 ms link; region r1 sits on A (no
access path), so RTT(r1, near) = 0 and RTT(r1, far) = 100 ms. Site ``near`` (at A)
has cost_factor 1.4, ``far`` (at B) 1.0; one GPU type G (capex 100, 80 GB).
Model m8 (8 GB at fp8, 1 GB of KV cache per request) has one deployment d1
(1 GPU per replica) profiled at two points:

    c = 1:  TTFT p50 100 ms, p95 150 ms, TPOT 10 ms, 100 tokens/s
    c = 10: TTFT p50 400 ms, p95 600 ms, TPOT 20 ms, 500 tokens/s

Demand: 1,000 output tokens/s of tier t (TTFT target at p50, TPOT 50 ms).

- loose target (1,000 ms): both sites run c = 10 (500 tokens/s per replica);
  2 replicas: near 280, far 200 -> far wins at 200.
- tight target (400 ms): near c = 10 (2 replicas, 280); far has 300 ms left,
  c = 1 + 9 × (300 − 100) / 300 = 7, 366.67 tokens/s, 2.73 -> 3 replicas (300)
  -> near wins at 280.
"""

from __future__ import annotations

from pathlib import Path

TOPOLOGY = """{"nodes": [
 {"id": "A", "lat": 0.0, "lon": 0.0, "country": "AU", "kind": "city"},
 {"id": "B", "lat": 0.0, "lon": 10.0, "country": "NZ", "kind": "city"}],
 "links": [{"source": "A", "target": "B", "latency_ms": 50.0}]}
"""

FILES = {
    "topology.json": TOPOLOGY,
    "sites.csv": "id,node,power_kw,cost_factor\nnear,A,100,1.4\nfar,B,100,1.0\n",
    "regions.csv": "id,lat,lon,node\nr1,0.0,0.0,A\n",
    "gpus.csv": "type,capex,power_kw,memory_gb\nG,100,1.0,80\n",
    "models.csv": "model,params_b,kv_gb_per_request\nm8,8,1\n",
    "deployments.csv": "deployment,model,gpu,gpus_per_replica,precision\nd1,m8,G,1,fp8\n",
    "profiles.csv": (
        "deployment,input_tokens,output_tokens,concurrency,ttft_p50_ms,ttft_p95_ms,"
        "tpot_ms,output_tokens_per_s\n"
        "d1,1000,100,1,100,150,10,100\n"
        "d1,1000,100,10,400,600,20,500\n"
    ),
    "slo.csv": "tier,ttft_ms,ttft_percentile,tpot_ms\nt,{ttft_ms},50,50\n",
    "demand.csv": "region,model,tier,output_tokens_per_s\nr1,m8,t,1000\n",
}

TOML = """name = "serving-tiny"

[topology]
file = "topology.json"

[sites]
file = "sites.csv"

[regions]
file = "regions.csv"
access_route_factor = 1.0

[gpus]
file = "gpus.csv"

[models]
file = "models.csv"

[deployments]
file = "deployments.csv"

[profiles]
file = "profiles.csv"

[slo]
file = "slo.csv"

[demand]
file = "demand.csv"
"""


def write_serving(folder: Path, ttft_ms: float = 1000.0, **replace: str) -> Path:
    """Write the scenario into ``folder`` (``replace`` swaps whole files by name); the TOML path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**FILES, **replace}.items():
        body = text.replace("{ttft_ms}", f"{ttft_ms:g}") if name == "slo.csv" else text
        (folder / name).write_text(body, encoding="utf-8")
    path = folder / "scenario.toml"
    path.write_text(TOML, encoding="utf-8")
    return path
