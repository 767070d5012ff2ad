"""Serving inputs of a scenario: models, deployments, load profiles, SLO tiers, demand items.

Present on an :class:`~gpuplace.scenario.instance.Instance` (``instance.serving``)
when the scenario names the serving tables (SCENARIO.md, "Serving models"); None
otherwise. Indices: deployments ``d``, SLO tiers ``q``, request shapes ``h``,
demand items ``k`` (one per region, model and tier with its demand).

Everything here is an *input* field, as the tables give it (sorted and typed);
the candidate (item, site, deployment) triples and their operating points are
:class:`ServingPairs`, derived by :mod:`gpuplace.scenario.serving_pairs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gpuplace.topo.graph import freeze_arrays

__all__ = ["PRECISION_BYTES", "Serving", "ServingPairs", "kv_gb_per_request"]

# Bytes per parameter of the usual weight precisions (models.csv may give the memory instead).
PRECISION_BYTES = {
    "fp32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "fp4": 0.5,
    "nvfp4": 0.5,
    "mxfp4": 0.5,
    "int4": 0.5,
}


class _Frozen:
    """Read-only arrays after construction and after unpickling (as ``Instance``)."""

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        freeze_arrays(self)


@dataclass(frozen=True, eq=False)
class Serving(_Frozen):
    """The serving tables of a scenario, as arrays.

    Profiles are sorted by (deployment, shape, concurrency); curve ``j`` (one
    deployment at one request shape) holds points ``curve_start[j] ..
    curve_start[j + 1] - 1``. ``profile_ttft_p95_ms`` is NaN where not given.
    Items are sorted by (region, model, tier); ``item_demand`` is in output
    tokens per second.
    """

    model_ids: tuple[str, ...]
    model_kv_gb_per_request: np.ndarray  # [M], NaN when given per token
    model_kv_mb_per_token: np.ndarray  # [M], NaN when given per request
    deployment_ids: tuple[str, ...]
    deployment_model: np.ndarray  # [D] model index
    deployment_gpu: np.ndarray  # [D] GPU type index
    deployment_gpus_per_replica: np.ndarray  # [D] int >= 1
    deployment_precision: tuple[str, ...]
    deployment_weights_gb: np.ndarray  # [D] weight memory of one replica
    gpu_memory_gb: np.ndarray  # [T] memory of one GPU (gpus.csv memory_gb)
    tier_ids: tuple[str, ...]
    tier_ttft_ms: np.ndarray  # [Q] TTFT target, network included
    tier_ttft_percentile: np.ndarray  # [Q] 50 or 95
    tier_tpot_ms: np.ndarray  # [Q] time-per-output-token target
    shape_input_tokens: np.ndarray  # [H]
    shape_output_tokens: np.ndarray  # [H]
    curve_deployment: np.ndarray  # [C]
    curve_shape: np.ndarray  # [C]
    curve_start: np.ndarray  # [C + 1]
    profile_concurrency: np.ndarray  # [N] mean requests in flight per replica
    profile_ttft_p50_ms: np.ndarray  # [N]
    profile_ttft_p95_ms: np.ndarray  # [N]
    profile_tpot_ms: np.ndarray  # [N]
    profile_throughput: np.ndarray  # [N] output tokens/s per replica
    item_region: np.ndarray  # [K]
    item_model: np.ndarray  # [K]
    item_tier: np.ndarray  # [K]
    item_shape: np.ndarray  # [K]
    item_demand: np.ndarray  # [K] output tokens/s

    @property
    def n_items(self) -> int:
        return int(self.item_region.shape[0])

    @property
    def n_deployments(self) -> int:
        return len(self.deployment_ids)

    @property
    def n_curves(self) -> int:
        return int(self.curve_deployment.shape[0])

    def curve_of(self, deployment: int, shape: int) -> int:
        """The curve of ``deployment`` at request shape ``shape``, -1 when not profiled."""
        hit = np.flatnonzero((self.curve_deployment == deployment) & (self.curve_shape == shape))
        return int(hit[0]) if hit.size else -1

    def item_label(self, k: int, region_ids: tuple[str, ...]) -> str:
        """``region/model/tier`` of item k, for messages."""
        return (
            f"{region_ids[int(self.item_region[k])]}/{self.model_ids[int(self.item_model[k])]}"
            f"/{self.tier_ids[int(self.item_tier[k])]}"
        )


@dataclass(frozen=True, eq=False)
class ServingPairs(_Frozen):
    """Per candidate pair of a serving instance: its demand item, deployment and operating point.

    Aligned with ``instance.pair_*``. ``concurrency`` is the highest concurrency
    c on the deployment's profile with ``ttft(c) + rtt <= ttft target`` and
    ``tpot(c) <= tpot target``; ``ttft_ms`` is the compute TTFT at c (at the
    tier's percentile, network not included), ``throughput`` the output
    tokens/s of one replica at c.
    """

    item: np.ndarray
    deployment: np.ndarray
    concurrency: np.ndarray
    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    throughput: np.ndarray

    def __len__(self) -> int:
        return int(self.item.shape[0])


def kv_gb_per_request(serving: Serving, model: int, shape: int) -> float:
    """KV-cache memory of one request in flight: per request, or per token x (input + output)."""
    per_request = float(serving.model_kv_gb_per_request[model])
    if np.isfinite(per_request):
        return per_request
    tokens = float(serving.shape_input_tokens[shape] + serving.shape_output_tokens[shape])
    return float(serving.model_kv_mb_per_token[model]) * tokens / 1000.0
