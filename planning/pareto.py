"""Pareto-optimal points: those no other point dominates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["SENSES", "pareto_front"]

SENSES = ("min", "max")
_CHUNK = 512


def pareto_front(points: Sequence | np.ndarray, senses: Sequence[str] | str) -> np.ndarray:
    """Mark the Pareto-optimal points.

    Point ``a`` dominates ``b`` when ``a`` is at least as good in every
    dimension and strictly better in one. A point is Pareto-optimal when no
    point dominates it; identical points therefore are all optimal or all not.
    Rows with a NaN are never optimal and dominate nothing.

    Parameters
    ----------
    points : array-like, shape (n,) or (n, d)
        One row per point; a 1-D array is one dimension.
    senses : str or sequence of str
        ``"min"`` or ``"max"`` per dimension (a single string for 1-D).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Examples
    --------
    >>> pareto_front([[1, 5], [2, 2], [3, 3], [5, 1]], ["min", "min"]).tolist()
    [True, True, False, True]
    >>> pareto_front([1, 3, 3, 2], "max").tolist()
    [False, True, True, False]
    """
    array = np.asarray(points, dtype=float)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError("points must be 1-D or 2-D")
    sense_list = [senses] if isinstance(senses, str) else list(senses)
    if len(sense_list) != array.shape[1]:
        raise ValueError(f"{array.shape[1]} dimensions but {len(sense_list)} senses")
    bad = [s for s in sense_list if s not in SENSES]
    if bad:
        raise ValueError(f"senses must be 'min' or 'max', got {bad}")
    sign = np.array([1.0 if s == "min" else -1.0 for s in sense_list])
    costs = array * sign  # minimise every column
    valid = ~np.isnan(costs).any(axis=1)
    front = np.zeros(array.shape[0], dtype=bool)
    candidates = costs[valid]
    if candidates.shape[0] == 0:
        return front
    dominated = np.zeros(candidates.shape[0], dtype=bool)
    for start in range(0, candidates.shape[0], _CHUNK):
        block = candidates[start : start + _CHUNK]  # the points tested
        no_worse = (candidates[None, :, :] <= block[:, None, :]).all(axis=2)
        better = (candidates[None, :, :] < block[:, None, :]).any(axis=2)
        dominated[start : start + _CHUNK] = (no_worse & better).any(axis=1)
    front[np.flatnonzero(valid)] = ~dominated
    return front
