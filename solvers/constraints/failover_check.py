"""Independent survivability check of a plan: one failover LP per lost open site.

Recomputes RTTs with the verifier's networkx/geopy model and solves each failed
site's re-serving problem with scipy's HiGHS, sharing no code with the rows
:mod:`solvers.constraints.survivability` adds to the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.constraints._failover import CHECK_TOL


def check_failover(instance, plan: dict, sites: Sequence[int] | None = None) -> list[str]:
    """Independent survivability check of a plan dict: one LP per failed open site.

    RTTs are recomputed with the verifier's networkx/geopy model; each failed
    site's LP (scipy HiGHS) moves served demand to the other open sites within
    ``sla_rtt_ms × failover_sla_factor`` (sovereignty honoured) at 100 % utilisation.

    Parameters
    ----------
    instance : Instance
        The scenario.
    plan : dict
        The plan (PLAN.md).
    sites : sequence of int, optional
        Only these failures (default: every open site).

    Returns
    -------
    list[str]
        One message per site whose loss leaves demand that cannot be re-served.
    """
    from gpuplace.solvers.verify.network import Network

    cons = instance.constraints
    gpus = _plan.gpu_counts(instance, plan)
    capacity = gpus @ instance.gpu_throughput
    is_open = _plan.open_sites(instance, plan) | (gpus.sum(axis=1) > 0)
    served = np.zeros(instance.n_regions)
    for r, _s, share in _plan.assignments(instance, plan):
        served[r] += share * float(instance.region_demand[r])
    regions = [int(r) for r in np.flatnonzero(served > 0)]
    open_sites = [int(s) for s in np.flatnonzero(is_open)]
    failures = open_sites if sites is None else [int(s) for s in sites if is_open[int(s)]]
    if not regions or not failures:
        return []
    network = Network(instance)
    edges = []  # (region, site) within the failover SLA
    for r in regions:
        limit = float(instance.region_sla_rtt_ms[r]) * cons.failover_sla_factor
        allowed = instance.region_allowed_countries[r]
        for s in open_sites:
            if cons.sovereignty and allowed is not None and instance.site_country[s] not in allowed:
                continue
            if network.rtt_ms(r, s) <= limit * (1 + 1e-9):
                edges.append((r, s))
    need = float(served.sum())
    out = []
    for lost in failures:
        usable = [(r, s) for r, s in edges if s != lost]
        flow = _max_reserved(usable, regions, open_sites, served, capacity)
        if need - flow > CHECK_TOL * max(need, 1.0):
            out.append(
                f"site {instance.site_ids[lost]}: after its loss only {flow:g} of {need:g} "
                f"served demand units can be re-served within "
                f"sla_rtt_ms x {cons.failover_sla_factor:g}"
            )
    return out


def _max_reserved(
    edges: list[tuple[int, int]],
    regions: list[int],
    sites: list[int],
    served: np.ndarray,
    capacity: np.ndarray,
) -> float:
    """max Σ z_rs  s.t.  Σ_s z_rs <= served_r,  Σ_r z_rs <= capacity_s,  z >= 0."""
    if not edges:
        return 0.0
    r_row = {r: i for i, r in enumerate(regions)}
    s_row = {s: len(regions) + i for i, s in enumerate(sites)}
    rows = [r_row[r] for r, _ in edges] + [s_row[s] for _, s in edges]
    cols = list(range(len(edges))) * 2
    a_ub = sp.csr_matrix(
        (np.ones(2 * len(edges)), (rows, cols)), shape=(len(regions) + len(sites), len(edges))
    )
    b_ub = np.concatenate([served[regions], capacity[sites]])
    result = linprog(-np.ones(len(edges)), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    return float(-result.fun) if result.status == 0 else 0.0
