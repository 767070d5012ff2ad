"""Assemble an :class:`Instance` from validated arrays: attach nodes, RTTs, candidate pairs.

This is the researcher's constructor (no files needed) and the last step of
:func:`scenario.load_instance`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from gpuplace.scenario.instance import (
    Constraints,
    Instance,
    LatencySettings,
    MeasuredPairs,
    Objective,
    SolverSettings,
)
from gpuplace.scenario.serving import Serving
from gpuplace.scenario.serving_pairs import expand_pairs, serving_defaults
from gpuplace.topo import latency
from gpuplace.topo.calibration import Calibration
from gpuplace.topo.graph import Topology

__all__ = ["build_instance", "sovereignty_mask"]


def _f(values, n: int, default: float) -> np.ndarray:
    if values is None:
        return np.full(n, default, dtype=float)
    return np.asarray(values, dtype=float)


def sovereignty_mask(
    region_allowed: Sequence[frozenset[str] | None], site_country: Sequence[str]
) -> np.ndarray:
    """Boolean [R, S]: may region r be served in site s's country."""
    site_country_arr = np.asarray(site_country, dtype=object)
    mask = np.ones((len(region_allowed), len(site_country)), dtype=bool)
    for r, allowed in enumerate(region_allowed):
        if allowed is not None:
            mask[r] = np.isin(site_country_arr, list(allowed))
    return mask


def _overrides(
    matrix: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    measured: MeasuredPairs | None,
    percentile: float | None,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray] | None, np.ndarray | None]:
    """Pairs whose RTT is given, ``(region, site, rtt)``, and the RTT their SLA is checked on.

    The matrix wins over measured pairs; a measured pair's SLA value is its
    ``rtt_p<percentile>_ms`` where given, else its ``rtt_ms``.
    """
    if measured is None or measured.region.size == 0:
        return matrix, None if matrix is None else matrix[2]
    sla_rtt = measured.rtt_ms.copy()
    for q, values in measured.percentiles:
        if percentile is not None and q == percentile:
            sla_rtt = np.where(np.isfinite(values), values, sla_rtt)
    keep = np.ones(measured.region.size, dtype=bool)
    if matrix is not None:
        keep = ~np.isin(
            measured.region * (1 << 32) + measured.site, matrix[0] * (1 << 32) + matrix[1]
        )
    parts = [(measured.region[keep], measured.site[keep], measured.rtt_ms[keep], sla_rtt[keep])]
    if matrix is not None:
        parts.append((*matrix, matrix[2]))
    region, site, rtt, sla = (np.concatenate(column) for column in zip(*parts, strict=True))
    return (region, site, rtt), sla


def _calibrated(
    settings: LatencySettings, calibration: Calibration | None
) -> tuple[LatencySettings, float]:
    """The settings with the calibration's model in place, and the SLA margin (ms)."""
    percentile = settings.sla_margin_percentile
    if calibration is None:
        if percentile is not None:
            raise ValueError("sla_margin_percentile needs a calibration")
        return settings, 0.0
    settings = dataclasses.replace(settings, **dataclasses.asdict(calibration.parameters))
    return settings, calibration.margin_ms(percentile) if percentile is not None else 0.0


