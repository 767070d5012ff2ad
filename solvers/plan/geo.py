"""A plan's frames as GeoDataFrames in EPSG:4326 (the ``geo`` extra: geopandas, shapely).

Points are (longitude, latitude). A line between two points takes the short
way round: when that way crosses the antimeridian it is split there into a
MultiLineString (RFC 7946, section 3.1.9), its latitude at ±180 interpolated
linearly in longitude.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from gpuplace.scenario.instance import Instance

__all__ = ["CRS", "line", "plan_geodataframes"]

CRS = "EPSG:4326"


def line(lon1: float, lat1: float, lon2: float, lat2: float) -> BaseGeometry | None:
    """The short line from (lon1, lat1) to (lon2, lat2), split at the antimeridian if crossed.

    Examples
    --------
    >>> line(0.0, 0.0, 10.0, 5.0).wkt
    'LINESTRING (0 0, 10 5)'
    >>> line(170.0, 0.0, -170.0, 10.0).wkt
    'MULTILINESTRING ((170 0, 180 5), (-180 5, -170 10))'
    """
    if not all(math.isfinite(v) for v in (lon1, lat1, lon2, lat2)):
        return None
    if abs(lon2 - lon1) <= 180.0:
        return LineString([(lon1, lat1), (lon2, lat2)])
    east = lon1 > lon2  # crossing eastwards, over +180
    edge = 180.0 if east else -180.0
    unwrapped = lon2 + (360.0 if east else -360.0)
    lat_edge = lat1 + (lat2 - lat1) * (edge - lon1) / (unwrapped - lon1)
    return MultiLineString([[(lon1, lat1), (edge, lat_edge)], [(-edge, lat_edge), (lon2, lat2)]])


def _points(lon: Sequence[float], lat: Sequence[float]) -> list[BaseGeometry | None]:
    return [
        Point(x, y) if math.isfinite(x) and math.isfinite(y) else None
        for x, y in zip(lon, lat, strict=True)
    ]


def _lines(start: np.ndarray, end: np.ndarray) -> list[BaseGeometry | None]:
    """Lines between (lon, lat) rows of ``start`` and ``end``."""
    return [
        line(float(a[0]), float(a[1]), float(b[0]), float(b[1]))
        for a, b in zip(start, end, strict=True)
    ]


def _lookup(ids: pd.Series, known: Sequence[str], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(lon, lat) of each id among ``known`` (NaN where unknown), float [N, 2]."""
    index = {name: i for i, name in enumerate(known)}
    at = np.array([index.get(name, -1) for name in ids], dtype=np.int64)
    found = at >= 0
    out = np.full((len(at), 2), np.nan)
    out[found, 0] = lon[at[found]]
    out[found, 1] = lat[at[found]]
    return out


def plan_geodataframes(
    instance: Instance,
    *,
    sites: pd.DataFrame,
    regions: pd.DataFrame,
    assignments: pd.DataFrame,
    links: pd.DataFrame,
) -> dict[str, gpd.GeoDataFrame]:
    """GeoDataFrames of a plan's frames (see ``Plan.to_geodataframes``).

    ``sites`` and ``regions`` carry ``lat`` and ``lon`` columns; assignments are
    drawn from their region's point to their site's node, links between their
    nodes' coordinates (from ``instance.topology``).
    """
    topology = instance.topology
    node_lon = np.asarray(topology.node_lon, dtype=float)
    node_lat = np.asarray(topology.node_lat, dtype=float)
    site_lon = node_lon[np.asarray(instance.site_node, dtype=np.int64)]
    site_lat = node_lat[np.asarray(instance.site_node, dtype=np.int64)]
    region_lon = np.asarray(instance.region_lon, dtype=float)
    region_lat = np.asarray(instance.region_lat, dtype=float)
    assignment_lines = _lines(
        _lookup(assignments["region"], instance.region_ids, region_lon, region_lat),
        _lookup(assignments["site"], instance.site_ids, site_lon, site_lat),
    )
    link_lines = _lines(
        _lookup(links["source"], topology.node_ids, node_lon, node_lat),
        _lookup(links["target"], topology.node_ids, node_lon, node_lat),
    )
    return {
        "sites": gpd.GeoDataFrame(sites, geometry=_points(sites["lon"], sites["lat"]), crs=CRS),
        "regions": gpd.GeoDataFrame(
            regions, geometry=_points(regions["lon"], regions["lat"]), crs=CRS
        ),
        "assignments": gpd.GeoDataFrame(assignments, geometry=assignment_lines, crs=CRS),
        "links": gpd.GeoDataFrame(links, geometry=link_lines, crs=CRS),
    }
