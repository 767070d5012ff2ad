"""``regions.csv`` and the ``[latency] matrix`` table: validation and conversion to arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.tables import (
    NON_NEGATIVE,
    POSITIVE,
    Table,
    check_columns,
    country_code,
    has,
    node_indices,
    numbers,
    texts,
    unique_ids,
)
from gpuplace.topo.geo import haversine_km
from gpuplace.topo.graph import Topology
from gpuplace.topo.latency import nearest_nodes

__all__ = [
    "FAR_KM",
    "MATRIX_REQUIRED",
    "MAX_LISTED_ROWS",
    "MatrixTable",
    "REGION_OPTIONAL",
    "REGION_REQUIRED",
    "RegionTable",
    "SERVING_OPTIONAL",
    "coordinate_warnings",
    "read_matrix",
    "read_regions",
]

REGION_REQUIRED = ("id", "lat", "lon", "demand", "sla_rtt_ms")
REGION_OPTIONAL = ("node", "country", "allowed_countries", "gbps_per_unit", "tz")
SERVING_OPTIONAL = ("demand", "sla_rtt_ms")  # optional when demand.csv gives the demand
MATRIX_REQUIRED = ("region", "site", "rtt_ms")
# A region this far from every usable node is suspicious (likely a data error).
FAR_KM = 2000.0
MAX_LISTED_ROWS = 10


@dataclass(frozen=True, eq=False)
class RegionTable:
    ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    demand: np.ndarray
    sla_rtt_ms: np.ndarray
    node: np.ndarray  # -1: nearest node
    country: list[str] | None
    allowed: list[frozenset[str] | None]
    gbps_per_unit: np.ndarray


@dataclass(frozen=True, eq=False)
class MatrixTable:
    region: np.ndarray
    site: np.ndarray
    rtt_ms: np.ndarray


def _coordinates(table: Table, problems: ProblemCollector) -> tuple[np.ndarray, np.ndarray]:
    lat = numbers(table, "lat", problems)
    lon = numbers(table, "lon", problems)
    for i in range(len(table)):
        la, lo = lat[i], lon[i]
        if abs(la) > 90:
            swapped = "; lat and lon look swapped" if abs(lo) <= 90 else ""
            problems.add(
                table.file, table.where(i, "lat"), f"{la:g} is out of range [-90, 90]{swapped}"
            )
            lat[i] = np.nan
        if abs(lo) > 180:
            problems.add(table.file, table.where(i, "lon"), f"{lo:g} is out of range [-180, 180]")
            lon[i] = np.nan
    return lat, lon


def _allowed(table: Table, problems: ProblemCollector) -> list[frozenset[str] | None]:
    out: list[frozenset[str] | None] = []
    for i, raw in enumerate(texts(table, "allowed_countries")):
        pieces = [p.strip() for p in raw.split(";") if p.strip()]
        codes = {country_code(table, i, "allowed_countries", p, problems) for p in pieces}
        out.append(frozenset(c for c in codes if c) if pieces else None)
    return out


def read_regions(
    table: Table,
    topology: Topology | None,
    default_gbps_per_unit: float,
    problems: ProblemCollector,
    *,
    serving: bool = False,
) -> RegionTable | None:
    """Validate ``regions.csv``: ids, coordinates, demand >= 0, sla_rtt_ms > 0, nodes, countries.

    With ``serving`` (demand comes from ``demand.csv``) ``demand`` and ``sla_rtt_ms``
    are optional: ``demand`` is not used, an empty ``sla_rtt_ms`` is NaN (the
    loader fills it in from the SLO tiers).
    """
    required = tuple(c for c in REGION_REQUIRED if not serving or c not in SERVING_OPTIONAL)
    optional = REGION_OPTIONAL + (SERVING_OPTIONAL if serving else ())
    if not check_columns(table, required, optional, problems):
        return None
    default = np.nan if serving else None
    node_index = topology.node_index() if topology is not None else None
    lat, lon = _coordinates(table, problems)
    country = None
    if has(table, "country"):
        country = [
            (country_code(table, i, "country", raw, problems) or "") if raw else ""
            for i, raw in enumerate(texts(table, "country"))
        ]
    return RegionTable(
        ids=unique_ids(table, "id", problems),
        lat=lat,
        lon=lon,
        demand=numbers(table, "demand", problems, default=default, check=NON_NEGATIVE),
        sla_rtt_ms=numbers(table, "sla_rtt_ms", problems, default=default, check=POSITIVE),
        node=node_indices(table, "node", node_index, problems, required=False),
        country=country,
        allowed=_allowed(table, problems),
        gbps_per_unit=numbers(
            table, "gbps_per_unit", problems, default=default_gbps_per_unit, check=NON_NEGATIVE
        ),
    )


def _rows(table: Table, picks: np.ndarray) -> str:
    listed = ", ".join(str(int(table.rows[i])) for i in picks[:MAX_LISTED_ROWS])
    more = f" and {len(picks) - MAX_LISTED_ROWS} more" if len(picks) > MAX_LISTED_ROWS else ""
    return f"row{'s' if len(picks) > 1 else ''} {listed}{more}"


def coordinate_warnings(
    table: Table, regions: RegionTable, topology: Topology, problems: ProblemCollector
) -> list[str]:
    """Warnings for regions far from every node, and for lat/lon that look swapped.

    A region with no attach node when the topology has no usable node is a problem.
    """
    needs_nearest = regions.node < 0
    try:
        nearest = nearest_nodes(topology, regions.lat, regions.lon)
    except ValueError:
        if needs_nearest.any():
            problems.add(
                table.file,
                "column node",
                "regions without a node need a topology node with coordinates "
                "that is not a waypoint; the topology has none",
            )
        return []
    warnings = []
    d_km = haversine_km(
        regions.lat, regions.lon, topology.node_lat[nearest], topology.node_lon[nearest]
    )
    can_swap = np.abs(regions.lon) <= 90
    swap_lat = np.where(can_swap, regions.lon, 0.0)
    swap_lon = np.where(can_swap, regions.lat, 0.0)
    swap_nearest = nearest_nodes(topology, swap_lat, swap_lon)
    swap_km = haversine_km(
        swap_lat, swap_lon, topology.node_lat[swap_nearest], topology.node_lon[swap_nearest]
    )
    far = d_km > FAR_KM
    swapped = far & can_swap & (swap_km < FAR_KM) & (swap_km < d_km / 4)
    if swapped.any():
        every = "every region's" if swapped.all() else "the"
        warnings.append(
            f"{table.file}: {_rows(table, np.flatnonzero(swapped))}: {every} lat/lon look swapped "
            f"(more than {FAR_KM:g} km from every topology node, close to one when swapped)"
        )
    far_only = far & ~swapped
    if far_only.any():
        worst = float(np.nanmax(d_km[far_only]))
        warnings.append(
            f"{table.file}: {_rows(table, np.flatnonzero(far_only))}: more than {FAR_KM:g} km "
            f"from every topology node (up to {worst:.0f} km)"
        )
    given = regions.node >= 0
    no_coords = given & np.isnan(topology.node_lat[np.maximum(regions.node, 0)])
    if no_coords.any():
        warnings.append(
            f"{table.file}: {_rows(table, np.flatnonzero(no_coords))}: the attach node has no "
            "coordinates, so no site is in reach of these regions"
        )
    return warnings


def _indices(ids: pd.Series, known: list[str] | None) -> np.ndarray:
    """Position of each id in ``known`` (-1 when absent, or when ``known`` is None)."""
    if known is None:
        return np.full(len(ids), -1, dtype=np.int64)
    position = pd.Series(np.arange(len(known), dtype=np.int64), index=pd.Index(known))
    position = position[~position.index.duplicated(keep="last")]
    return ids.map(position).fillna(-1).to_numpy(dtype=np.int64)


def read_matrix(
    table: Table,
    region_ids: list[str] | None,
    site_ids: list[str] | None,
    problems: ProblemCollector,
) -> MatrixTable | None:
    """Validate the measured-RTT table: known regions and sites, rtt_ms >= 0, no duplicate pair."""
    if not check_columns(table, MATRIX_REQUIRED, (), problems):
        return None
    rtt = numbers(table, "rtt_ms", problems, check=NON_NEGATIVE)
    region_texts = table.frame["region"]
    site_texts = table.frame["site"]
    found: list[tuple[int, int, str, str]] = []  # (row index, order, column, what)
    region = _indices(region_texts, region_ids)
    site = _indices(site_texts, site_ids)
    if region_ids is not None:
        for i in np.flatnonzero(region < 0).tolist():
            found.append((i, 0, "region", f"unknown region '{region_texts.iat[i]}'"))
    if site_ids is not None:
        for i in np.flatnonzero(site < 0).tolist():
            found.append((i, 1, "site", f"unknown site '{site_texts.iat[i]}'"))
    known = np.flatnonzero((region >= 0) & (site >= 0))
    key = region[known] * (int(site.max(initial=0)) + 1) + site[known]
    repeated = pd.Series(key).duplicated(keep="first").to_numpy()
    if repeated.any():
        first_of = pd.Series(known[~repeated], index=key[~repeated])
        for i, k in zip(known[repeated].tolist(), key[repeated].tolist(), strict=True):
            first_row = int(table.rows[first_of[k]])
            what = (
                f"pair ({region_texts.iat[i]}, {site_texts.iat[i]}) appears twice "
                f"(first at row {first_row})"
            )
            found.append((i, 2, "region", what))
    for i, _, column, what in sorted(found):
        problems.add(table.file, table.where(i, column), what)
    return MatrixTable(region=region, site=site, rtt_ms=rtt)
