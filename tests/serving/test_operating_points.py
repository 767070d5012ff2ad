"""Profile interpolation: at and between measured points, never beyond them."""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace.scenario.serving_pairs import CurvePoints, highest_concurrency, operating_points

CURVE = CurvePoints(
    concurrency=np.array([1.0, 10.0, 50.0]),
    ttft_ms=np.array([100.0, 400.0, 800.0]),
    tpot_ms=np.array([10.0, 20.0, 60.0]),
    throughput=np.array([100.0, 500.0, 900.0]),
)


def test_highest_concurrency_at_points() -> None:
    c = highest_concurrency(CURVE.concurrency, CURVE.ttft_ms, np.array([100.0, 400.0, 800.0]))
    assert c.tolist() == [1.0, 10.0, 50.0]


def test_highest_concurrency_between_points() -> None:
    # 250 ms lies half-way from 100 to 400 ms: half-way from c = 1 to c = 10
    c = highest_concurrency(CURVE.concurrency, CURVE.ttft_ms, np.array([250.0, 500.0]))
    assert c == pytest.approx([5.5, 20.0])


def test_no_extrapolation() -> None:
    c = highest_concurrency(CURVE.concurrency, CURVE.ttft_ms, np.array([99.9, 5000.0]))
    assert np.isnan(c[0]) and c[1] == 50.0


def test_flat_segment_takes_its_far_end() -> None:
    c = highest_concurrency(
        np.array([1.0, 5.0, 9.0]), np.array([10.0, 10.0, 30.0]), np.array([10.0])
    )
    assert c.tolist() == [5.0]


def test_operating_point_takes_the_tighter_target() -> None:
    # TTFT allows c = 30 (600 ms), TPOT 40 ms allows c = 30 too; TPOT 30 ms allows c = 20
    c, ttft, tpot, thr = operating_points(CURVE, np.array([600.0, 600.0]), 30.0)
    assert c == pytest.approx([20.0, 20.0])
    assert ttft == pytest.approx([500.0, 500.0])
    assert tpot == pytest.approx([30.0, 30.0])
    assert thr == pytest.approx([600.0, 600.0])


def test_operating_point_between_points_interpolates_every_measure() -> None:
    c, ttft, tpot, thr = operating_points(CURVE, np.array([250.0]), 100.0)
    assert c[0] == pytest.approx(5.5)
    assert (ttft[0], tpot[0], thr[0]) == pytest.approx((250.0, 15.0, 300.0))


def test_no_operating_point() -> None:
    c, _ttft, _tpot, thr = operating_points(CURVE, np.array([50.0, 200.0]), 5.0)
    assert np.isnan(c).all() and np.isnan(thr).all()
