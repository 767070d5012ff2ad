"""The report's colour scales, one definition for the map and the plots.

Utilisation (sites and links, 0 to 100 %) runs green to red on ``RdYlGn_r``; a
region's RTT runs on ``viridis`` from 0 to the largest RTT or SLA shown.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex

UTILISATION_CMAP = "RdYlGn_r"
RTT_CMAP = "viridis"


def colour_scale(name: str, vmin: float, vmax: float) -> Callable[[float], str]:
    """A function value -> hex colour on the matplotlib colormap ``name`` (clipped).

    >>> colour_scale(UTILISATION_CMAP, 0.0, 1.0)(0.0), colour_scale(UTILISATION_CMAP, 0.0, 1.0)(5.0)
    ('#006837', '#a50026')
    """
    cmap = colormaps[name]
    norm = Normalize(vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1.0, clip=True)
    return lambda value: to_hex(cmap(norm(value)))


def utilisation_colour(value: float) -> str:
    """The colour of a utilisation (0 to 1) on the map and in the plots."""
    return colour_scale(UTILISATION_CMAP, 0.0, 1.0)(value)


__all__ = ["RTT_CMAP", "UTILISATION_CMAP", "colour_scale", "utilisation_colour"]
