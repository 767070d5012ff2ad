"""pareto_front on hand-made points: ties, duplicates, 1-D, mixed senses, NaN."""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace.planning.pareto import pareto_front


def test_two_dimensions_min_min():
    points = [[1, 5], [2, 2], [3, 3], [5, 1], [4, 4]]
    assert pareto_front(points, ["min", "min"]).tolist() == [True, True, False, True, False]


def test_tie_on_one_axis_is_dominated():
    # (2, 3) ties (2, 2) on x and is worse on y.
    assert pareto_front([[2, 2], [2, 3]], ["min", "min"]).tolist() == [True, False]


def test_duplicates_are_all_optimal_or_all_not():
    points = [[1, 1], [1, 1], [2, 2], [2, 2]]
    assert pareto_front(points, ["min", "min"]).tolist() == [True, True, False, False]


def test_one_dimension():
    assert pareto_front([3.0, 1.0, 2.0, 1.0], "min").tolist() == [False, True, False, True]
    assert pareto_front(np.array([3.0, 1.0, 2.0]), ["max"]).tolist() == [True, False, False]


def test_mixed_senses():
    # cost (min) against served fraction (max)
    points = [[10, 0.5], [20, 0.9], [15, 0.4], [30, 0.9], [30, 1.0]]
    assert pareto_front(points, ["min", "max"]).tolist() == [True, True, False, False, True]


def test_nan_rows_never_optimal_and_dominate_nothing():
    points = [[np.nan, 0.0], [1.0, 1.0], [0.0, np.nan]]
    assert pareto_front(points, ["min", "min"]).tolist() == [False, True, False]


def test_empty_and_all_nan():
    assert pareto_front(np.empty((0, 2)), ["min", "min"]).tolist() == []
    assert pareto_front([[np.nan, np.nan]], ["min", "min"]).tolist() == [False]


def test_agrees_with_brute_force_on_random_points():
    rng = np.random.default_rng(7)
    points = rng.integers(0, 6, size=(1200, 3)).astype(float)  # many ties, > one chunk
    senses = ["min", "max", "min"]
    got = pareto_front(points, senses)
    signed = points * np.array([1, -1, 1])
    expected = [not any((q <= p).all() and (q < p).any() for q in signed) for p in signed]
    assert got.tolist() == expected


@pytest.mark.parametrize(
    ("points", "senses"),
    [([[1, 2]], ["min"]), ([[1, 2]], ["min", "up"]), (np.zeros((2, 2, 2)), ["min", "min"])],
)
def test_bad_arguments(points, senses):
    with pytest.raises(ValueError):
        pareto_front(points, senses)
