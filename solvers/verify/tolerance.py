"""Comparisons with a tolerance relative to the magnitude (absolute below 1)."""

from __future__ import annotations

import math

__all__ = ["differs", "excess", "slack"]


def slack(scale: float, tolerance: float) -> float:
    return tolerance * max(1.0, abs(scale)) if math.isfinite(scale) else 0.0


def excess(value: float, limit: float, tolerance: float) -> float:
    """``value - limit`` when value exceeds limit beyond the tolerance, else 0."""
    if value > limit + slack(limit, tolerance):
        return value - limit
    return 0.0


def differs(a: float | None, b: float | None, tolerance: float) -> bool:
    """True when two reported / recomputed numbers disagree (None only equals None)."""
    if a is None or b is None:
        return (a is None) != (b is None)
    if math.isinf(a) or math.isinf(b):
        return a != b
    return abs(a - b) > tolerance * max(1.0, abs(a), abs(b))
