"""The interactive map (Leaflet through folium), self-contained in one HTML file.

Leaflet's script and style sheet are inlined from ``assets/`` (Leaflet
1.9.4, BSD-2-Clause), so the layers render with no network, over an offline
basemap of land and coastlines (Natural Earth, :mod:`.basemap`). Only the
optional background tiles come from a tile server; when they fail to load the
basemap and the data layers still show. Lines that cross the antimeridian take
the short way (:func:`.antimeridian.leaflet_line`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import folium
from branca.element import Element, Figure

from gpuplace.errors import InputError, Problem
from gpuplace.planning.report.antimeridian import leaflet_line
from gpuplace.planning.report.basemap import Basemap
from gpuplace.planning.report.colours import RTT_CMAP, UTILISATION_CMAP, colour_scale
from gpuplace.planning.report.data import EdgeRecord, ReportData
from gpuplace.untrusted import excerpt

__all__ = [
    "ASSETS",
    "LAYER_NAMES",
    "MAX_LINKS_DRAWN",
    "UNCAPACITATED_COLOUR",
    "UNSERVED_COLOUR",
    "UNUSED_COLOUR",
    "build_map",
    "check_tiles",
    "colour_scale",
    "drawn_edges",
]

ASSETS = Path(__file__).with_name("assets")
LAYER_NAMES = ("Sites", "Regions", "Assignments", "Links")
UNUSED_COLOUR = "#9e9e9e"
UNSERVED_COLOUR = "#000000"
UNCAPACITATED_COLOUR = "#6a3d9a"


@cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _text(value: object) -> str:
    """HTML-escaped text that is also safe inside a JavaScript template literal."""
    return (
        html.escape(str(value)).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")
    )


def _tooltip(title: str, rows: Sequence[tuple[str, object]]) -> str:
    body = "".join(f"<tr><td>{_text(k)}</td><td>{_text(v)}</td></tr>" for k, v in rows)
    return f"<b>{_text(title)}</b><table>{body}</table>"


def _fmt(value: float | None, spec: str = ".1f", suffix: str = "") -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:{spec}}{suffix}"


def _gradient(scale: Callable[[float], str], vmin: float, vmax: float) -> str:
    stops = [scale(vmin + (vmax - vmin) * i / 8) for i in range(9)]
    return f"linear-gradient(to right, {', '.join(stops)})"


def _legend(rtt_max: float, rtt_scale, util_scale) -> str:
    def bar(title: str, gradient: str, low: str, high: str) -> str:
        return (
            f'<div style="margin-bottom:6px"><b>{title}</b>'
            f'<div style="height:10px;width:160px;background:{gradient}"></div>'
            f'<div style="display:flex;justify-content:space-between;width:160px">'
            f"<span>{low}</span><span>{high}</span></div></div>"
        )

    return (
        '<div class="gpuplace-legend" style="position:fixed;bottom:28px;right:10px;z-index:1000;'
        'background:rgba(255,255,255,0.9);padding:8px;font:12px sans-serif;border-radius:4px">'
        + bar("Site / link utilisation", _gradient(util_scale, 0.0, 1.0), "0 %", "100 %")
        + bar("Region mean RTT", _gradient(rtt_scale, 0.0, rtt_max), "0 ms", f"{rtt_max:.0f} ms")
        + '<div><span style="color:#000">&#9679;</span> unserved region &nbsp; '
        f'<span style="color:{UNUSED_COLOUR}">&#9675;</span> unused candidate site</div></div>'
    )


def _shift_longitudes(data: ReportData) -> bool:
    """True when drawing negative longitudes +360 makes the data span narrower (Pacific)."""
    lons = [s.lon for s in data.sites if s.lon is not None] + [r.lon for r in data.regions]
    if not lons:
        return False
    shifted = [lon + 360.0 if lon < 0 else lon for lon in lons]
    return max(shifted) - min(shifted) < max(lons) - min(lons)


def _stable_ids(element, counter: list[int]) -> None:
    """Replace folium's random element ids with sequential ones (reproducible HTML)."""
    counter[0] += 1
    element._id = f"{counter[0]:08x}"
    for child in element._children.values():
        _stable_ids(child, counter)


# Above this many links the map draws only the links the plan loads: a 100,000-link
# topology drew a 135 MB map.html in 161 s.
MAX_LINKS_DRAWN = 5000


