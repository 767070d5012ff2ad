"""Operating points on load profiles, and the candidate (item, site, deployment) triples.

Interpolation (normative, SCENARIO.md "Serving models"): on one profile curve
(one deployment at one request shape) with measured points ``c_1 < … < c_n``,
TTFT, TPOT and throughput are piecewise linear in the concurrency c between
consecutive points and are not extrapolated: c stays in ``[c_1, c_n]``. The
loader checks that each is non-decreasing in c, so the concurrencies meeting a
limit form an interval starting at ``c_1``.

The operating point of demand item k (region r, tier q) served by deployment d
at site s is the highest c with::

    ttft_q(c) + rtt(r, s) <= ttft_target_q   and   tpot(c) <= tpot_target_q

(``ttft_q`` at the tier's percentile). A triple with no such c is not a
candidate; otherwise one replica of d serves ``throughput(c)`` output tokens/s
of k's demand.

Examples
--------
>>> import numpy as np
>>> c = np.array([1.0, 10.0]); ttft = np.array([100.0, 400.0])
>>> highest_concurrency(c, ttft, np.array([50.0, 100.0, 250.0, 900.0])).tolist()
[nan, 1.0, 5.5, 10.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.serving import Serving, ServingPairs

__all__ = [
    "CurvePoints",
    "expand_pairs",
    "highest_concurrency",
    "operating_points",
    "serving_defaults",
]


@dataclass(frozen=True, eq=False)
class CurvePoints:
    """One profile curve at one TTFT percentile: concurrency and the three measures."""

    concurrency: np.ndarray
    ttft_ms: np.ndarray
    tpot_ms: np.ndarray
    throughput: np.ndarray

    @classmethod
    def of(cls, serving: Serving, curve: int, percentile: float) -> CurvePoints:
        lo, hi = int(serving.curve_start[curve]), int(serving.curve_start[curve + 1])
        ttft = serving.profile_ttft_p95_ms if percentile == 95 else serving.profile_ttft_p50_ms
        return cls(
            serving.profile_concurrency[lo:hi],
            ttft[lo:hi],
            serving.profile_tpot_ms[lo:hi],
            serving.profile_throughput[lo:hi],
        )


def highest_concurrency(conc: np.ndarray, values: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Largest c in ``[conc[0], conc[-1]]`` whose interpolated value is ``<= limit``; NaN if none.

    ``values`` is non-decreasing in ``conc`` (strictly increasing).
    """
    limit = np.asarray(limit, dtype=float)
    out = np.full(limit.shape, np.nan)
    feasible = limit >= values[0]
    top = limit >= values[-1]
    out[top] = conc[-1]
    mid = feasible & ~top
    if mid.any():
        j = np.searchsorted(values, limit[mid], side="right") - 1
        t = (limit[mid] - values[j]) / (values[j + 1] - values[j])
        out[mid] = conc[j] + t * (conc[j + 1] - conc[j])
    return out


