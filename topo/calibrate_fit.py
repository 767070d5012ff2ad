"""Fit the latency model's parameters to measured RTTs by least absolute deviations.

With the minimum-latency paths held fixed, the model is linear in three unknowns::

    rtt_i = 2 × (a × D_i + h × H_i + G_i + b × K_i)

where, along row i's path, ``D_i`` is the km of links whose latency is derived
from distance, ``H_i`` the number of such links and ``G_i`` the sum of given
``latency_ms``; ``K_i`` is the access km of both ends. ``a = 1 / fibre_km_per_ms``,
``h = per_hop_ms`` and ``b = access_route_factor / fibre_km_per_ms``.
``min Σ |rtt_i − model_i|`` is a linear programme (HiGHS through
:func:`scipy.optimize.linprog`). Paths depend on the parameters, so the fit
alternates: paths under the current parameters -> LP -> a step towards the LP's
answer, halved until the absolute error over the true minimum-latency paths
decreases (a descent method: the result is never worse than the start).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, identity

from gpuplace.topo import latency
from gpuplace.topo.graph import Topology
from gpuplace.topo.measured import LatencyParameters, MeasuredRtts, model_rtt_ms

__all__ = ["FitResult", "fit_parameters"]

MAX_ITERATIONS = 12
_STEPS = (1.0, 0.5, 0.25, 0.125, 0.0625)
# Bounds relative to the starting speed v0: inflation 0.5..5, per hop 0..100 ms, access factor <= 20.
_INFLATION = (0.5, 5.0)
_MAX_PER_HOP_MS = 100.0
_MAX_ACCESS_FACTOR = 20.0


@dataclass(frozen=True)
class FitResult:
    """Fitted parameters, the absolute error they leave (ms, summed) and the LP rounds run."""

    parameters: LatencyParameters
    abs_error_ms: float
    iterations: int


def _to_parameters(z: np.ndarray, base: LatencyParameters) -> LatencyParameters:
    a, h, b = (float(v) for v in z)
    return LatencyParameters(
        fibre_km_per_ms=1.0 / a,
        link_route_factor=base.link_route_factor,
        per_hop_ms=h,
        access_route_factor=b / a,
    )


def _features(
    topology: Topology, measured: MeasuredRtts, parameters: LatencyParameters
) -> np.ndarray:
    """Columns D, H, G, K of every row along its current minimum-latency path."""
    km = latency.link_route_km(topology, parameters.link_route_factor)
    given = ~np.isnan(topology.edge_latency_ms)
    link_ms = latency.link_latency_ms(
        topology, parameters.fibre_km_per_ms, parameters.link_route_factor, parameters.per_hop_ms
    )
    paths = latency.shortest_paths(topology, link_ms, measured.source_node)
    crossing = latency.pair_links(topology, paths, measured.source_node, measured.target_node)
    on_path = crossing[:, 0::2] + crossing[:, 1::2]  # [rows, links], either direction
    derived_km = np.where(given | np.isnan(km), 0.0, km)
    derived = (~given & np.isfinite(km)).astype(float)
    given_ms = np.where(given, topology.edge_latency_ms, 0.0)
    return np.column_stack(
        [
            on_path @ derived_km,
            on_path @ derived,
            on_path @ given_ms,
            measured.source_access_km + measured.target_access_km,
        ]
    )


def _lad(features: np.ndarray, rtt_ms: np.ndarray, v0: float, start: np.ndarray) -> np.ndarray:
    """``argmin Σ |rtt − 2(aD + hH + G + bK)|`` over bounded (a, h, b): an LP.

    A parameter no row informs (its column all zero: no derived link, no access
    km) keeps its value in ``start``; for ``b`` that is the access route factor
    ``b / a``.
    """
    n = len(rtt_ms)
    design = csr_matrix(2.0 * features[:, [0, 1, 3]])
    a_eq = hstack([design, identity(n, format="csr"), -identity(n, format="csr")], format="csr")
    b_eq = rtt_ms - 2.0 * features[:, 2]
    cost = np.concatenate([np.zeros(3), np.ones(2 * n)])
    a_low, a_high = _INFLATION[0] / v0, _INFLATION[1] / v0
    bounds: list[tuple[float, float | None]] = [
        (a_low, a_high),
        (0.0, _MAX_PER_HOP_MS),
        (0.0, _MAX_ACCESS_FACTOR * a_high),
    ]
    informed = [bool(np.any(features[:, column] > 0)) for column in (0, 1, 3)]
    for k in range(3):
        if not informed[k]:
            bounds[k] = (float(start[k]), float(start[k]))
    bounds += [(0.0, None)] * (2 * n)
    result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if result.status != 0 or result.x is None:
        raise RuntimeError(f"the least-absolute-deviation LP failed: {result.message}")
    z = np.asarray(result.x[:3], dtype=float)
    if not informed[2]:
        z[2] = start[2] / start[0] * z[0]
    return z


def _abs_error(topology: Topology, measured: MeasuredRtts, parameters: LatencyParameters) -> float:
    predicted = model_rtt_ms(topology, measured, parameters)
    return float(np.sum(np.abs(predicted - measured.rtt_ms)))


def fit_parameters(
    topology: Topology, measured: MeasuredRtts, start: LatencyParameters
) -> FitResult:
    """Least-absolute-deviation fit of fibre speed, per-hop delay and access route factor.

    ``link_route_factor`` stays at ``start``'s value (the fitted speed absorbs
    it). Every row must be reachable under ``start`` (the caller drops others).
    """
    v0 = start.fibre_km_per_ms
    z = np.array([1.0 / v0, start.per_hop_ms, start.access_route_factor / v0], dtype=float)
    a_low, a_high = _INFLATION[0] / v0, _INFLATION[1] / v0
    z = np.clip(z, [a_low, 0.0, 0.0], [a_high, _MAX_PER_HOP_MS, _MAX_ACCESS_FACTOR * a_high])
    current = _abs_error(topology, measured, _to_parameters(z, start))
    iterations = 0
    while iterations < MAX_ITERATIONS:
        iterations += 1
        features = _features(topology, measured, _to_parameters(z, start))
        target = _lad(features, measured.rtt_ms, v0, z)
        accepted = False
        for step in _STEPS:
            candidate = z + step * (target - z)
            error = _abs_error(topology, measured, _to_parameters(candidate, start))
            if error < current * (1.0 - 1e-9):
                z, accepted = candidate, True
                improvement = (current - error) / max(current, 1e-12)
                current = error
                break
        if not accepted or improvement < 1e-6:
            break
    return FitResult(_to_parameters(z, start), current, iterations)
