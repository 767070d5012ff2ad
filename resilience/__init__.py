"""Resilience: the re-home LP, failover pairs, and survivable plans by scenario generation.

Three layers, each usable on its own (and each in its own module; every name
stays importable from here):

- :func:`reachable_pairs` (:mod:`solvers.reachable`) recomputes region-site pairs
  within ``sla_rtt_ms * factor`` for a topology (possibly with links removed), with
  the links each pair's path crosses.
- :func:`rehome` (:mod:`solvers.rehome`) is the re-home LP: the most demand the given
  site capacities can serve over the given pairs (then, among such answers, the lowest
  demand-weighted RTT)::

      max  sum_p D_r(p) x_p
      s.t. sum_{p in r} x_p <= 1                        for every region r
           sum_{p at s} D_r(p) x_p <= cap_s             for every site s
           sum_p D_r(p) gbps_r(p) A[p, l] x_p <= cap_l   for every directed link l (optional)
           0 <= x_p <= 1

- :func:`solve_survivable` (:mod:`solvers.survivable`) solves a plan that survives the
  loss of any one open site (``survive_site_failure = true``) by constraint generation:
  solve, check every single-site failure with the failover LP (:func:`rehome` at 100 %
  utilisation within the failover SLA, link capacities off), add what the failures that
  bite need, re-solve, repeat. By default (``method="cuts"``) that is failover capacity
  cuts, with a-priori rows, LP rounds and repaired incumbents
  (:mod:`solvers.survivable_cuts`); ``method="scenarios"`` adds a copy of the assignment
  per failure (the ``survive_site_failure`` piece).

Failover does not enforce link capacities: after the loss of a site, traffic may
exceed a link's nominal capacity for the duration of the repair. This keeps the
failover guarantee about compute, where GPUs are the expensive, slow-to-add resource.
"""

from __future__ import annotations

from gpuplace.solvers.reachable import ReachablePairs, reachable_pairs, route, without_links
from gpuplace.solvers.rehome import (
    DEMAND_TOL,
    RehomeResult,
    failover_shortfall,
    rehome,
    site_capacity,
)
from gpuplace.solvers.survivable import (
    METHODS,
    biting_failures,
    failover_cut,
    solve_survivable,
    unsurvivable_regions,
)

__all__ = [
    "DEMAND_TOL",
    "METHODS",
    "ReachablePairs",
    "RehomeResult",
    "biting_failures",
    "failover_cut",
    "failover_shortfall",
    "reachable_pairs",
    "rehome",
    "route",
    "site_capacity",
    "solve_survivable",
    "unsurvivable_regions",
    "without_links",
]