def operating_points(
    points: CurvePoints, ttft_budget_ms: np.ndarray, tpot_target_ms: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(concurrency, compute TTFT, TPOT, throughput) at the highest feasible c; NaN where none.

    ``ttft_budget_ms`` is the TTFT target minus the network RTT, per pair.
    """
    by_ttft = highest_concurrency(points.concurrency, points.ttft_ms, ttft_budget_ms)
    by_tpot = highest_concurrency(
        points.concurrency, points.tpot_ms, np.array([float(tpot_target_ms)])
    )[0]
    c = np.minimum(by_ttft, by_tpot)
    ok = np.isfinite(c)
    values = []
    for measure in (points.ttft_ms, points.tpot_ms, points.throughput):
        at = np.full(c.shape, np.nan)
        at[ok] = np.interp(c[ok], points.concurrency, measure)
        values.append(at)
    return c, values[0], values[1], values[2]


def _combinations(serving: Serving, region: np.ndarray, n_regions: int) -> tuple:
    """Every (region-site pair, item of that region) combination: (pair index, item index)."""
    starts = np.searchsorted(serving.item_region, np.arange(n_regions + 1))
    first, count = starts[region], starts[region + 1] - starts[region]
    pair_of = np.repeat(np.arange(region.shape[0]), count)
    offset = np.arange(pair_of.shape[0]) - np.repeat(np.cumsum(count) - count, count)
    return pair_of, first[pair_of] + offset


def expand_pairs(
    serving: Serving, region: np.ndarray, site: np.ndarray, rtt_ms: np.ndarray, n_regions: int
) -> tuple[np.ndarray, ServingPairs]:
    """Candidate triples from region-site pairs: which pair each comes from, and its data.

    Every item of the pair's region is combined with every deployment of the
    item's model profiled at the item's request shape; combinations without an
    operating point are dropped. The result is sorted by (item, site, deployment).

    Returns
    -------
    (numpy.ndarray, ServingPairs)
        The index into ``region``/``site``/``rtt_ms`` of each triple, and the triples.
    """
    pair_of, item = _combinations(serving, np.asarray(region, dtype=np.int64), n_regions)
    rtt = np.asarray(rtt_ms, dtype=float)[pair_of]
    model, shape, tier = (
        serving.item_model[item],
        serving.item_shape[item],
        serving.item_tier[item],
    )
    parts: list[tuple[np.ndarray, ...]] = []
    for curve in range(serving.n_curves):
        d = int(serving.curve_deployment[curve])
        fits = (model == serving.deployment_model[d]) & (shape == serving.curve_shape[curve])
        for q in np.unique(tier[fits]).tolist():
            at = np.flatnonzero(fits & (tier == q))
            points = CurvePoints.of(serving, curve, float(serving.tier_ttft_percentile[q]))
            budget = float(serving.tier_ttft_ms[q]) - rtt[at]
            c, ttft, tpot, thr = operating_points(points, budget, float(serving.tier_tpot_ms[q]))
            ok = np.isfinite(c) & (thr > 0)
            parts.append((at[ok], np.full(int(ok.sum()), d), c[ok], ttft[ok], tpot[ok], thr[ok]))
    if parts:
        at, dep, c, ttft, tpot, thr = (
            np.concatenate(column) for column in zip(*parts, strict=True)
        )
    else:
        at = dep = np.empty(0, dtype=np.int64)
        c = ttft = tpot = thr = np.empty(0)
    order = np.lexsort((dep, np.asarray(site)[pair_of[at]], item[at]))
    at = at[order]
    return pair_of[at], ServingPairs(
        item=item[at].astype(np.int64),
        deployment=dep[order].astype(np.int64),
        concurrency=c[order],
        ttft_ms=ttft[order],
        tpot_ms=tpot[order],
        throughput=thr[order],
    )


def serving_defaults(
    serving: Serving, region_sla_rtt_ms: np.ndarray, gpu_throughput: np.ndarray, n_regions: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(region SLA, region demand, GPU throughput) of a serving instance.

    - an SLA not given (NaN) is the largest TTFT target among the region's items
      (the network can take no more of it), or among all tiers for a region without
      demand;
    - region demand is the sum of its items' demand (output tokens/s);
    - a GPU throughput not given (NaN) is the most output tokens/s one GPU of the
      type reaches at any profiled point of any deployment (0 for a type no
      deployment uses): an upper bound, used by the pre-solve diagnosis.
    """
    target = serving.tier_ttft_ms[serving.item_tier]
    widest = np.full(n_regions, float(np.max(serving.tier_ttft_ms, initial=0.0)))
    has_items = np.bincount(serving.item_region, minlength=n_regions) > 0
    per_region = np.zeros(n_regions)
    np.maximum.at(per_region, serving.item_region, target)
    widest[has_items] = per_region[has_items]
    sla = np.asarray(region_sla_rtt_ms, dtype=float)
    sla = np.where(np.isfinite(sla), sla, widest)
    demand = np.bincount(serving.item_region, weights=serving.item_demand, minlength=n_regions)
    best = np.zeros(len(gpu_throughput))
    for curve in range(serving.n_curves):
        d = int(serving.curve_deployment[curve])
        lo, hi = int(serving.curve_start[curve]), int(serving.curve_start[curve + 1])
        per_gpu = float(serving.profile_throughput[lo:hi].max()) / float(
            serving.deployment_gpus_per_replica[d]
        )
        t = int(serving.deployment_gpu[d])
        best[t] = max(best[t], per_gpu)
    given = np.asarray(gpu_throughput, dtype=float)
    return sla, demand, np.where(np.isfinite(given), given, best)
