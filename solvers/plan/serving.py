"""What a plan says about serving models: replicas per site and deployment, operating points.

For a scenario with serving tables a plan's site rows gain ``replicas`` (per
deployment) and its assignment rows the item's ``model`` and ``tier``, the
``deployment``, the operating point ``concurrency`` and the predicted TTFT
(``ttft_ms`` = network RTT + compute TTFT at that point) and TPOT against the
tier's targets (PLAN.md). Replicas are the fewest whole ones the served demand
needs::

    R_sd = ceil( Σ_{p at (s, d)} D_k x_p / thr_p / max_utilisation )

(less a relative 1e-6 of solver round-off), never more than the solver's own
replicas, so they fit the plan's GPUs whenever the solver's did.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance

__all__ = ["REPLICA_SLACK", "assignment_fields", "replica_counts", "replica_load", "site_fields"]

# Relative round-off of the solver's pool rows forgiven before rounding replicas up.
REPLICA_SLACK = 1e-6


def replica_load(instance: Instance, share: np.ndarray) -> np.ndarray:
    """Replicas' worth of demand served per (site, deployment), float [S, D] (at 100 %)."""
    S, D = instance.n_sites, instance.n_deployments
    load = instance.item_demand[instance.pair_item] * share / instance.pair_throughput
    pool = instance.pair_site * D + instance.pair_deployment
    return np.bincount(pool, weights=load, minlength=S * D).reshape(S, D)


def replica_counts(instance: Instance, share: np.ndarray) -> np.ndarray:
    """Whole replicas per (site, deployment), int [S, D] (see the module docstring)."""
    need = replica_load(instance, share) / float(instance.constraints.max_utilisation)
    return np.ceil(need - REPLICA_SLACK * np.maximum(1.0, need)).clip(0).astype(np.int64)


def site_fields(
    instance: Instance, share: np.ndarray, sites: np.ndarray
) -> tuple[list[dict[str, int]], np.ndarray]:
    """Per listed site: its replicas by deployment, and its utilisation.

    Utilisation is the replicas' worth of demand served over the replicas held
    (0 without replicas): at most ``max_utilisation``.
    """
    replicas = replica_counts(instance, share)
    load = replica_load(instance, share).sum(axis=1)
    held = replicas.sum(axis=1)
    utilisation = np.where(held > 0, load / np.maximum(held, 1), 0.0)
    assert instance.serving is not None
    ids = instance.serving.deployment_ids
    rows = [{ids[d]: int(replicas[s, d]) for d in np.flatnonzero(replicas[s] > 0)} for s in sites]
    return rows, utilisation


def assignment_fields(instance: Instance, kept: np.ndarray) -> list[dict[str, Any]]:
    """The serving fields of the assignment rows of pairs ``kept``."""
    serving, pairs = instance.serving, instance.pair_serving
    assert serving is not None and pairs is not None
    item = pairs.item[kept]
    tier = serving.item_tier[item]
    ttft = instance.pair_rtt_ms[kept] + pairs.ttft_ms[kept]
    return [
        {
            "model": serving.model_ids[int(serving.item_model[k])],
            "tier": serving.tier_ids[int(q)],
            "deployment": serving.deployment_ids[int(d)],
            "concurrency": float(c),
            "ttft_ms": float(t),
            "ttft_target_ms": float(serving.tier_ttft_ms[q]),
            "tpot_ms": float(tpot),
            "tpot_target_ms": float(serving.tier_tpot_ms[q]),
        }
        for k, q, d, c, t, tpot in zip(
            item,
            tier,
            pairs.deployment[kept],
            pairs.concurrency[kept],
            ttft,
            pairs.tpot_ms[kept],
            strict=True,
        )
    ]
