"""Models, deployments, load profiles and SLO tiers shared by the generated serving datasets.

Sources and the rules that derive every number are in ``datasets/apac/README.md``
("Serving models"); in short:

- measured curves (concurrency -> TTFT, inter-token latency, output tokens/s
  per replica) are NVIDIA NIM's published benchmark tables for Llama-3.1-8B
  on one H100 (NIM 1.8.0) and Llama-3.3-70B FP8 on two H100 (TP2, NIM 1.8.0,
  5,000 input / 500 output tokens);
- the mixture-of-experts model (Mixtral-8x7B, FP8 on one H100) is the 8B curve
  scaled by the per-replica throughput ratio of vLLM's nightly benchmark
  (Mixtral-8x7B TP2 8.06 requests/s against Llama-3.1-8B TP1 22.57 on H200);
- other GPUs scale a curve by memory bandwidth per replica (decode is
  bandwidth-bound): throughput x f, TTFT and TPOT / f, with f = GPUs per replica
  x bandwidth / the measured replica's;
- TTFT p95 = 1.5 x the published mean; a measured TPOT that dips below the one
  at a lower concurrency takes that one (curves must be monotone);
- one request shape for every model: 1,000 input / 500 output tokens (the 70B
  TTFT scaled by 1,000 / 5,000 prompt tokens: prefill is proportional to them).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEPLOYMENTS",
    "GPU_BANDWIDTH_TB_S",
    "GPU_MEMORY_GB",
    "INPUT_TOKENS",
    "MODELS",
    "OUTPUT_TOKENS",
    "TIERS",
    "Model",
    "profile",
]

INPUT_TOKENS, OUTPUT_TOKENS = 1000, 500
P95_OVER_MEAN = 1.5
GPU_MEMORY_GB = {"H100": 80.0, "L40S": 48.0, "B200": 180.0}
GPU_BANDWIDTH_TB_S = {"H100": 3.35, "L40S": 0.864, "B200": 8.0}


@dataclass(frozen=True)
class Model:
    """A model and its measured (or derived) curve on ``base_gpus`` H100 per replica."""

    name: str
    params_b: float
    kv_mb_per_token: float  # layers x KV heads x head dim x 2 (K, V) x 2 bytes
    base_gpus: int
    # (concurrency, mean TTFT ms, TPOT ms, output tokens/s per replica) at the demo's shape
    points: tuple[tuple[float, float, float, float], ...]


def _monotone(points):
    out, worst = [], 0.0
    for c, ttft, tpot, thr in points:
        worst = max(worst, tpot)
        out.append((c, ttft, worst, thr))
    return tuple(out)


# NIM 1.8.0, Llama-3.1-8B-Instruct on 1 x H100 (concurrency 250 dropped: throughput falls)
LLAMA_8B = _monotone(
    (
        (1, 10.26, 4.63, 214.56),
        (5, 16.81, 4.58, 1076.88),
        (25, 36.34, 5.19, 4678.88),
        (50, 67.41, 5.91, 8018.23),
        (100, 119.97, 7.57, 12214.97),
        (150, 346.53, 9.81, 12988.89),
        (200, 465.18, 12.65, 13348.4),
    )
)
# NIM 1.8.0, Llama-3.3-70B-Instruct FP8 TP2 on 2 x H100, 5,000/500 tokens; TTFT x 1/5
LLAMA_70B = _monotone(
    tuple(
        (c, ttft / 5.0, tpot, thr)
        for c, ttft, tpot, thr in (
            (1, 406.77, 18.58, 51.67),
            (5, 546.7, 21.83, 218.48),
            (25, 688.69, 38.75, 623.4),
            (50, 834.51, 59.73, 814.37),
            (100, 7996.25, 92.91, 917.26),
        )
    )
)
MOE_RATIO = 8.06 / 22.57  # vLLM nightly, H200: Mixtral-8x7B TP2 / Llama-3.1-8B TP1 requests/s
MIXTRAL = tuple(
    (c, ttft / MOE_RATIO, tpot / MOE_RATIO, thr * MOE_RATIO)
    for c, ttft, tpot, thr in LLAMA_8B
    if c <= 150  # 47 GB of weights + 150 x 0.2 GB of KV cache fill an 80 GB H100
)

MODELS = (
    Model("llama-3.1-8b", 8.03, 0.131, 1, LLAMA_8B),
    Model("llama-3.3-70b", 70.6, 0.328, 2, LLAMA_70B),
    Model("mixtral-8x7b", 46.7, 0.131, 1, MIXTRAL),
)

# (model, GPU type, GPUs per replica); every deployment at FP8. The L40S (48 GB, no NVLink)
# serves the 8B only: the larger models would need tensor parallelism over PCIe.
DEPLOYMENTS = (
    ("llama-3.1-8b", "H100", 1),
    ("llama-3.1-8b", "L40S", 1),
    ("llama-3.1-8b", "B200", 1),
    ("llama-3.3-70b", "H100", 2),
    ("llama-3.3-70b", "B200", 1),
    ("mixtral-8x7b", "H100", 1),
    ("mixtral-8x7b", "B200", 1),
)

# (tier, TTFT target ms, percentile, TPOT target ms): MLPerf's interactive and server targets
TIERS = (("interactive", 450.0, 95, 40.0), ("batch", 2000.0, 95, 200.0))


def _fits(model: Model, gpu: str, gpus: int, concurrency: float) -> bool:
    kv_gb = model.kv_mb_per_token * (INPUT_TOKENS + OUTPUT_TOKENS) / 1000.0
    return model.params_b + concurrency * kv_gb <= gpus * GPU_MEMORY_GB[gpu]


def profile(model: Model, gpu: str, gpus: int) -> list[tuple[float, float, float, float, float]]:
    """(concurrency, TTFT p50, TTFT p95, TPOT, tokens/s) of ``model`` on ``gpus`` x ``gpu``.

    Points whose KV cache would not fit the replica's memory are left out.
    """
    factor = gpus * GPU_BANDWIDTH_TB_S[gpu] / (model.base_gpus * GPU_BANDWIDTH_TB_S["H100"])
    return [
        (
            c,
            round(ttft / factor, 2),
            round(ttft * P95_OVER_MEAN / factor, 2),
            round(tpot / factor, 2),
            round(thr * factor, 2),
        )
        for c, ttft, tpot, thr in model.points
        if _fits(model, gpu, gpus, c)
    ]
