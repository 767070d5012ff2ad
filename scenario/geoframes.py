"""GeoDataFrames of sites and regions as the plain frames :mod:`scenario.frames` reads.

A geometry gives ``lat`` and ``lon`` (EPSG:4326; a frame in another CRS is
transformed, one without a CRS is taken as longitude/latitude). Points are
used as they are; any other geometry by its representative point (a point
inside it). geopandas is not imported here: a GeoDataFrame is recognised by
its active ``geometry`` column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.frames import TopologyInput, instance_from_frames
from gpuplace.scenario.instance import Instance

__all__ = ["instance_from_geodataframes", "points_frame"]

WGS84 = 4326


def _geometry_name(frame: Any) -> str | None:
    try:
        return str(frame.geometry.name)
    except AttributeError:
        return None


def points_frame(frame: Any, label: str, problems: ProblemCollector) -> pd.DataFrame | None:
    """The frame without its geometry, with ``lat`` and ``lon`` columns in its place.

    Missing or empty geometries, and ``lat``/``lon`` columns beside the geometry,
    are problems naming ``label``, the row (1-based, in frame order) and the column.
    """
    column = _geometry_name(frame)
    if column is None:
        problems.add(label, "", f"must be a GeoDataFrame, got {type(frame).__name__}")
        return None
    clash = [c for c in ("lat", "lon") if c in frame.columns]
    if clash:
        problems.add(
            label, f"column {clash[0]}", "give coordinates either as the geometry or as lat/lon"
        )
        return None
    if frame.crs is not None and frame.crs.to_epsg() != WGS84:
        frame = frame.to_crs(WGS84)
    geometry = frame.geometry
    missing = np.asarray(geometry.isna() | geometry.is_empty, dtype=bool)
    for i in np.flatnonzero(missing).tolist():
        problems.add(label, f"row {i + 1}, column {column}", "is empty, a point is required")
    if missing.any():
        return None
    points = geometry.where(geometry.geom_type == "Point", geometry.representative_point())
    out = pd.DataFrame(frame.drop(columns=[column]))
    out["lat"] = np.asarray(points.y, dtype=float)
    out["lon"] = np.asarray(points.x, dtype=float)
    return out


def instance_from_geodataframes(
    sites: Any,
    regions: Any,
    gpus: pd.DataFrame,
    topology: TopologyInput,
    *,
    settings: Mapping[str, Any] | None = None,
    name: str = "frames",
) -> Instance:
    """:func:`scenario.frames.instance_from_frames` with sites and regions as GeoDataFrames.

    A site's geometry places it on the nearest topology node that is not a
    waypoint, unless its ``node`` column names one.

    Raises
    ------
    InputError
        Every problem found, each naming the argument, the row and the column.
    """
    problems = ProblemCollector()
    site_frame = points_frame(sites, "sites", problems)
    region_frame = points_frame(regions, "regions", problems)
    problems.raise_if_any()
    return instance_from_frames(
        site_frame, region_frame, gpus, topology, settings=settings, name=name
    )