def drawn_edges(data: ReportData) -> tuple[list[EdgeRecord], int]:
    """The links the map draws, and how many unused links it leaves out (see MAX_LINKS_DRAWN)."""
    edges = [e for e in data.edges if e.coordinates is not None]
    if len(edges) <= MAX_LINKS_DRAWN:
        return edges, 0
    used = [e for e in edges if max(e.load_forward_gbps, e.load_backward_gbps) > 0]
    return used, len(edges) - len(used)


def check_tiles(tiles: str | None) -> None:
    """Refuse a background tile set folium does not know (``None``: no background).

    Raises
    ------
    InputError
        Naming ``--tiles`` and the value.
    """
    if not tiles:
        return
    try:
        folium.TileLayer(tiles)
    except (ValueError, KeyError) as error:
        raise InputError(
            Problem(
                "--tiles",
                excerpt(tiles),
                f"not a tile set folium knows ({error}); use e.g. OpenStreetMap, "
                "'CartoDB positron', or none",
            )
        ) from None


def _edge_style(edge: EdgeRecord, util_scale) -> tuple[str, float, float]:
    load = max(edge.load_forward_gbps, edge.load_backward_gbps)
    if load <= 0:
        return UNUSED_COLOUR, 1.0, 0.5
    if edge.utilisation is None:
        return UNCAPACITATED_COLOUR, 3.0, 0.9
    return util_scale(edge.utilisation), 2.0 + 4.0 * min(edge.utilisation, 1.0), 0.9


