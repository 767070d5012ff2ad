"""Resilience: survivable plans and failure analysis, above :func:`solvers.solve`.

Two parts, each in small modules (every public name is importable from here):

- **Survivability** (``survive_site_failure = true``). :func:`solve_survivable`
  (:mod:`~gpuplace.resilience.survivable`) solves a plan that survives the loss of
  any one open site by constraint generation over :func:`solvers.solve`: solve,
  check every single-site failure with the failover LP
  (:func:`~gpuplace.resilience.certify.biting_failures`), add what the failures
  that bite need as constraint pieces, re-solve, repeat. By default that is the
  cut loop (:class:`~gpuplace.resilience.cut_loop.CutLoop`: failover capacity
  cuts from :mod:`~gpuplace.resilience.cuts` as
  :class:`~gpuplace.resilience.cut_rows.CapacityCutRows`, a-priori rows from
  :mod:`~gpuplace.resilience.apriori_rows`, LP rounds, incumbents repaired by
  :func:`~gpuplace.resilience.repair.repair_survivable`).
- **Failure analysis** (``gpuplace failures``). :func:`rehome`
  (:mod:`~gpuplace.resilience.rehome`) is the re-home LP: the most demand the
  given site capacities can serve over the given pairs (then, among such answers,
  the lowest demand-weighted RTT)::

      max  sum_p D_r(p) x_p
      s.t. sum_{p in r} x_p <= 1                        for every region r
           sum_{p at s} D_r(p) x_p <= cap_s             for every site s
           sum_p D_r(p) gbps_r(p) A[p, l] x_p <= cap_l   for every directed link l (optional)
           0 <= x_p <= 1

  :func:`analyse_case` (:mod:`~gpuplace.resilience.failure_analysis`) runs it for
  one failure case (:mod:`~gpuplace.resilience.failure_cases`: a site, a link, a
  shared-risk link group) and, in ``resolve`` mode, the cheapest repair
  (:mod:`~gpuplace.resilience.failure_repair`). The fan-out over every case is
  :func:`planning.failures.analyse_failures`.

Region-site pairs within ``sla_rtt_ms * factor`` (:func:`reachable_pairs`,
possibly on a topology with links removed) come from :mod:`solvers.reachable`,
since the exact ``survive_site_failure`` family of the model needs them too.

Failover does not enforce link capacities: after the loss of a site, traffic may
exceed a link's nominal capacity for the duration of the repair. This keeps the
failover guarantee about compute, where GPUs are the expensive, slow-to-add resource.
"""

from __future__ import annotations

from gpuplace.resilience.certify import biting_failures, unsurvivable_regions
from gpuplace.resilience.cut_loop import CutLoop, CutLoopOptions, RoundLog
from gpuplace.resilience.failure_analysis import FailureContext, analyse_case, failure_context
from gpuplace.resilience.failure_cases import FailureCase, failure_cases, load_srlg
from gpuplace.resilience.impact import FailureImpact, LinkOverload, redundancy_guarantee
from gpuplace.resilience.rehome import (
    DEMAND_TOL,
    RehomeResult,
    failover_shortfall,
    rehome,
    site_capacity,
)
from gpuplace.resilience.survivable import METHODS, solve_survivable
from gpuplace.solvers.reachable import ReachablePairs, reachable_pairs, route, without_links

__all__ = [
    "DEMAND_TOL",
    "METHODS",
    "CutLoop",
    "CutLoopOptions",
    "FailureCase",
    "FailureContext",
    "FailureImpact",
    "LinkOverload",
    "ReachablePairs",
    "RehomeResult",
    "RoundLog",
    "analyse_case",
    "biting_failures",
    "failover_shortfall",
    "failure_cases",
    "failure_context",
    "load_srlg",
    "reachable_pairs",
    "redundancy_guarantee",
    "rehome",
    "route",
    "site_capacity",
    "solve_survivable",
    "unsurvivable_regions",
    "without_links",
]
