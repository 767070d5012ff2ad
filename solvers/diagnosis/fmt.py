"""Numbers for planners: thousands separators, units, and rounding on the safe side.

A proven lower bound is rounded *down* and an amount that is known to be
enough is rounded *up*, so the printed number keeps the statement true.
Values within a relative 1e-7 of the display grid are snapped first (solver
tolerances), so a bound of 999.99999997 prints as 1,000.

Examples
--------
>>> number(154213456.2, "down")
'154,213,456'
>>> number(12.34, "up", unit="kW")
'12.4 kW'
>>> short(4_213_456)
'4.21 M'
>>> short(1_987_147, "down")
'1.98 M'
"""

from __future__ import annotations

import math

__all__ = ["amount", "count", "money", "number", "rounded", "short", "sites"]

_SNAP_REL = 1e-7


def _decimals(value: float) -> int:
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return 0
    if magnitude >= 1:
        return 1
    return 3


def rounded(value: float, direction: str = "nearest", decimals: int | None = None) -> float:
    """``value`` on a grid of ``decimals`` places, rounded ``down``, ``up`` or to ``nearest``."""
    places = _decimals(value) if decimals is None else decimals
    scale = 10.0**places
    scaled = value * scale
    nearest = round(scaled)
    if abs(scaled - nearest) <= _SNAP_REL * max(1.0, abs(scaled)):
        scaled = float(nearest)
    if direction == "down":
        scaled = math.floor(scaled)
    elif direction == "up":
        scaled = math.ceil(scaled)
    else:
        scaled = round(scaled)
    return scaled / scale


def number(
    value: float, direction: str = "nearest", unit: str = "", decimals: int | None = None
) -> str:
    """``value`` with thousands separators (and ``unit``), rounded in ``direction``.

    Parameters
    ----------
    value
        The number.
    direction
        ``down`` for proven lower bounds, ``up`` for amounts known to suffice,
        ``nearest`` otherwise.
    unit
        Appended after a space (``kW``, ``GPUs``, ``Gbit/s``), if given.
    decimals
        Decimal places; default 0 from 100 up, 1 from 1 up, 3 below.
    """
    places = _decimals(value) if decimals is None else decimals
    shown = rounded(value, direction, places)
    text = f"{shown:,.{places}f}"
    if places and "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def count(value: float, unit: str = "") -> str:
    """An integer count with separators, e.g. ``1,024 GPUs``."""
    return number(float(value), "nearest", unit, decimals=0)


def short(value: float, direction: str = "nearest") -> str:
    """Compact magnitude for large amounts, three significant digits: ``4.21 M``, ``12.5 k``."""
    magnitude = abs(value)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            scaled = value / size
            places = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
            text = f"{rounded(scaled, direction, places):,.{places}f}"
            if places:
                text = text.rstrip("0").rstrip(".")
            return f"{text} {suffix}"
    return number(value, direction)


def money(value: float, direction: str) -> str:
    """An amount of money, with its compact magnitude from 10,000 up: ``12,500 (12.5 k)``."""
    text = number(value, direction, decimals=0)
    return f"{text} ({short(value, direction)})" if abs(value) >= 1e4 else text


def sites(n: float | None) -> str:
    """``1 site``, ``3 sites``."""
    k = int(n or 0)
    return f"{k} site" if k == 1 else f"{k} sites"


def amount(value: float, unit: str, direction: str) -> str:
    """A quantity in ``unit``; GPUs as a whole count."""
    if unit == "GPUs":
        n = rounded(value, direction, 0)
        return count(n, "GPU" if n == 1 else "GPUs")
    return number(value, direction, unit)
