"""Key figures per model and SLO tier of a plan for serving models (from the plan alone).

For each (model, tier) a plan serves or leaves unserved:

- ``served_fraction``: output tokens/s served over served + unserved;
- ``served_tokens_s``: output tokens/s served;
- ``mean_ttft_ms`` / ``p95_ttft_ms``: demand-weighted predicted TTFT (network + compute);
- ``ttft_target_ms``: the tier's target;
- ``min_ttft_headroom_ms``: the smallest target - predicted TTFT over its assignments;
- ``mean_rtt_ms`` / ``p95_rtt_ms``: demand-weighted network RTT (how far from its
  users the tier is served).

And per model, ``replicas``: replicas held by the deployments that serve it.
A plan without serving fields has none of these.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from gpuplace.planning.plans import as_float
from gpuplace.solvers.kpis import weighted_mean, weighted_percentile
from gpuplace.solvers.plan import Plan

__all__ = [
    "TIER_LABELS",
    "TIER_METRICS",
    "serving_metrics",
    "tier_rows",
    "tier_sites",
]

TIER_LABELS = {
    "served_fraction": "served fraction",
    "served_tokens_s": "served tokens/s",
    "mean_ttft_ms": "mean TTFT (ms)",
    "p95_ttft_ms": "p95 TTFT (ms)",
    "ttft_target_ms": "TTFT target (ms)",
    "min_ttft_headroom_ms": "least TTFT headroom (ms)",
    "mean_rtt_ms": "mean RTT (ms)",
    "p95_rtt_ms": "p95 RTT (ms)",
}
TIER_METRICS = tuple(TIER_LABELS)


def tier_rows(plan: Plan) -> dict[tuple[str, str], dict[str, float | None]]:
    """Per (model, tier): the figures of the module docstring."""
    served: dict[tuple[str, str], list[tuple[float, float, float, float]]] = defaultdict(list)
    unserved: dict[tuple[str, str], float] = defaultdict(float)
    for a in plan.assignments:
        if a.model is None or a.tier is None or a.ttft_ms is None:
            continue
        target_ms = as_float(a.ttft_target_ms) or 0.0
        served[(a.model, a.tier)].append(
            (as_float(a.demand) or 0.0, float(a.ttft_ms), target_ms, as_float(a.rtt_ms) or 0.0)
        )
    for u in plan.unserved:
        if u.model is not None and u.tier is not None:
            unserved[(u.model, u.tier)] += as_float(u.demand) or 0.0
    out = {}
    for key in sorted(set(served) | set(unserved)):
        rows = np.array(served.get(key, []), dtype=float).reshape(-1, 4)
        demand, ttft, target, rtt = rows.T
        total = float(demand.sum()) + unserved.get(key, 0.0)
        out[key] = {
            "served_fraction": float(demand.sum()) / total if total > 0 else None,
            "served_tokens_s": float(demand.sum()),
            "mean_ttft_ms": weighted_mean(ttft, demand),
            "p95_ttft_ms": weighted_percentile(ttft, demand, 0.95),
            "ttft_target_ms": float(target.max()) if target.size else None,
            "min_ttft_headroom_ms": float((target - ttft).min()) if ttft.size else None,
            "mean_rtt_ms": weighted_mean(rtt, demand),
            "p95_rtt_ms": weighted_percentile(rtt, demand, 0.95),
        }
    return out


def serving_metrics(plan: Plan) -> dict[str, float | None]:
    """Flat figures ``model.<model>.<tier>.<figure>`` and ``replicas.<model>`` (empty without serving)."""
    out: dict[str, float | None] = {}
    for (model, tier), figures in tier_rows(plan).items():
        for name in TIER_METRICS:
            out[f"model.{model}.{tier}.{name}"] = figures[name]
    model_of = {a.deployment: a.model for a in plan.assignments if a.deployment is not None}
    replicas: dict[str, float] = defaultdict(float)
    for site in plan.sites:
        for deployment, count in (site.replicas or {}).items():
            owner = model_of.get(deployment)
            if owner is not None:
                replicas[owner] += float(count)
    for model in sorted(replicas):
        out[f"replicas.{model}"] = replicas[model]
    return out


def tier_sites(plan: Plan, top: int = 3) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Per (model, tier): the ``top`` sites serving most of its tokens/s, with their share."""
    tokens: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for a in plan.assignments:
        if a.model is not None and a.tier is not None:
            tokens[(a.model, a.tier)][a.site] += as_float(a.demand) or 0.0
    out = {}
    for key, per_site in sorted(tokens.items()):
        total = sum(per_site.values()) or 1.0
        ranked = sorted(per_site.items(), key=lambda item: (-item[1], item[0]))[:top]
        out[key] = [(site, value / total) for site, value in ranked]
    return out
