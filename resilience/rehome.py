"""The re-home LP: the most demand given site capacities can serve over given pairs.

:func:`rehome` serves the most demand, then (among such answers) at the lowest
demand-weighted RTT::

    max  sum_p D_r(p) x_p
    s.t. sum_{p in r} x_p <= 1                        for every region r
         sum_{p at s} w_p x_p <= cap_s                for every site s
         sum_p D_r(p) gbps_r(p) A[p, l] x_p <= cap_l   for every directed link l (optional)
         0 <= x_p <= 1

with ``w_p = D_r(p)`` (capacity in demand units) unless the caller gives the
load of each pair (serving models: "regions" are demand items, "sites" are
pools of one deployment at one site and ``w_p = D_k / thr_p`` replicas).

:func:`failover_shortfall` is the failover LP: :func:`rehome` after the loss of
one site, at 100 % utilisation within the failover SLA, link capacities off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.linear_solver.python import model_builder as mb
from scipy.sparse import csr_matrix, vstack

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.reachable import ReachablePairs

__all__ = ["DEMAND_TOL", "RehomeResult", "failover_shortfall", "rehome", "site_capacity"]

# Demand below this (in demand units) counts as served; LP round-off stays under it.
DEMAND_TOL = 1e-6


def site_capacity(instance: Instance, gpus: np.ndarray) -> np.ndarray:
    """Demand units each site serves at 100 % utilisation with ``gpus`` [S, T] installed."""
    return np.asarray(gpus, dtype=float) @ instance.gpu_throughput


@dataclass(frozen=True, eq=False)
class RehomeResult:
    """Answer of the re-home LP.

    ``served`` is per region (demand units), ``share`` per pair (fraction of the
    region's demand); ``ok`` is False only when the LP solver failed.
    ``max_served`` is the first stage's optimum (the second stage, minimising RTT,
    may serve a hair less within its relative tolerance of 1e-9).
    """

    ok: bool
    served: np.ndarray
    share: np.ndarray
    max_served: float = 0.0

    def unserved(self, demand: np.ndarray) -> np.ndarray:
        """Demand left unserved per region (never negative)."""
        return np.maximum(np.asarray(demand, dtype=float) - self.served, 0.0)


def _solve_lp(
    objective: np.ndarray,
    matrix: csr_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    maximise: bool,
) -> np.ndarray | None:
    """Solve ``opt c.x s.t. lo <= A x <= hi, 0 <= x <= 1`` with GLOP; None when not optimal."""
    n = objective.shape[0]
    if n == 0:
        return np.empty(0)
    model = mb.Model()
    helper: Any = model.helper  # its stub types the arrays as ndarray[float64, ...], not a shape
    helper.fill_model_from_sparse_data(
        np.zeros(n),
        np.ones(n),
        np.asarray(objective, dtype=float),
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        csr_matrix(matrix, dtype=float),
    )
    model.helper.set_maximize(maximise)
    solver = mb.Solver("glop")
    status = solver.solve(model)
    if status != mb.SolveStatus.OPTIMAL:
        return None
    return np.clip(solver.values(model.get_variables()).to_numpy(dtype=float), 0.0, 1.0)


def rehome(
    demand: np.ndarray,
    pairs: ReachablePairs,
    capacity: np.ndarray,
    *,
    link_capacity_gbps: np.ndarray | None = None,
    gbps_per_unit: np.ndarray | None = None,
    min_rtt: bool = True,
    load: np.ndarray | None = None,
) -> RehomeResult:
    """The re-home LP: serve the most demand, then at the lowest demand-weighted RTT.

    Parameters
    ----------
    demand : numpy.ndarray
        Demand per region [R] that should be served.
    pairs : ReachablePairs
        Pairs a region may use (already without failed sites, within the SLA).
    capacity : numpy.ndarray
        Demand units each site can serve [S] (0 at a failed site).
    link_capacity_gbps : numpy.ndarray, optional
        Capacity of each directed link [2E] in the numbering of ``pairs.links``
        (inf when uncapacitated); enforced only with ``pairs.links`` and ``gbps_per_unit``.
    gbps_per_unit : numpy.ndarray, optional
        Bandwidth per demand unit of each region [R].
    min_rtt : bool
        Second stage: among the max-served answers, minimise demand-weighted RTT.
    load : numpy.ndarray, optional
        Capacity one pair takes per unit of share [len(pairs)] (default: its demand).

    Returns
    -------
    RehomeResult

    Examples
    --------
    >>> import numpy as np
    >>> pairs = ReachablePairs(np.array([0, 1]), np.array([0, 0]), np.array([1.0, 1.0]))
    >>> result = rehome(np.array([6.0, 6.0]), pairs, np.array([10.0]))
    >>> round(float(result.served.sum()), 6)
    10.0
    """
    demand = np.asarray(demand, dtype=float)
    n_regions, n_sites = demand.shape[0], capacity.shape[0]
    keep = (demand[pairs.region] > 0) & (capacity[pairs.site] > 0)
    used = pairs.subset(keep) if not keep.all() else pairs
    n = len(used)
    d = demand[used.region]
    w = d if load is None else np.asarray(load, dtype=float)[keep]
    cols = np.arange(n)
    region_rows = csr_matrix((np.ones(n), (used.region, cols)), shape=(n_regions, n))
    site_rows = csr_matrix((w, (used.site, cols)), shape=(n_sites, n))
    blocks = [region_rows, site_rows]
    lower = [np.full(n_regions, -np.inf), np.full(n_sites, -np.inf)]
    upper = [np.ones(n_regions), np.asarray(capacity, dtype=float)]
    if (
        used.links is not None
        and link_capacity_gbps is not None
        and gbps_per_unit is not None
        and np.isfinite(link_capacity_gbps).any()
    ):
        per_link = used.links.T.tocsr().multiply(d * np.asarray(gbps_per_unit)[used.region]).tocsr()
        bounded = np.flatnonzero(np.isfinite(link_capacity_gbps) & (per_link.getnnz(axis=1) > 0))
        blocks.append(per_link[bounded])
        lower.append(np.full(bounded.size, -np.inf))
        upper.append(np.asarray(link_capacity_gbps, dtype=float)[bounded])
    matrix = vstack(blocks).tocsr()
    row_lower, row_upper = np.concatenate(lower), np.concatenate(upper)
    x = _solve_lp(d, matrix, row_lower, row_upper, maximise=True)
    if x is None:
        return RehomeResult(False, np.zeros(n_regions), np.zeros(len(pairs)), 0.0)
    best = float(d @ x)
    if min_rtt and n and best > DEMAND_TOL:
        served_row = csr_matrix(d.reshape(1, -1))
        floor = best * (1.0 - 1e-9)
        x2 = _solve_lp(
            d * used.rtt_ms,
            vstack([matrix, served_row]).tocsr(),
            np.append(row_lower, floor),
            np.append(row_upper, np.inf),
            maximise=False,
        )
        if x2 is not None:
            x = x2
    share = np.zeros(len(pairs))
    share[np.flatnonzero(keep)] = x
    served = np.bincount(pairs.region, weights=share * demand[pairs.region], minlength=n_regions)
    return RehomeResult(True, np.minimum(served, demand), share, best)


def failover_shortfall(
    instance: Instance,
    gpus: np.ndarray,
    served: np.ndarray,
    failed_site: int,
    pairs: ReachablePairs,
) -> float:
    """Served demand that cannot be re-served after losing ``failed_site`` (failover LP).

    Parameters
    ----------
    instance : Instance
        The scenario.
    gpus : numpy.ndarray
        Installed GPUs (existing + new) [S, T].
    served : numpy.ndarray
        Demand each region is served in the plan [R]: what must be re-served.
    failed_site : int
        The lost site.
    pairs : ReachablePairs
        Failover pairs (within ``sla_rtt_ms * failover_sla_factor``).

    Returns
    -------
    float
        Demand units short (0 when the loss is survived); link capacities are not enforced.
    """
    capacity = site_capacity(instance, gpus)
    capacity[failed_site] = 0.0
    result = rehome(served, pairs.subset(pairs.site != failed_site), capacity, min_rtt=False)
    if not result.ok:
        return float(np.sum(served))
    return float(np.maximum(served - result.served, 0.0).sum())
