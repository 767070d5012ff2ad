"""Calibrate the latency model against measured RTTs, with the error to expect on unmeasured pairs.

:func:`calibrate` fits ``fibre_km_per_ms`` (path inflation), ``per_hop_ms`` and
``access_route_factor`` by least absolute deviations (:mod:`topo.calibrate_fit`),
reports the error before and after, and estimates the error on pairs nobody
measured by k-fold cross-validation: rows are grouped by their unordered pair of
points (both directions of a pair fall in one fold), each fold is predicted by
a fit on the others. The held-out residuals (measured − predicted) give the
SLA margin (SCENARIO.md, "Calibrated latency"); pairs whose held-out residual is
an outlier are flagged as a link the topology lacks or one traffic does not use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.topo import latency
from gpuplace.topo.calibrate_fit import fit_parameters
from gpuplace.topo.graph import Topology
from gpuplace.topo.measured import LatencyParameters, MeasuredRtts, model_rtt_ms

__all__ = ["CalibrationResult", "ErrorStats", "FlaggedPair", "calibrate", "error_stats"]

OUTLIER_SCALES = 3.0  # robust standard deviations (1.4826 × MAD) from the median residual
OUTLIER_FACTOR = 1.5  # and predicted / measured at least this far from 1 (either way)


@dataclass(frozen=True)
class ErrorStats:
    """Predicted against measured: ratios predicted / measured and absolute errors (ms)."""

    pairs: int
    median_ratio: float
    p10_ratio: float
    p90_ratio: float
    median_abs_ms: float
    p90_abs_ms: float


@dataclass(frozen=True)
class FlaggedPair:
    """A row whose held-out residual suggests a missing link or one traffic does not take."""

    row: int
    source: str
    target: str
    measured_ms: float
    predicted_ms: float
    kind: str  # "missing link" (measured much faster) | "unused link" (measured much slower)
    longest_link: str  # the longest link of the model's path, "a-b (x ms)"


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """What :func:`calibrate` found; ``holdout_residual_ms`` is sorted (measured − predicted)."""

    base: LatencyParameters
    fitted: LatencyParameters
    before: ErrorStats
    after: ErrorStats
    cross_validated: ErrorStats
    holdout_residual_ms: np.ndarray
    flagged: tuple[FlaggedPair, ...]
    folds: int
    rows: int
    unreachable: int
    iterations: int

    @property
    def path_inflation(self) -> float:
        """How much slower than ``base.fibre_km_per_ms`` the fitted paths are."""
        return self.base.fibre_km_per_ms / self.fitted.fibre_km_per_ms


def error_stats(predicted: np.ndarray, measured: np.ndarray) -> ErrorStats:
    """Ratio and absolute-error percentiles (numpy's linear interpolation)."""
    if len(measured) == 0:
        nan = float("nan")
        return ErrorStats(0, nan, nan, nan, nan, nan)
    ratio = predicted / measured
    error = np.abs(predicted - measured)
    return ErrorStats(
        pairs=int(len(measured)),
        median_ratio=float(np.median(ratio)),
        p10_ratio=float(np.percentile(ratio, 10)),
        p90_ratio=float(np.percentile(ratio, 90)),
        median_abs_ms=float(np.median(error)),
        p90_abs_ms=float(np.percentile(error, 90)),
    )


def _folds(measured: MeasuredRtts, folds: int, seed: int) -> np.ndarray:
    """Fold of each row; the rows of one unordered pair of points share a fold."""
    keys = [
        "\x00".join(sorted((s, t))) for s, t in zip(measured.source, measured.target, strict=True)
    ]
    groups, group_of = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    if groups.size < folds:
        raise ValueError(
            f"{folds} folds need at least {folds} distinct pairs of points, found {groups.size}"
        )
    order = np.random.default_rng(seed).permutation(groups.size)
    fold_of_group = np.empty(groups.size, dtype=np.int64)
    fold_of_group[order] = np.arange(groups.size) % folds
    return fold_of_group[group_of.ravel()]


def _longest_links(
    topology: Topology, measured: MeasuredRtts, parameters: LatencyParameters
) -> list[str]:
    link_ms = latency.link_latency_ms(
        topology, parameters.fibre_km_per_ms, parameters.link_route_factor, parameters.per_hop_ms
    )
    paths = latency.shortest_paths(topology, link_ms, measured.source_node)
    crossing = latency.pair_links(topology, paths, measured.source_node, measured.target_node)
    on_path = (crossing[:, 0::2] + crossing[:, 1::2]).tocsr()
    out = []
    for i in range(len(measured)):
        links = on_path.indices[on_path.indptr[i] : on_path.indptr[i + 1]]
        if links.size == 0:
            out.append("")
            continue
        e = int(links[np.argmax(link_ms[links])])
        a, b = topology.node_ids[topology.edge_src[e]], topology.node_ids[topology.edge_dst[e]]
        out.append(f"{a}-{b} ({link_ms[e]:.1f} ms)")
    return out


def _flag(
    topology: Topology, measured: MeasuredRtts, predicted: np.ndarray, fitted: LatencyParameters
) -> tuple[FlaggedPair, ...]:
    residual = measured.rtt_ms - predicted
    centre = float(np.median(residual))
    scale = 1.4826 * float(np.median(np.abs(residual - centre)))
    ratio = predicted / measured.rtt_ms
    far = (ratio >= OUTLIER_FACTOR) | (ratio <= 1.0 / OUTLIER_FACTOR)
    outlier = far & (np.abs(residual - centre) > OUTLIER_SCALES * scale)
    picked = np.flatnonzero(outlier)
    picked = picked[np.argsort(-np.abs(residual[picked]), kind="stable")]
    longest = _longest_links(topology, measured.take(picked), fitted)
    return tuple(
        FlaggedPair(
            row=int(measured.rows[i]),
            source=measured.source[i],
            target=measured.target[i],
            measured_ms=float(measured.rtt_ms[i]),
            predicted_ms=float(predicted[i]),
            kind="missing link" if residual[i] < 0 else "unused link",
            longest_link=link,
        )
        for i, link in zip(picked.tolist(), longest, strict=True)
    )


def calibrate(
    topology: Topology,
    measured: MeasuredRtts,
    base: LatencyParameters = LatencyParameters(),
    *,
    folds: int = 5,
    seed: int = 0,
) -> CalibrationResult:
    """Fit the latency model to ``measured`` and cross-validate the fit.

    Parameters
    ----------
    topology
        The topology the points are attached to.
    measured
        Measured RTTs (``rtt_ms``, > 0); rows no path joins under ``base`` are left out.
    base
        The uncalibrated parameters ("before") and the fit's starting point;
        ``link_route_factor`` is kept.
    folds
        k of the k-fold cross-validation (>= 2).
    seed
        Seed of the fold assignment.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ValueError
        Fewer than ``folds`` distinct pairs of points are reachable, or ``folds < 2``.
    """
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {folds}")
    before_rtt = model_rtt_ms(topology, measured, base)
    reachable = np.isfinite(before_rtt)
    usable = measured.take(reachable)
    fold = _folds(usable, folds, seed)
    held_out = np.empty(len(usable))
    for k in range(folds):
        train, test = fold != k, fold == k
        fit = fit_parameters(topology, usable.take(train), base)
        held_out[test] = model_rtt_ms(topology, usable.take(test), fit.parameters)
    final = fit_parameters(topology, usable, base)
    after_rtt = model_rtt_ms(topology, usable, final.parameters)
    return CalibrationResult(
        base=base,
        fitted=final.parameters,
        before=error_stats(before_rtt[reachable], usable.rtt_ms),
        after=error_stats(after_rtt, usable.rtt_ms),
        cross_validated=error_stats(held_out, usable.rtt_ms),
        holdout_residual_ms=np.sort(usable.rtt_ms - held_out),
        flagged=_flag(topology, usable, held_out, final.parameters),
        folds=folds,
        rows=len(usable),
        unreachable=int(np.count_nonzero(~reachable)),
        iterations=final.iterations,
    )
