"""GeoJSON FeatureCollections of a plan (RFC 7946: positions are [lon, lat]).

A line that crosses the antimeridian the short way is a MultiLineString split
at ±180 (RFC 7946, section 3.1.9; :func:`.antimeridian.geojson_line`).
"""

from __future__ import annotations

from typing import Any

from gpuplace.planning.report.antimeridian import geojson_line
from gpuplace.planning.report.data import ReportData

__all__ = ["geojson_layers"]


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point(lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def _line(
    points: list[tuple[float | None, float | None]], properties: dict[str, Any]
) -> dict[str, Any]:
    (lat1, lon1), (lat2, lon2) = points
    assert lat1 is not None and lon1 is not None and lat2 is not None and lon2 is not None
    return {
        "type": "Feature",
        "geometry": geojson_line((lon1, lat1), (lon2, lat2)),
        "properties": properties,
    }


def geojson_layers(data: ReportData) -> dict[str, dict[str, Any]]:
    """FeatureCollections ``sites``, ``regions``, ``assignments`` and ``links``.

    Every candidate site with coordinates is a Point (``in_plan`` tells whether
    the plan uses it); each region is a Point; each assignment is a
    LineString region -> site; each loaded link direction is a LineString
    source -> target. Features without coordinates are left out.
    """
    sites = [
        _point(
            s.lat,
            s.lon,
            {
                "id": s.id,
                "node": s.node,
                "in_plan": s.in_plan,
                "gpus": s.gpus,
                "gpus_total": s.gpus_total,
                "new_gpus": s.new_gpus,
                "power_kw": s.power_kw,
                "power_limit_kw": s.power_limit_kw,
                "served_demand": s.served_demand,
                "utilisation": s.utilisation,
                "cost": s.total_cost,
            },
        )
        for s in data.sites
        if s.lat is not None and s.lon is not None
    ]
    regions = [
        _point(
            r.lat,
            r.lon,
            {
                "id": r.id,
                "demand": r.demand,
                "served_demand": r.served_demand,
                "unserved_demand": r.unserved_demand,
                "sla_rtt_ms": r.sla_rtt_ms,
                "mean_rtt_ms": r.mean_rtt_ms,
                "max_rtt_ms": r.max_rtt_ms,
                "primary_site": r.primary_site,
            },
        )
        for r in data.regions
    ]
    assignments = [
        _line(
            [(a.region_lat, a.region_lon), (a.site_lat, a.site_lon)],
            {
                "region": a.region,
                "site": a.site,
                "share": a.share,
                "demand": a.demand,
                "rtt_ms": a.rtt_ms,
                "sla_rtt_ms": a.sla_rtt_ms,
            },
        )
        for a in data.assignments
        if None not in (a.region_lat, a.region_lon, a.site_lat, a.site_lon)
    ]
    links = [
        _line(
            [(link.source_lat, link.source_lon), (link.target_lat, link.target_lon)],
            {
                "source": link.source,
                "target": link.target,
                "load_gbps": link.load_gbps,
                "capacity_gbps": link.capacity_gbps,
                "utilisation": link.utilisation,
            },
        )
        for link in data.links
        if link.has_coordinates
    ]
    return {
        "sites": _collection(sites),
        "regions": _collection(regions),
        "assignments": _collection(assignments),
        "links": _collection(links),
    }
