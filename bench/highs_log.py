"""Read a HiGHS MIP log: the (time, bound, incumbent) trajectory of a solve.

The baseline solves HiGHS through OR-Tools, which reports no dual bound; its
log does. Progress lines end with the elapsed time (``12.3s``) and carry
BestBound, BestSol and Gap as the 8th, 7th and 6th fields from the end.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_TIME = re.compile(r"^(\d+(?:\.\d+)?)s$")


@dataclass(frozen=True)
class Point:
    time_s: float
    bound: float
    incumbent: float

    @property
    def gap(self) -> float:
        """|incumbent - bound| / |incumbent| (inf without an incumbent)."""
        if not math.isfinite(self.incumbent) or not math.isfinite(self.bound):
            return math.inf
        return abs(self.incumbent - self.bound) / max(abs(self.incumbent), 1e-9)


def _number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def parse(text: str) -> list[Point]:
    """Progress points of a HiGHS MIP log, in order.

    Examples
    --------
    >>> line = " H 0 0 0 0.00% 5089.2 5129 0.78% 2663 20 0 4181 7.2s"
    >>> p = parse(line)[0]
    >>> (p.time_s, p.bound, p.incumbent)
    (7.2, 5089.2, 5129.0)
    """
    points = []
    for line in text.splitlines():
        tokens = line.split()
        if len(tokens) < 12 or not _TIME.match(tokens[-1]):
            continue
        bound, incumbent = _number(tokens[-8]), _number(tokens[-7])
        if bound is None or incumbent is None or not tokens[-6].endswith(("%", "Large")):
            continue
        if tokens[-6] == "Large" and not tokens[-7].replace(".", "").isdigit():
            pass
        points.append(Point(float(tokens[-1][:-1]), bound, incumbent))
    return points


def final_bound(text: str) -> float | None:
    """The ``Dual bound`` of HiGHS's closing report, if present."""
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if stripped.startswith("Dual bound"):
            value = _number(stripped.split()[-1])
            return value if value is not None and math.isfinite(value) else None
    return None


def time_to_gap(points: list[Point], gap: float, offset_s: float = 0.0) -> float | None:
    """First time (plus ``offset_s``, e.g. model building) the log shows a gap <= ``gap``."""
    for point in points:
        if point.gap <= gap + 1e-12:
            return point.time_s + offset_s
    return None


def gap_at(points: list[Point], time_s: float, offset_s: float = 0.0) -> float:
    """The gap shown by the last point at or before ``time_s`` (inf when none)."""
    best = math.inf
    for point in points:
        if point.time_s + offset_s <= time_s:
            best = point.gap
    return best
