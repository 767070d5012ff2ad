"""Measured-RTT tables (``[latency] measured``, ``gpuplace latency calibrate``): validation.

Columns: **source**, **target**, **rtt_ms** (> 0); optional ``rtt_p<q>_ms``
percentile columns (0 < q < 100, empty cells allowed) and ``source_lat``,
``source_lon``, ``target_lat``, ``target_lon`` (a point with coordinates is
attached to the topology as a region is; without, its name is a topology node id).
In a scenario, rows are matched to region-site pairs by name instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.instance import MeasuredPairs
from gpuplace.scenario.tables import POSITIVE, Table, check_columns, numbers, read_table, texts
from gpuplace.topo.graph import Topology
from gpuplace.topo.measured import MeasuredRtts, attach_points

__all__ = ["MeasuredColumns", "parse_measured", "read_measured", "scenario_pairs"]

REQUIRED = ("source", "target", "rtt_ms")
COORDINATES = ("source_lat", "source_lon", "target_lat", "target_lon")
PERCENTILE = re.compile(r"^rtt_p(\d+(?:\.\d+)?)_ms$")
ENDS = ("source", "target")


@dataclass(frozen=True, eq=False)
class MeasuredColumns:
    """A measured-RTT table, checked: names, RTTs, percentiles, coordinates (NaN when absent)."""

    table: Table
    names: dict[str, list[str]]  # "source" / "target" -> names
    rtt_ms: np.ndarray
    percentiles: tuple[tuple[float, np.ndarray], ...]
    lat: dict[str, np.ndarray]
    lon: dict[str, np.ndarray]


def _percentile_columns(table: Table, problems: ProblemCollector) -> list[tuple[float, str]]:
    found = []
    for column in table.frame.columns:
        match = PERCENTILE.match(column)
        if match is None:
            continue
        q = float(match.group(1))
        if not 0.0 < q < 100.0:
            problems.add(
                table.file, f"column {column}", f"percentile {q:g} is not between 0 and 100"
            )
        else:
            found.append((q, column))
    return found


def _coordinates(
    table: Table, end: str, problems: ProblemCollector
) -> tuple[np.ndarray, np.ndarray]:
    lat = numbers(
        table,
        f"{end}_lat",
        problems,
        default=np.nan,
        check=(lambda v: abs(v) <= 90, "must be within -90..90"),
    )
    lon = numbers(
        table,
        f"{end}_lon",
        problems,
        default=np.nan,
        check=(lambda v: abs(v) <= 180, "must be within -180..180"),
    )
    lat_raw, lon_raw = texts(table, f"{end}_lat"), texts(table, f"{end}_lon")
    for i, (a, b) in enumerate(zip(lat_raw, lon_raw, strict=True)):
        if bool(a) != bool(b):
            column = f"{end}_lon" if a else f"{end}_lat"
            problems.add(
                table.file,
                table.where(i, column),
                f"is empty, but {end}_{'lat' if a else 'lon'} is given",
            )
    return lat, lon


def _check_rows(table: Table, names: dict[str, list[str]], problems: ProblemCollector) -> None:
    first: dict[tuple[str, str], int] = {}
    for i, (source, target) in enumerate(zip(names["source"], names["target"], strict=True)):
        for end, name in (("source", source), ("target", target)):
            if not name:
                problems.add(table.file, table.where(i, end), "is empty, a point name is required")
        if source and source == target:
            problems.add(
                table.file,
                table.where(i, "target"),
                f"source and target are the same point '{source}'",
            )
        elif (source, target) in first:
            problems.add(
                table.file,
                table.where(i, "source"),
                f"pair ({source}, {target}) appears twice (first at row {int(table.rows[first[(source, target)]])})",
            )
        else:
            first[(source, target)] = i


def parse_measured(table: Table, problems: ProblemCollector) -> MeasuredColumns | None:
    """Check the columns and every cell; None when a column is missing or unknown."""
    if not check_columns(
        table, REQUIRED, COORDINATES, problems, extra_ok=lambda c: bool(PERCENTILE.match(c))
    ):
        return None
    names = {end: texts(table, end) for end in ENDS}
    _check_rows(table, names, problems)
    rtt = numbers(table, "rtt_ms", problems, check=POSITIVE)
    percentiles = tuple(
        (q, numbers(table, column, problems, default=np.nan, check=POSITIVE))
        for q, column in sorted(_percentile_columns(table, problems))
    )
    lat, lon = {}, {}
    for end in ENDS:
        lat[end], lon[end] = _coordinates(table, end, problems)
    return MeasuredColumns(table, names, rtt, percentiles, lat, lon)


def _resolve(
    columns: MeasuredColumns, end: str, topology: Topology, problems: ProblemCollector
) -> tuple[np.ndarray, np.ndarray]:
    """Attach node and access km of one end of every row (a node id, or attached coordinates)."""
    table, names = columns.table, columns.names[end]
    lat, lon = columns.lat[end], columns.lon[end]
    node = np.full(len(table), -1, dtype=np.int64)
    km = np.zeros(len(table))
    placed = np.isfinite(lat) & np.isfinite(lon)
    if placed.any():
        node[placed], km[placed] = attach_points(topology, lat[placed], lon[placed])
    index = topology.node_index()
    for i in np.flatnonzero(~placed).tolist():
        name = names[i]
        if name in index:
            node[i] = index[name]
        elif name:
            problems.add(
                table.file,
                table.where(i, end),
                f"'{name}' is not a topology node and the row gives no {end}_lat/{end}_lon",
            )
    return node, km


def _same_place(columns: MeasuredColumns, problems: ProblemCollector) -> None:
    seen: dict[str, tuple[float, float, int]] = {}
    for end in ENDS:
        for i, name in enumerate(columns.names[end]):
            here = (float(columns.lat[end][i]), float(columns.lon[end][i]))
            if not np.isfinite(here).all():
                continue
            if name not in seen:
                seen[name] = (*here, i)
            elif not np.allclose(here, seen[name][:2], atol=1e-9):
                row = int(columns.table.rows[seen[name][2]])
                problems.add(
                    columns.table.file,
                    columns.table.where(i, f"{end}_lat"),
                    f"point '{name}' has other coordinates at row {row}",
                )


def read_measured(path: str | Path, topology: Topology) -> MeasuredRtts:
    """Read a measured-RTT table for calibration; raises InputError naming file, row and column."""
    problems = ProblemCollector()
    table = read_table(Path(path), problems)
    columns = parse_measured(table, problems) if table is not None else None
    problems.raise_if_any()
    assert columns is not None
    _same_place(columns, problems)
    (source_node, source_km), (target_node, target_km) = (
        _resolve(columns, end, topology, problems) for end in ENDS
    )
    problems.raise_if_any()
    return MeasuredRtts(
        file=columns.table.file,
        rows=columns.table.rows.copy(),
        source=tuple(columns.names["source"]),
        target=tuple(columns.names["target"]),
        source_node=source_node,
        target_node=target_node,
        source_access_km=source_km,
        target_access_km=target_km,
        rtt_ms=columns.rtt_ms,
        percentiles=columns.percentiles,
    )


def scenario_pairs(
    columns: MeasuredColumns, region_ids: list[str], site_ids: list[str], node_ids: tuple[str, ...]
) -> tuple[MeasuredPairs, list[str]]:
    """Region-site pairs the rows name (either order), each the mean of its rows; and warnings.

    A row covers (r, s) when one end is region r's id and the other site s's id.
    """
    region_of = {name: r for r, name in enumerate(region_ids)}
    site_of = {name: s for s, name in enumerate(site_ids)}
    picks: list[tuple[int, int, int]] = []  # (row, region, site)
    for i, (a, b) in enumerate(zip(columns.names["source"], columns.names["target"], strict=True)):
        for region_name, site_name in ((a, b), (b, a)):
            if region_name in region_of and site_name in site_of:
                picks.append((i, region_of[region_name], site_of[site_name]))
    frame = pd.DataFrame(picks, columns=["row", "region", "site"], dtype=np.int64)
    rows = frame["row"].to_numpy()
    frame["rtt_ms"] = columns.rtt_ms[rows]
    for k, (_, values) in enumerate(columns.percentiles):
        frame[f"q{k}"] = values[rows]
    grouped = frame.drop(columns="row").groupby(["region", "site"], sort=True).mean()
    keys = grouped.index.to_frame(index=False)
    pairs = MeasuredPairs(
        region=keys["region"].to_numpy(dtype=np.int64),
        site=keys["site"].to_numpy(dtype=np.int64),
        rtt_ms=grouped["rtt_ms"].to_numpy(dtype=float),
        percentiles=tuple(
            (q, grouped[f"q{k}"].to_numpy(dtype=float))
            for k, (q, _) in enumerate(columns.percentiles)
        ),
    )
    return pairs, _unused_warnings(columns, set(rows.tolist()), region_of, site_of, set(node_ids))


def _unused_warnings(
    columns: MeasuredColumns, used: set[int], regions: dict, sites: dict, nodes: set[str]
) -> list[str]:
    n = len(columns.table)
    if len(used) == n:
        return []
    unknown = sorted(
        {name for end in ENDS for name in columns.names[end]} - set(regions) - set(sites) - nodes
    )
    text = (
        f"{columns.table.file}: {n - len(used)} of {n} rows name no region-site pair of "
        "the scenario and are not used"
    )
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        text += f"; names that are no region, site or topology node: {shown}"
    return [text]
