"""Predicted against measured RTTs of a scenario's measured pairs (``inspect``, ``report``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.topo.calibrate import error_stats
from gpuplace.topo.geo import haversine_km
from gpuplace.topo.measured import LatencyParameters, MeasuredRtts, model_rtt_ms

__all__ = ["MeasuredComparison", "latency_summary", "measured_comparison"]


@dataclass(frozen=True, eq=False)
class MeasuredComparison:
    """Each measured region-site pair: what was measured and what the (calibrated) model predicts."""

    region: np.ndarray
    site: np.ndarray
    measured_ms: np.ndarray
    predicted_ms: np.ndarray


def _parameters(instance: Instance) -> LatencyParameters:
    s = instance.latency
    return LatencyParameters(
        s.fibre_km_per_ms, s.link_route_factor, s.per_hop_ms, s.access_route_factor
    )


def measured_comparison(instance: Instance) -> MeasuredComparison | None:
    """The model's RTT of every measured pair (the rule-4 RTT the measurement replaces)."""
    measured = instance.measured
    if measured is None or measured.region.size == 0:
        return None
    topo = instance.topology
    attach = instance.region_node[measured.region]
    access_km = haversine_km(
        instance.region_lat[measured.region],
        instance.region_lon[measured.region],
        topo.node_lat[attach],
        topo.node_lon[attach],
    )
    n = measured.region.size
    rows = MeasuredRtts(
        file="",
        rows=np.arange(1, n + 1),
        source=tuple(instance.region_ids[r] for r in measured.region),
        target=tuple(instance.site_ids[s] for s in measured.site),
        source_node=np.asarray(attach, dtype=np.int64),
        target_node=np.asarray(instance.site_node[measured.site], dtype=np.int64),
        source_access_km=np.asarray(access_km, dtype=float),
        target_access_km=np.zeros(n),
        rtt_ms=measured.rtt_ms,
    )
    predicted = model_rtt_ms(topo, rows, _parameters(instance))
    return MeasuredComparison(measured.region, measured.site, measured.rtt_ms, predicted)


def latency_summary(instance: Instance) -> dict[str, Any] | None:
    """JSON-ready: the calibration in use, the SLA margin, and predicted against measured."""
    comparison = measured_comparison(instance)
    calibration = instance.calibration
    if comparison is None and calibration is None:
        return None
    q = instance.latency.sla_margin_percentile
    summary: dict[str, Any] = {
        "calibration": None
        if calibration is None
        else {
            "file": calibration.file,
            "model": dataclasses.asdict(calibration.parameters),
            "holdout_pairs": int(calibration.holdout_residual_ms.size),
        },
        "sla_margin_percentile": q,
        "sla_margin_ms": calibration.margin_ms(q) if calibration is not None and q else 0.0,
        "measured_pairs": 0,
        "predicted_vs_measured": None,
    }
    if comparison is not None:
        reachable = np.isfinite(comparison.predicted_ms)
        stats = error_stats(comparison.predicted_ms[reachable], comparison.measured_ms[reachable])
        summary["measured_pairs"] = int(comparison.region.size)
        summary["predicted_vs_measured"] = {
            k: (v if not isinstance(v, float) or np.isfinite(v) else None)
            for k, v in dataclasses.asdict(stats).items()
        }
    return summary
