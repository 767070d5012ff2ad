"""A-priori rows of the survivable cut loop as constraint pieces: min-open and spread rows.

Added before any failure is checked (:mod:`gpuplace.resilience.cut_loop`), each
valid for every survivable plan when ``failover_sla_factor >= 1``:
:class:`MinOpenRows` (two open sites within each region's failover reach) and
:class:`SpreadRows` (the capacity a region set needs for the number of sites it
spreads over). Both take integer region and site indices and add rows under the
family name ``survive_site_failure``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from gpuplace.resilience.cuts import Cut, cut_matrices
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints.survivability import name as FAMILY
from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["MinOpenRows", "SpreadRows"]


class MinOpenRows:
    """At least two open sites within reach of each region that is served.

    For region r with demand D_r and its failover neighbourhood K (the sites that may
    hold GPUs within ``sla_rtt_ms × failover_sla_factor``)::

        Σ_{s in K} open_s + 2 u_r / D_r  >=  2

    Valid for every survivable plan when ``failover_sla_factor >= 1``: a region
    served at all is served by an open site f in K, and once f is lost its demand
    must be re-served by another open site of K. Implied by the capacity cuts for
    integer plans but far stronger in the LP relaxation, which otherwise spreads the
    failover capacity over fractions of sites.

    Parameters
    ----------
    rows : sequence of (int, tuple of int)
        (region, its neighbourhood) pairs (:func:`gpuplace.resilience.cuts.min_open_rows`).
    """

    name = FAMILY

    def __init__(self, rows: Sequence[tuple[int, tuple[int, ...]]]) -> None:
        self.rows = tuple(rows)

    def applies(self, instance: Instance) -> bool:
        return bool(self.rows)

    def add(self, model: ModelBuilder, instance: Instance) -> None:
        regions = np.array([r for r, _ in self.rows], dtype=np.int64)
        _, site_rows = cut_matrices(
            [((r,), sites) for r, sites in self.rows], instance.n_regions, instance.n_sites
        )
        C, R = regions.size, instance.n_regions
        terms = [(model.var("open"), site_rows)]
        if model.has_var("unserved"):
            demand = instance.region_demand[regions]
            weight = np.where(demand > 0, 2.0 / np.where(demand > 0, demand, 1.0), 0.0)
            terms.append(
                (model.var("unserved"), sp.csr_matrix((weight, (np.arange(C), regions)), (C, R)))
            )
        model.add_rows(FAMILY, terms, lb=2.0, name=f"{FAMILY}:min_open")


# Secants of need × n / (n − 1) through n = m and n = m + 1 open sites, for these m.
_SPREAD_M = (2, 3)


class SpreadRows:
    """Failover capacity a region set needs for the number of sites it spreads over.

    For a region set R' with need = Σ_{R'} D_r and its whole failover neighbourhood
    K = N(R'), a plan whose GPUs in K sit at n sites survives the loss of each of
    them only if ``Σ_K cap >= need × n / (n − 1)`` (sum the cuts of the n losses).
    The convex right-hand side is bounded below by its secants through n = m and
    m + 1; with n at most Σ_K open_s::

        Σ_{s in K} cap_s + need / (m (m − 1)) × Σ_{s in K} open_s
            >=  need × (m / (m − 1) + 1 / (m − 1))                 for m = 2, 3

    (for m = 2: ``Σ_K cap + need/2 Σ_K open >= 3 need``). Only for models where all
    demand must be served (the rows would be bilinear in unserved demand).

    Parameters
    ----------
    sets : sequence of Cut
        ``(regions R', neighbourhood K)`` index tuples.
    """

    name = FAMILY

    def __init__(self, sets: Sequence[Cut]) -> None:
        self.sets = tuple(sets)

    def applies(self, instance: Instance) -> bool:
        return bool(self.sets)

    def add(self, model: ModelBuilder, instance: Instance) -> None:
        if model.has_var("unserved"):
            raise ValueError("spread rows need all demand served (allow_unserved off)")
        _, site_rows = cut_matrices(self.sets, instance.n_regions, instance.n_sites)
        thr = instance.gpu_throughput
        gpu_rows = sp.kron(site_rows, sp.csr_matrix(thr[None, :]), format="csr")
        existing = site_rows @ (instance.site_existing_gpus @ thr)
        need = np.array([float(instance.region_demand[list(r)].sum()) for r, _ in self.sets])
        for m in _SPREAD_M:
            slope = need / (m * (m - 1))
            rhs = need * (m / (m - 1) + 1.0 / (m - 1))
            open_rows = sp.diags(slope) @ site_rows
            model.add_rows(
                FAMILY,
                [(model.var("gpus"), gpu_rows), (model.var("open"), open_rows.tocsr())],
                lb=rhs - existing,
                name=f"{FAMILY}:spread{m}",
            )
