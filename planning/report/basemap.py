"""An offline basemap for the report's map: land and coastlines from Natural Earth 1:110m.

The land (``assets/ne_110m_land.json``, see ``assets/NATURAL-EARTH.md``) is inlined
in the map's HTML and drawn in a pane below the background tiles: with a network
the tiles cover it, without one (or with ``--tiles none``) it is the geography.
It is drawn three times, one world-width apart, because the map's longitudes run
past ±180 when the plan spans the Pacific.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from branca.element import MacroElement
from jinja2 import Template

LAND_FILE = Path(__file__).with_name("assets") / "ne_110m_land.json"
LAND_CLASS = "gpuplace-land"
SEA_COLOUR = "#dce9f2"
LAND_COLOUR = "#f2efe6"
COAST_COLOUR = "#8c9aa8"


@cache
def land_geojson() -> str:
    """The land MultiPolygon as GeoJSON text (one Feature)."""
    return LAND_FILE.read_text(encoding="utf-8")


class Basemap(MacroElement):
    """Natural Earth land below everything else on a folium map (class ``gpuplace-land``)."""

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>.leaflet-container { background: {{ this.sea }}; }</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function (map) {
    var land = {{ this.land }};
    var pane = map.createPane("gpuplace-land");
    pane.style.zIndex = 150;
    pane.style.pointerEvents = "none";
    [-360, 0, 360].forEach(function (shift) {
        L.geoJSON(land, {
            pane: "gpuplace-land",
            interactive: false,
            coordsToLatLng: function (c) { return L.latLng(c[1], c[0] + shift); },
            style: {
                className: "{{ this.css_class }}", color: "{{ this.coast }}", weight: 0.8,
                fillColor: "{{ this.fill }}", fillOpacity: 1.0
            }
        }).addTo(map);
    });
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Basemap"
        self.land = land_geojson()
        self.sea = SEA_COLOUR
        self.fill = LAND_COLOUR
        self.coast = COAST_COLOUR
        self.css_class = LAND_CLASS


__all__ = ["LAND_CLASS", "Basemap", "land_geojson"]