def build_map(
    data: ReportData,
    *,
    tiles: str | None = "OpenStreetMap",
    extra_layers: Sequence[Callable[[Callable, Callable], folium.FeatureGroup]] = (),
) -> str:
    """The plan on a map, as a complete standalone HTML document.

    Parameters
    ----------
    data : ReportData
        From :func:`planning.report.data.report_data`.
    tiles : str or None
        A folium tile set name (e.g. ``"OpenStreetMap"``, ``"CartoDB positron"``)
        drawn as background when reachable, or None for no background.
    extra_layers : sequence of callables
        Each is called as ``make(pos, line)`` with the map's
        coordinate helpers (``pos(lat, lon)``, ``line(lat1, lon1, lat2, lon2)``)
        and returns a ``folium.FeatureGroup`` added to the layer control.

    Returns
    -------
    str
        HTML with Leaflet inlined and the layers Sites, Regions, Assignments
        and Links (each in the layer control).
    """
    shift = _shift_longitudes(data)

    def pos(lat: float, lon: float) -> list[float]:
        return [lat, lon + 360.0 if shift and lon < 0 else lon]

    def line(lat1: float, lon1: float, lat2: float, lon2: float) -> list:
        return leaflet_line(pos(lat1, lon1), pos(lat2, lon2))

    points = [pos(s.lat, s.lon) for s in data.sites if s.lat is not None and s.lon is not None]
    points += [pos(r.lat, r.lon) for r in data.regions]
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    # Leaflet is inlined below; no script or style sheet is fetched from a CDN.
    fmap.default_js = []
    fmap.default_css = []
    Basemap().add_to(fmap)
    if tiles:
        folium.TileLayer(tiles, name=str(tiles), control=True).add_to(fmap)
    if points:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(20, 20))

    util_scale = colour_scale(UTILISATION_CMAP, 0.0, 1.0)
    rtt_values = [r.sla_rtt_ms for r in data.regions if math.isfinite(r.sla_rtt_ms)]
    rtt_values += [r.mean_rtt_ms for r in data.regions if r.mean_rtt_ms is not None]
    rtt_max = max(rtt_values, default=1.0) or 1.0
    rtt_scale = colour_scale(RTT_CMAP, 0.0, rtt_max)
    region_colour = {
        r.id: rtt_scale(r.mean_rtt_ms) if r.mean_rtt_ms is not None else UNSERVED_COLOUR
        for r in data.regions
    }

    layers = {name: folium.FeatureGroup(name=name, show=True) for name in LAYER_NAMES}

    for edge in drawn_edges(data)[0]:
        colour, weight, opacity = _edge_style(edge, util_scale)
        assert edge.coordinates is not None  # drawn_edges keeps only edges with coordinates
        (lat1, lon1), (lat2, lon2) = edge.coordinates
        folium.PolyLine(
            line(lat1, lon1, lat2, lon2),
            color=colour,
            weight=weight,
            opacity=opacity,
            tooltip=_tooltip(
                f"{edge.source} - {edge.target}",
                [
                    (
                        f"load {edge.source}->{edge.target}",
                        _fmt(edge.load_forward_gbps, ".2f", " Gbps"),
                    ),
                    (
                        f"load {edge.target}->{edge.source}",
                        _fmt(edge.load_backward_gbps, ".2f", " Gbps"),
                    ),
                    ("capacity", _fmt(edge.capacity_gbps, ".1f", " Gbps")),
                    ("utilisation", _fmt(edge.utilisation, ".1%")),
                ],
            ),
        ).add_to(layers["Links"])

    for a in data.assignments:
        if a.region_lat is None or a.region_lon is None or a.site_lat is None or a.site_lon is None:
            continue
        folium.PolyLine(
            line(a.region_lat, a.region_lon, a.site_lat, a.site_lon),
            color=region_colour.get(a.region, UNSERVED_COLOUR),
            weight=1.0 + 3.0 * a.share,
            opacity=0.7,
            dash_array="4 4",
            tooltip=_tooltip(
                f"{a.region} -> {a.site}",
                [
                    ("share", _fmt(a.share, ".1%")),
                    ("demand", _fmt(a.demand, ".2f")),
                    ("RTT", _fmt(a.rtt_ms, ".2f", " ms")),
                    ("SLA", _fmt(a.sla_rtt_ms, ".1f", " ms")),
                ],
            ),
        ).add_to(layers["Assignments"])

    max_demand = max((r.demand for r in data.regions), default=1.0) or 1.0
    for r in data.regions:
        folium.CircleMarker(
            pos(r.lat, r.lon),
            radius=3.0 + 7.0 * math.sqrt(max(r.demand, 0.0) / max_demand),
            color=region_colour[r.id],
            weight=1,
            fill=True,
            fill_color=region_colour[r.id],
            fill_opacity=0.8,
            tooltip=_tooltip(
                f"region {r.id}",
                [
                    ("demand", _fmt(r.demand, ".2f")),
                    ("served", _fmt(r.served_demand, ".2f")),
                    ("unserved", _fmt(r.unserved_demand, ".2f")),
                    ("mean RTT", _fmt(r.mean_rtt_ms, ".2f", " ms")),
                    ("max RTT", _fmt(r.max_rtt_ms, ".2f", " ms")),
                    ("SLA", _fmt(r.sla_rtt_ms, ".1f", " ms")),
                    ("primary site", r.primary_site or "-"),
                ],
            ),
        ).add_to(layers["Regions"])

    max_gpus = max((s.gpus_total for s in data.sites), default=1) or 1
    for s in sorted(data.sites, key=lambda site: -site.gpus_total):
        if s.lat is None or s.lon is None:
            continue
        if not s.in_plan:
            folium.CircleMarker(
                pos(s.lat, s.lon),
                radius=3,
                color=UNUSED_COLOUR,
                weight=1,
                fill=False,
                tooltip=_tooltip(f"site {s.id} (unused)", [("node", s.node)]),
            ).add_to(layers["Sites"])
            continue
        colour = util_scale(s.utilisation) if s.utilisation is not None else UNUSED_COLOUR
        gpu_text = ", ".join(f"{t}: {n}" for t, n in sorted(s.gpus.items())) or "none"
        folium.CircleMarker(
            pos(s.lat, s.lon),
            radius=5.0 + 15.0 * math.sqrt(s.gpus_total / max_gpus),
            color="#333333",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.85,
            tooltip=_tooltip(
                f"site {s.id}",
                [
                    ("node", s.node),
                    ("GPUs", gpu_text),
                    ("utilisation", _fmt(s.utilisation, ".1%")),
                    ("served demand", _fmt(s.served_demand, ".2f")),
                    ("power", f"{_fmt(s.power_kw, '.1f')} / {_fmt(s.power_limit_kw, '.1f')} kW"),
                    ("cost", _fmt(s.total_cost, ",.0f")),
                ],
            ),
        ).add_to(layers["Sites"])

    # Added bottom-up so that sites are drawn on top; the control lists them the same way.
    for name in reversed(LAYER_NAMES):
        layers[name].add_to(fmap)
    for make in extra_layers:
        make(pos, line).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)

    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(f"<style>{_asset('leaflet.css')}</style>"), name="leaflet_css")
    root.header.add_child(Element(f"<script>{_asset('leaflet.js')}</script>"), name="leaflet_js")
    root.header.add_child(Element(f"<title>{_text(data.scenario_name)}: plan map</title>"))
    root.html.add_child(Element(_legend(rtt_max, rtt_scale, util_scale)))
    _stable_ids(root, [0])
    return root.render()
