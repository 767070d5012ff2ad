"""Serving rules of a plan, recomputed from the serving tables and the verifier's own RTTs.

Shares no code with model building or the loader's operating points
(:mod:`gpuplace.scenario.serving_pairs`): the profile is interpolated here by
its own walk along the curve (piecewise linear in concurrency, no
extrapolation, SCENARIO.md), with the RTT the verifier computes itself.

- ``operating_point``: an assignment's deployment serves the item's model at
  its request shape; its reported ``concurrency``, ``ttft_ms`` (RTT + compute
  TTFT), ``tpot_ms`` and targets equal the recomputed ones, the highest
  concurrency meeting both targets;
- ``ttft`` / ``tpot``: no operating point meets the tier's targets, or the
  predicted value exceeds its target;
- ``replica_capacity``: per site and deployment, ``Σ D_k x / thr(c) <=
  max_utilisation × replicas``;
- ``replica_gpus``: per site and GPU type, ``Σ gpus_per_replica × replicas <= gpus``;
- ``replicas``: whole numbers, only at open sites;
- ``memory``: a deployment holding replicas fits ``gpus_per_replica × memory_gb``
  at its highest profiled concurrency;
- ``site_report``: a site's ``utilisation`` is its replicas' worth of demand
  served over the replicas it holds.
"""

from __future__ import annotations

import math

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.parsed import Assignment, ParsedPlan
from gpuplace.solvers.verify.tolerance import differs, excess
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_serving"]

Point = tuple[
    float, float, float, float
]  # concurrency, TTFT at the tier's percentile, TPOT, tokens/s


def _points(instance: Instance, deployment: int, shape: int, percentile: float) -> list[Point]:
    serving = instance.serving
    assert serving is not None
    for j in range(serving.n_curves):
        if serving.curve_deployment[j] == deployment and serving.curve_shape[j] == shape:
            ttft = serving.profile_ttft_p95_ms if percentile == 95 else serving.profile_ttft_p50_ms
            rows = range(int(serving.curve_start[j]), int(serving.curve_start[j + 1]))
            return [
                (
                    float(serving.profile_concurrency[i]),
                    float(ttft[i]),
                    float(serving.profile_tpot_ms[i]),
                    float(serving.profile_throughput[i]),
                )
                for i in rows
            ]
    return []


def _highest(points: list[Point], column: int, limit: float) -> float | None:
    """The largest concurrency whose interpolated ``column`` is within ``limit``."""
    if points[0][column] > limit:
        return None
    for low, high in zip(points, points[1:], strict=False):
        if high[column] > limit:
            fraction = (limit - low[column]) / (high[column] - low[column])
            return low[0] + fraction * (high[0] - low[0])
    return points[-1][0]


def _at(points: list[Point], c: float, column: int) -> float:
    for low, high in zip(points, points[1:], strict=False):
        if low[0] <= c <= high[0]:
            return low[column] + (c - low[0]) / (high[0] - low[0]) * (high[column] - low[column])
    return points[-1][column]


def _operating_point(
    instance: Instance, a: Assignment, rtt: float, tolerance: float, out: list[Violation]
) -> float | None:
    """Check one assignment's operating point; its throughput per replica, None if it has none."""
    serving = instance.serving
    assert serving is not None
    k, d = a.item, a.deployment
    name = f"{instance.region_ids[a.region]}->{instance.site_ids[a.site]} ({serving.deployment_ids[d]})"
    if serving.deployment_model[d] != serving.item_model[k]:
        out.append(Violation("operating_point", name, "the deployment serves another model"))
        return None
    q = int(serving.item_tier[k])
    points = _points(
        instance, d, int(serving.item_shape[k]), float(serving.tier_ttft_percentile[q])
    )
    if not points:
        out.append(Violation("operating_point", name, "not profiled at the item's request shape"))
        return None
    target, tpot_target = float(serving.tier_ttft_ms[q]), float(serving.tier_tpot_ms[q])
    by_ttft = _highest(points, 1, target - rtt) if math.isfinite(rtt) else None
    by_tpot = _highest(points, 2, tpot_target)
    if by_ttft is None or by_tpot is None:
        least = points[0][1] + rtt
        out.append(
            Violation(
                "ttft" if by_ttft is None else "tpot",
                name,
                f"no operating point meets tier {serving.tier_ids[q]!r}: TTFT at the lowest "
                f"concurrency is {least:g} ms with the network (target {target:g} ms), "
                f"TPOT {points[0][2]:g} ms (target {tpot_target:g} ms)",
            )
        )
        return None
    c = min(by_ttft, by_tpot)
    expected = {
        "concurrency": c,
        "ttft_ms": rtt + _at(points, c, 1),
        "ttft_target_ms": target,
        "tpot_ms": _at(points, c, 2),
        "tpot_target_ms": tpot_target,
    }
    assert a.fields is not None
    for key, value in expected.items():
        reported = a.fields.get(key)
        if not isinstance(reported, int | float) or differs(float(reported), value, tolerance):
            out.append(
                Violation("operating_point", name, f"{key} is {reported}, recomputed {value:g}")
            )
    over = excess(expected["ttft_ms"], target, tolerance)
    if over:
        out.append(
            Violation(
                "ttft", name, f"predicted TTFT {expected['ttft_ms']:g} ms > {target:g} ms", over
            )
        )
    return _at(points, c, 3)


