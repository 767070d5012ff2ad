"""Small, pure KPI helpers used when a plan is built."""

from __future__ import annotations

import numpy as np

__all__ = ["TINY", "weighted_mean", "weighted_percentile"]

# Shares and amounts below this are numerical noise and left out of plans.
TINY = 1e-9


def weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float | None:
    """The smallest value whose cumulative weight reaches ``q`` of the total weight.

    Parameters
    ----------
    values, weights : array
        One weight (>= 0) per value, e.g. RTT per assignment weighted by its demand.
    q : float
        Fraction in [0, 1], e.g. 0.95.

    Returns
    -------
    float or None
        None when the total weight is zero.

    Examples
    --------
    >>> weighted_percentile(np.array([10.0, 20.0]), np.array([95.0, 5.0]), 0.95)
    10.0
    >>> weighted_percentile(np.array([10.0, 20.0]), np.array([94.0, 6.0]), 0.95)
    20.0
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    total = float(weights.sum())
    if total <= 0.0:
        return None
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, q * total * (1.0 - 1e-12), side="left"))
    return float(values[order][min(index, len(values) - 1)])


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float | None:
    """Weighted mean, or None when the total weight is zero."""
    weights = np.asarray(weights, dtype=float)
    total = float(weights.sum())
    if total <= 0.0:
        return None
    return float(np.dot(np.asarray(values, dtype=float), weights) / total)
