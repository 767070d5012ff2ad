"""Failover capacity cuts as a constraint piece (:class:`CapacityCutRows`).

The cuts the survivable cut loop (:mod:`gpuplace.resilience.cut_loop`) generates
from the minimum cut of each failure that bites, or takes from the a-priori pool
(:mod:`gpuplace.resilience.cuts`), passed to :func:`solvers.solve` as one piece
(``extra_pieces``) over integer region and site indices. Valid for every
survivable plan when ``failover_sla_factor >= 1``. Rows are added under the
family name ``survive_site_failure``, so diagnosis treats them as that family.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from gpuplace.resilience.cuts import Cut, cut_matrices, site_capacity_bound
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints.survivability import name as FAMILY
from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["CapacityCutRows"]


class CapacityCutRows:
    """Failover capacity cuts (Hall inequalities), each with its open cover.

    For cut i, a region set R' and the sites N that can re-serve it within the
    failover SLA once some site f is lost (f excluded)::

        Σ_{r in R'} (D_r − u_r)  <=  Σ_{s in N} Σ_t thr_t (E_st + g_st)

    Every plan that survives the loss of f satisfies it (max-flow min-cut), and a
    plan satisfying it for every R' survives; valid whether or not f is open when
    ``failover_sla_factor >= 1`` (the normal assignment then re-serves R' inside
    N). Each cut also gets its open cover (capmax_s:
    :func:`gpuplace.resilience.cuts.site_capacity_bound`)::

        Σ_{s in N} min(capmax_s, need) open_s + Σ_{R'} u_r  >=  need = Σ_{R'} D_r

    valid because a site's capacity is at most capmax_s when open and 0 when not,
    and capacity beyond ``need`` does not help the cut. ``u_r`` appears only when
    the model has unserved demand.

    Parameters
    ----------
    cuts : sequence of Cut
        ``(regions, sites)`` index tuples of the instance the model is built for.
    """

    name = FAMILY

    def __init__(self, cuts: Sequence[Cut]) -> None:
        self.cuts = tuple(cuts)

    def applies(self, instance: Instance) -> bool:
        return bool(self.cuts)

    def add(self, model: ModelBuilder, instance: Instance) -> None:
        S, R = instance.n_sites, instance.n_regions
        thr = instance.gpu_throughput
        region_rows, site_rows = cut_matrices(self.cuts, R, S)
        # Row i, column s*T + t: -thr_t for s in N_i.
        gpu_rows = sp.kron(site_rows, sp.csr_matrix(-thr[None, :]), format="csr")
        terms = [(model.var("gpus"), gpu_rows)]
        if model.has_var("unserved"):
            terms.append((model.var("unserved"), -region_rows))
        existing = site_rows @ (instance.site_existing_gpus @ thr)
        need = region_rows @ instance.region_demand
        model.add_rows(FAMILY, terms, ub=existing - need, name=f"{FAMILY}:cuts")
        # Open cover: Σ_{s in N} min(capmax_s, need) open_s + Σ_{R'} u_r >= need.
        capmax = site_capacity_bound(instance)
        coef = site_rows.multiply(np.minimum(capmax[None, :], need[:, None])).tocsr()
        cover = [(model.var("open"), coef)]
        if model.has_var("unserved"):
            cover.append((model.var("unserved"), region_rows))
        model.add_rows(FAMILY, cover, lb=need, name=f"{FAMILY}:open_cover")
