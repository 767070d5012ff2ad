"""Lines between two points that take the short way round, on the map and in GeoJSON.

A line whose ends are more than 180 degrees of longitude apart crosses the
antimeridian the short way. GeoJSON (RFC 7946, section 3.1.9) splits it there
into a MultiLineString with every longitude in [-180, 180]; the Leaflet map,
whose longitudes run on past ±180, draws it twice, once ending at each point as
drawn (the other end one world-width away), so each marker has its line.
"""

from __future__ import annotations

LonLat = tuple[float, float]
LatLon = list[float]


def _crossing_lat(lon1: float, lat1: float, lon2: float, lat2: float, edge: float) -> float:
    return lat1 + (lat2 - lat1) * (edge - lon1) / (lon2 - lon1)


def geojson_line(start: LonLat, end: LonLat) -> dict:
    """The GeoJSON geometry of the short line ``start`` -> ``end`` ((lon, lat) pairs).

    Examples
    --------
    >>> geojson_line((0.0, 0.0), (10.0, 5.0))
    {'type': 'LineString', 'coordinates': [[0.0, 0.0], [10.0, 5.0]]}
    >>> geojson_line((170.0, 0.0), (-170.0, 10.0))["coordinates"]
    [[[170.0, 0.0], [180.0, 5.0]], [[-180.0, 5.0], [-170.0, 10.0]]]
    """
    (lon1, lat1), (lon2, lat2) = start, end
    if abs(lon2 - lon1) <= 180.0:
        return {"type": "LineString", "coordinates": [[lon1, lat1], [lon2, lat2]]}
    east = lon1 > lon2  # crossing eastwards, over +180
    edge = 180.0 if east else -180.0
    lat = _crossing_lat(lon1, lat1, lon2 + (360.0 if east else -360.0), lat2, edge)
    return {
        "type": "MultiLineString",
        "coordinates": [[[lon1, lat1], [edge, lat]], [[-edge, lat], [lon2, lat2]]],
    }


def leaflet_line(a: LatLon, b: LatLon) -> list[LatLon] | list[list[LatLon]]:
    """Leaflet positions of the short line between ``a`` and ``b`` ([lat, lon] as drawn).

    One segment when the ends are at most 180 degrees apart; otherwise two, the
    first from ``a`` to ``b`` moved one world-width towards it, the second from
    ``a`` moved likewise to ``b``: every end drawn at a point has a line.

    Examples
    --------
    >>> leaflet_line([0.0, 100.0], [10.0, 120.0])
    [[0.0, 100.0], [10.0, 120.0]]
    >>> leaflet_line([0.0, 170.0], [10.0, -170.0])
    [[[0.0, 170.0], [10.0, 190.0]], [[0.0, -190.0], [10.0, -170.0]]]
    """
    step = b[1] - a[1]
    if abs(step) <= 180.0:
        return [list(a), list(b)]
    width = -360.0 if step > 0 else 360.0
    # rounded so that a longitude moved by a world-width reads as the point it is
    moved_b, moved_a = round(b[1] + width, 9), round(a[1] - width, 9)
    return [[list(a), [b[0], moved_b]], [[a[0], moved_a], list(b)]]


__all__ = ["geojson_line", "leaflet_line"]