def build_instance(
    *,
    topology: Topology,
    site_ids: Sequence[str],
    site_node: ArrayLike,
    site_power_kw: ArrayLike,
    region_ids: Sequence[str],
    region_lat: ArrayLike,
    region_lon: ArrayLike,
    region_demand: ArrayLike,
    region_sla_rtt_ms: ArrayLike,
    gpu_types: Sequence[str],
    gpu_capex: ArrayLike,
    gpu_power_kw: ArrayLike,
    gpu_throughput: ArrayLike,
    site_max_gpus: ArrayLike | None = None,
    site_fixed_cost: ArrayLike | None = None,
    site_cost_factor: ArrayLike | None = None,
    site_pue: ArrayLike | None = None,
    site_country: Sequence[str] | None = None,
    site_status: ArrayLike | None = None,
    site_existing_gpus: np.ndarray | None = None,
    region_node: ArrayLike | None = None,
    region_country: Sequence[str] | None = None,
    region_allowed_countries: Sequence[frozenset[str] | None] | None = None,
    region_gbps_per_unit: ArrayLike | None = None,
    matrix: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    matrix_only: bool = False,
    measured: MeasuredPairs | None = None,
    calibration: Calibration | None = None,
    serving: Serving | None = None,
    latency_settings: LatencySettings = LatencySettings(),
    constraints: Constraints = Constraints(),
    objective: Objective = Objective(),
    solver: SolverSettings = SolverSettings(),
    name: str = "instance",
    sha256: str | None = None,
    scenario_path: str = "",
) -> Instance:
    """Build a solver-ready instance; attach nodes and RTTs follow the latency model.

    ``region_node`` entries < 0 (or ``region_node=None``) attach the region to
    the nearest non-waypoint node. ``site_country`` defaults to the node's country.
    A ``calibration`` replaces the four latency parameters of ``latency_settings``;
    ``measured`` RTTs replace the model for their pairs (``matrix`` wins over both).

    With ``serving`` (models, deployments, profiles, tiers, demand items) the
    candidate pairs are (item, site, deployment) triples with an operating point
    (:func:`gpuplace.scenario.serving_pairs.expand_pairs`), ``region_demand`` is
    the sum of each region's items, and NaN in ``region_sla_rtt_ms`` or
    ``gpu_throughput`` takes the value of
    :func:`gpuplace.scenario.serving_pairs.serving_defaults`.
    """
    latency_settings, margin_ms = _calibrated(latency_settings, calibration)
    if serving is not None:
        region_sla_rtt_ms, region_demand, gpu_throughput = serving_defaults(
            serving,
            np.asarray(region_sla_rtt_ms, dtype=float),
            np.asarray(gpu_throughput, dtype=float),
            len(region_ids),
        )
    percentile = latency_settings.sla_margin_percentile
    n_sites, n_regions, n_types = len(site_ids), len(region_ids), len(gpu_types)
    site_node_arr = np.asarray(site_node, dtype=np.int64)
    lat = np.asarray(region_lat, dtype=float)
    lon = np.asarray(region_lon, dtype=float)

    given = (
        np.asarray(region_node, dtype=np.int64)
        if region_node is not None
        else np.full(n_regions, -1)
    )
    attach = given.copy()
    missing = attach < 0
    if missing.any():
        attach[missing] = latency.nearest_nodes(topology, lat[missing], lon[missing])

    if site_country is None:
        site_country = tuple(topology.node_country[int(n)] for n in site_node_arr)
    site_country = tuple(site_country)
    allowed = (
        tuple(region_allowed_countries)
        if region_allowed_countries is not None
        else (None,) * n_regions
    )

    link_ms = latency.link_latency_ms(
        topology,
        latency_settings.fibre_km_per_ms,
        latency_settings.link_route_factor,
        latency_settings.per_hop_ms,
    )
    access = latency.access_ms(
        topology,
        lat,
        lon,
        attach,
        latency_settings.access_route_factor,
        latency_settings.fibre_km_per_ms,
    )
    sla = np.asarray(region_sla_rtt_ms, dtype=float)
    matrix_arrays = None
    if matrix is not None:
        matrix_arrays = (
            np.asarray(matrix[0], dtype=np.int64),
            np.asarray(matrix[1], dtype=np.int64),
            np.asarray(matrix[2], dtype=float),
        )
    overrides, override_sla = _overrides(matrix_arrays, measured, percentile)
    if matrix_only or n_regions == 0:
        paths = None
    else:
        limit = float(np.max(sla / 2.0 - access)) if n_regions else 0.0
        paths = latency.shortest_paths(topology, link_ms, attach, limit_ms=max(limit, 0.0))
    mask = None
    if constraints.sovereignty and any(a is not None for a in allowed):
        mask = sovereignty_mask(allowed, site_country)
    pairs = (
        latency.candidate_pairs(
            paths,
            attach,
            access,
            sla,
            site_node_arr,
            allowed=mask,
            matrix=overrides,
            matrix_only=matrix_only,
            matrix_sla_rtt_ms=override_sla,
            margin_ms=margin_ms,
        )
        if paths is not None or matrix_only
        else latency.CandidatePairs(
            np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
        )
    )

    pair_serving = None
    if serving is not None:
        base, pair_serving = expand_pairs(
            serving, pairs.region, pairs.site, pairs.rtt_ms, n_regions
        )
        pairs = latency.CandidatePairs(pairs.region[base], pairs.site[base], pairs.rtt_ms[base])
    existing = (
        np.zeros((n_sites, n_types), dtype=np.int64)
        if site_existing_gpus is None
        else np.asarray(site_existing_gpus, dtype=np.int64).reshape(n_sites, n_types)
    )
    empty_i = np.empty(0, dtype=np.int64)
    return Instance(
        name=name,
        sha256=sha256
        or hashlib.sha256(repr((name, tuple(site_ids), tuple(region_ids))).encode()).hexdigest(),
        scenario_path=scenario_path,
        topology=topology,
        latency=latency_settings,
        site_ids=tuple(site_ids),
        site_node=site_node_arr,
        site_power_kw=np.asarray(site_power_kw, dtype=float),
        site_max_gpus=_f(site_max_gpus, n_sites, np.inf),
        site_fixed_cost=_f(site_fixed_cost, n_sites, 0.0),
        site_cost_factor=_f(site_cost_factor, n_sites, 1.0),
        site_pue=_f(site_pue, n_sites, 1.0),
        site_country=site_country,
        site_status=np.asarray(
            site_status if site_status is not None else np.zeros(n_sites), dtype=np.int64
        ),
        site_existing_gpus=existing,
        region_ids=tuple(region_ids),
        region_lat=lat,
        region_lon=lon,
        region_demand=np.asarray(region_demand, dtype=float),
        region_sla_rtt_ms=sla,
        region_node=attach,
        region_node_given=~missing,
        region_country=tuple(region_country) if region_country is not None else ("",) * n_regions,
        region_allowed_countries=allowed,
        region_gbps_per_unit=_f(region_gbps_per_unit, n_regions, 0.0),
        gpu_types=tuple(gpu_types),
        gpu_capex=np.asarray(gpu_capex, dtype=float),
        gpu_power_kw=np.asarray(gpu_power_kw, dtype=float),
        gpu_throughput=np.asarray(gpu_throughput, dtype=float),
        matrix_region=matrix_arrays[0] if matrix_arrays else empty_i,
        matrix_site=matrix_arrays[1] if matrix_arrays else empty_i,
        matrix_rtt_ms=matrix_arrays[2] if matrix_arrays else np.empty(0),
        matrix_only=matrix_only,
        pair_region=pairs.region,
        pair_site=pairs.site,
        pair_rtt_ms=pairs.rtt_ms,
        constraints=constraints,
        objective=objective,
        solver=solver,
        measured=measured,
        calibration=calibration,
        serving=serving,
        pair_serving=pair_serving,
    )
