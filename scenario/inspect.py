"""What a scenario asks for and what it allows: sizes, reach, capacity, budget, latency.

Cheap pre-solve checks (no solver): they bound what any plan can achieve, so a
scenario that cannot be met shows it here before a long solve.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance, SiteStatus
from gpuplace.scenario.latency_report import latency_summary
from gpuplace.topo.inspect import inspect_topology

__all__ = ["inspect_scenario", "site_capacity"]


def _stats(values: np.ndarray) -> dict[str, float | None]:
    if values.size == 0:
        return {"mean": None, "p50": None, "p95": None, "max": None}
    return {
        "mean": float(np.mean(values)),
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "max": float(np.max(values)),
    }


def site_capacity(instance: Instance) -> dict[str, np.ndarray]:
    """Per site, the most GPUs of each type power and space allow, and a throughput bound.

    ``max_gpus_by_type`` [S, T] = min(floor(power_kw / (gpu power_kw * pue)), max_gpus);
    ``max_throughput`` [S] = min(power_kw / pue * best throughput per kW,
    max_gpus * best throughput per GPU), an upper bound on any mix of types
    (0 at closed sites).
    """
    usable_kw = instance.site_power_kw / instance.site_pue
    per_type = np.floor(usable_kw[:, None] / instance.gpu_power_kw[None, :] + 1e-9)
    per_type = np.minimum(per_type, instance.site_max_gpus[:, None])
    best_per_kw = float(np.max(instance.gpu_throughput / instance.gpu_power_kw, initial=0.0))
    best_per_gpu = float(np.max(instance.gpu_throughput, initial=0.0))
    bound = np.minimum(usable_kw * best_per_kw, instance.site_max_gpus * best_per_gpu)
    closed = instance.site_status == SiteStatus.CLOSED
    per_type[closed] = 0
    bound[closed] = 0.0
    return {"max_gpus_by_type": per_type, "max_throughput": bound}


def _coverage(instance: Instance) -> tuple[dict[str, Any], dict[str, Any], np.ndarray]:
    per_region = np.bincount(instance.pair_region, minlength=instance.n_regions)
    unreachable = np.flatnonzero(per_region == 0)
    coverage = {
        "sites_in_reach": {
            "min": int(per_region.min()) if instance.n_regions else None,
            "median": float(np.median(per_region)) if instance.n_regions else None,
            "max": int(per_region.max()) if instance.n_regions else None,
        }
    }
    no_site = {
        "count": int(unreachable.size),
        "ids": [instance.region_ids[r] for r in unreachable],
        "demand": float(instance.region_demand[unreachable].sum()),
    }
    return coverage, no_site, per_region


def _nearest_rtt_ms(instance: Instance) -> np.ndarray:
    nearest = np.full(instance.n_regions, np.inf)
    np.minimum.at(nearest, instance.pair_region, instance.pair_rtt_ms)
    return nearest[np.isfinite(nearest)]


def _budget(instance: Instance, demand: float, existing_throughput: float) -> dict[str, Any]:
    budget = instance.constraints.budget
    open_cost = np.where(
        instance.site_status == SiteStatus.CLOSED, np.inf, instance.site_cost_factor
    )
    cheapest_factor = float(np.min(open_cost)) if instance.n_sites else np.inf
    per_cost = instance.gpu_throughput / np.maximum(instance.gpu_capex * cheapest_factor, 1e-300)
    best = _best(per_cost)
    bound = None
    if budget is not None and best is not None and np.isfinite(cheapest_factor):
        bound = _finite(existing_throughput + float(budget * per_cost[best]))
    return {
        "budget": budget,
        "best_throughput_per_cost_type": None if best is None else instance.gpu_types[best],
        "max_throughput_within_budget": bound,
        "enough": None if bound is None else bool(bound >= demand),
    }


def inspect_scenario(instance: Instance) -> dict[str, Any]:
    """Describe a loaded scenario (JSON-ready).

    Returns
    -------
    dict
        ``name``, ``sha256``, ``sizes`` (sites, regions, gpu_types, pairs),
        ``topology`` (:func:`topo.inspect.inspect_topology`), ``coverage``
        (sites per region within SLA: min/median/max), ``regions_without_site``
        (count, ids, demand), ``capacity`` (per-site bounds from power and
        space; total throughput bound vs. demand), ``budget`` (throughput the
        budget could buy with the best throughput-per-cost GPU, plus existing
        GPUs), ``nearest_rtt_ms`` (RTT to each region's nearest reachable site:
        mean/p50/p95/max) and ``warnings``.
    """
    coverage, no_site, _ = _coverage(instance)
    caps = site_capacity(instance)
    demand = float(instance.region_demand.sum())
    total = float(caps["max_throughput"].sum())
    usable = total * instance.constraints.max_utilisation
    existing_throughput = float((instance.site_existing_gpus @ instance.gpu_throughput).sum())
    best_per_kw = _best(instance.gpu_throughput / instance.gpu_power_kw)
    sites = [
        {
            "id": site_id,
            "status": SiteStatus(int(instance.site_status[s])).name.lower(),
            "power_kw": float(instance.site_power_kw[s]),
            "max_gpus": {
                t: _count(caps["max_gpus_by_type"][s, k]) for k, t in enumerate(instance.gpu_types)
            },
            "max_throughput": _finite(caps["max_throughput"][s]),
        }
        for s, site_id in enumerate(instance.site_ids)
    ]
    return {
        "name": instance.name,
        "sha256": instance.sha256,
        "sizes": {
            "sites": instance.n_sites,
            "regions": instance.n_regions,
            "gpu_types": instance.n_types,
            "pairs": instance.n_pairs,
        },
        "topology": inspect_topology(
            instance.topology,
            fibre_km_per_ms=instance.latency.fibre_km_per_ms,
            link_route_factor=instance.latency.link_route_factor,
            per_hop_ms=instance.latency.per_hop_ms,
        ),
        "coverage": coverage,
        "regions_without_site": no_site,
        "capacity": {
            "best_throughput_per_kw_type": (
                None if best_per_kw is None else instance.gpu_types[best_per_kw]
            ),
            "sites": sites,
            "total_max_throughput": _finite(total),
            "usable_max_throughput": _finite(usable),
            "total_demand": demand,
            "enough": bool(usable >= demand),
        },
        "budget": _budget(instance, demand, existing_throughput),
        "nearest_rtt_ms": _stats(_nearest_rtt_ms(instance)),
        "latency": latency_summary(instance),
        "warnings": list(instance.warnings),
    }


def _finite(value: float) -> float | None:
    """JSON has no infinity: unlimited becomes null."""
    return float(value) if np.isfinite(value) else None


def _count(value: float) -> int | None:
    return int(value) if np.isfinite(value) else None


def _best(values: np.ndarray) -> int | None:
    return int(np.argmax(values)) if values.size else None
