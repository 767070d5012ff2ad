"""Calibration on synthetic ground truth: known inflation, per-hop delay and access factor."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gpuplace.topo.calibrate import calibrate, error_stats
from gpuplace.topo.calibrate_fit import fit_parameters
from gpuplace.topo.calibration import Calibration
from gpuplace.topo.measured import LatencyParameters, model_rtt_ms
from support.latency_cases import TRUTH, measured, mesh


def test_noise_free_rtts_recover_the_parameters_exactly():
    topology = mesh()
    rows = measured(topology)
    fit = fit_parameters(topology, rows, LatencyParameters())
    got = fit.parameters
    assert got.fibre_km_per_ms == pytest.approx(TRUTH.fibre_km_per_ms, rel=1e-4)
    assert got.per_hop_ms == pytest.approx(TRUTH.per_hop_ms, abs=1e-3)
    assert got.access_route_factor == pytest.approx(TRUTH.access_route_factor, rel=1e-3)
    assert fit.abs_error_ms == pytest.approx(0.0, abs=1e-6 * rows.rtt_ms.sum())


def test_noisy_rtts_recover_the_parameters_within_the_noise():
    topology = mesh()
    rows = measured(topology, noise=0.03, seed=5)
    result = calibrate(topology, rows, LatencyParameters(), folds=5, seed=0)
    got = result.fitted
    assert got.fibre_km_per_ms == pytest.approx(TRUTH.fibre_km_per_ms, rel=0.03)
    assert got.per_hop_ms == pytest.approx(TRUTH.per_hop_ms, abs=0.25)
    assert got.access_route_factor == pytest.approx(TRUTH.access_route_factor, rel=0.2)
    assert result.path_inflation == pytest.approx(200.0 / 150.0, rel=0.03)
    # the uncalibrated model (200 km/ms, no hop delay) predicts too little; held out, the fit does not
    assert result.before.median_ratio < 0.8
    assert result.cross_validated.median_ratio == pytest.approx(1.0, abs=0.02)
    assert result.cross_validated.median_abs_ms < result.before.median_abs_ms / 4
    # held-out residuals are the noise: their median absolute value is ~ 0.674 × 3 % of the RTT
    relative = np.median(np.abs(result.holdout_residual_ms)) / np.median(rows.rtt_ms)
    assert 0.005 < relative < 0.04
    assert result.rows == len(rows) and result.unreachable == 0


def test_folds_keep_both_directions_of_a_pair_together():
    topology = mesh(n=12)
    rows = measured(topology, points=6)
    result = calibrate(topology, rows, folds=3)
    assert result.holdout_residual_ms.size == len(rows)
    assert np.all(np.diff(result.holdout_residual_ms) >= 0)
    with pytest.raises(ValueError, match="distinct pairs"):
        calibrate(topology, rows.take(np.arange(4)), folds=5)


def test_a_missing_shortcut_is_flagged():
    topology = mesh()
    rows = measured(topology, noise=0.01, seed=3)
    # one pair measured at a third of the model's RTT in both directions: a link the mesh lacks
    far = int(np.argmax(rows.rtt_ms))
    twins = [
        i
        for i in range(len(rows))
        if {rows.source[i], rows.target[i]} == {rows.source[far], rows.target[far]}
    ]
    rtt = rows.rtt_ms.copy()
    rtt[twins] /= 3.0
    result = calibrate(topology, replace(rows, rtt_ms=rtt), folds=5)
    flagged = {(f.source, f.target): f.kind for f in result.flagged}
    assert flagged.get((rows.source[far], rows.target[far])) == "missing link"
    assert len(result.flagged) <= 4


def test_error_stats_and_margin():
    stats = error_stats(np.array([90.0, 110.0, 50.0]), np.array([100.0, 100.0, 100.0]))
    assert stats.median_ratio == pytest.approx(0.9)
    assert stats.median_abs_ms == pytest.approx(10.0)
    cal = Calibration(LatencyParameters(), np.array([-5.0, 0.0, 5.0, 10.0, 20.0]))
    assert cal.margin_ms(50) == pytest.approx(5.0)
    assert cal.margin_ms(90) == pytest.approx(16.0)  # 10 + 0.6 × (20 - 10)
    assert cal.margin_ms(10) == 0.0  # never negative


def test_model_rtt_of_a_node_pair_is_twice_the_path():
    topology = mesh(n=8)
    rows = measured(topology, points=3)
    one = rows.take(np.array([0]))
    at_nodes = replace(one, source_access_km=np.zeros(1), target_access_km=np.zeros(1))
    slow = model_rtt_ms(topology, at_nodes, LatencyParameters(fibre_km_per_ms=100.0))
    fast = model_rtt_ms(topology, at_nodes, LatencyParameters(fibre_km_per_ms=200.0))
    assert slow[0] == pytest.approx(2 * fast[0])


def test_a_parameter_no_row_informs_keeps_its_starting_value():
    topology = mesh()
    rows = measured(topology)
    zero = np.zeros(len(rows))
    at_nodes = replace(rows, source_access_km=zero, target_access_km=zero)
    at_nodes = replace(at_nodes, rtt_ms=model_rtt_ms(topology, at_nodes, TRUTH))
    got = fit_parameters(topology, at_nodes, LatencyParameters()).parameters
    assert got.access_route_factor == pytest.approx(1.5)  # no access km: nothing to fit
    assert got.fibre_km_per_ms == pytest.approx(TRUTH.fibre_km_per_ms, rel=1e-4)
    assert got.per_hop_ms == pytest.approx(TRUTH.per_hop_ms, abs=1e-3)
