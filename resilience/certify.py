"""Certification of survivable plans: which single-site failures bite, which regions cannot survive.

:func:`biting_failures` checks every open site's loss with the failover LP
(:func:`gpuplace.resilience.rehome.failover_shortfall`: the re-home LP at 100 %
utilisation within ``sla_rtt_ms × failover_sla_factor``, link capacities off);
a plan with none is certified survivable. The verifier checks the same rule
again, independently (:mod:`solvers.verify.failover`, a networkx maximum flow).
"""

from __future__ import annotations

import numpy as np

from gpuplace.resilience.rehome import DEMAND_TOL, failover_shortfall
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints.survivability import may_open
from gpuplace.solvers.reachable import ReachablePairs, reachable_pairs
from gpuplace.solvers.result import Solution

__all__ = ["biting_failures", "unsurvivable_regions"]


def biting_failures(
    instance: Instance, solution: Solution, pairs: ReachablePairs | None = None
) -> list[int]:
    """Open sites of ``solution`` whose loss leaves served demand that cannot be re-served.

    Parameters
    ----------
    instance : Instance
        The scenario.
    solution : Solution
        A plan aligned with ``instance``.
    pairs : ReachablePairs, optional
        Pairs within the failover SLA (computed when not given).

    Returns
    -------
    list[int]
        Site indices, ascending; empty when the plan survives every single-site loss.
    """
    if pairs is None:
        pairs = reachable_pairs(instance, sla_factor=instance.constraints.failover_sla_factor)
    gpus = instance.site_existing_gpus + np.asarray(solution.new_gpus, dtype=np.int64)
    served = np.maximum(instance.region_demand - solution.unserved, 0.0)
    open_sites = np.flatnonzero(
        np.asarray(solution.open_sites, dtype=bool) | (gpus.sum(axis=1) > 0)
    )
    tol = DEMAND_TOL * max(1.0, float(served.sum()))
    return [
        int(f)
        for f in open_sites
        if failover_shortfall(instance, gpus, served, int(f), pairs) > tol
    ]


def unsurvivable_regions(instance: Instance, pairs: ReachablePairs) -> list[int]:
    """Regions whose demand no plan can re-serve: fewer than two sites within the failover SLA.

    Only meaningful when all demand must be served and ``failover_sla_factor >= 1``
    (then the region's serving site is one of those in reach, and its loss is fatal).
    """
    cons = instance.constraints
    if cons.allow_unserved or instance.objective.kind == "served" or cons.failover_sla_factor < 1:
        return []
    usable = np.isin(pairs.site, may_open(instance))
    counts = np.bincount(pairs.region[usable], minlength=instance.n_regions)
    return [int(r) for r in np.flatnonzero((counts < 2) & (instance.region_demand > 0))]