def _kv_gb(instance: Instance, model: int, shape: int) -> float:
    serving = instance.serving
    assert serving is not None
    per_request = float(serving.model_kv_gb_per_request[model])
    if not math.isnan(per_request):
        return per_request
    tokens = int(serving.shape_input_tokens[shape]) + int(serving.shape_output_tokens[shape])
    return float(serving.model_kv_mb_per_token[model]) * tokens / 1000.0


def _memory(instance: Instance, used: np.ndarray, out: list[Violation]) -> None:
    serving = instance.serving
    assert serving is not None
    for d in used.tolist():
        memory = int(serving.deployment_gpus_per_replica[d]) * float(
            serving.gpu_memory_gb[serving.deployment_gpu[d]]
        )
        for j in np.flatnonzero(serving.curve_deployment == d).tolist():
            top = float(serving.profile_concurrency[int(serving.curve_start[j + 1]) - 1])
            need = float(serving.deployment_weights_gb[d]) + top * _kv_gb(
                instance, int(serving.deployment_model[d]), int(serving.curve_shape[j])
            )
            if not need <= memory * (1 + 1e-12):
                out.append(
                    Violation(
                        "memory",
                        serving.deployment_ids[d],
                        f"needs {need:g} GB at concurrency {top:g}, its GPUs hold {memory:g} GB",
                    )
                )


def check_serving(
    instance: Instance, parsed: ParsedPlan, rtts: list[float], tolerance: float
) -> list[Violation]:
    """Every serving rule of the module docstring; empty without serving tables."""
    serving = instance.serving
    if serving is None:
        return []
    out: list[Violation] = []
    S, D = instance.n_sites, serving.n_deployments
    replicas = parsed.replicas if parsed.replicas is not None else np.zeros((S, D))
    load = np.zeros((S, D))
    for a, rtt in zip(parsed.assignments, rtts, strict=True):
        per_replica = _operating_point(instance, a, rtt, tolerance, out)
        if per_replica is not None:
            load[a.site, a.deployment] += a.share * float(serving.item_demand[a.item]) / per_replica
    mu = float(instance.constraints.max_utilisation)
    for s, d in zip(*np.nonzero((load > 0) | (replicas > 0)), strict=True):
        where = f"{instance.site_ids[s]}/{serving.deployment_ids[d]}"
        over = excess(float(load[s, d]), mu * float(replicas[s, d]), tolerance)
        if over:
            out.append(
                Violation(
                    "replica_capacity",
                    where,
                    f"serves {load[s, d]:g} replicas' worth of demand, above max_utilisation "
                    f"{mu:g} x {replicas[s, d]:g} replicas",
                    over,
                )
            )
        if replicas[s, d] > 0 and not parsed.is_open[s]:
            out.append(Violation("replicas", where, "replicas at a site that is not open"))
    of_type = np.zeros((D, instance.n_types))
    of_type[np.arange(D), serving.deployment_gpu] = serving.deployment_gpus_per_replica
    need = replicas @ of_type
    for s, t in zip(*np.nonzero(need > parsed.gpus + 0.5), strict=True):
        out.append(
            Violation(
                "replica_gpus",
                instance.site_ids[s],
                f"replicas need {need[s, t]:g} {instance.gpu_types[t]} GPUs, the site has "
                f"{parsed.gpus[s, t]:g}",
                float(need[s, t] - parsed.gpus[s, t]),
            )
        )
    _memory(instance, np.flatnonzero(replicas.sum(axis=0) > 0), out)
    held = replicas.sum(axis=1)
    for s, row in parsed.site_rows.items():
        utilisation = float(load[s].sum() / held[s]) if held[s] > 0 else 0.0
        if differs(float(row["utilisation"]), utilisation, tolerance):
            out.append(
                Violation(
                    "site_report",
                    instance.site_ids[s],
                    f"utilisation is {row['utilisation']:g}, recomputed {utilisation:g}",
                )
            )
    return out
