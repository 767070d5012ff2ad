"""A-priori rows of the survivable cut loop as custom kinds: ``failover_min_open``, ``failover_spread``.

Added before any failure is checked (:mod:`solvers.survivable_cuts`), each valid
for every survivable plan when ``failover_sla_factor >= 1``:
:class:`FailoverMinOpen` (two open sites within each region's failover reach)
and :class:`FailoverSpread` (the capacity a region set needs for the number of
sites it spreads over). Rows are added under the family name
``survive_site_failure``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.errors import InputError, Problem
from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.constraints._failover import CHECK_TOL, FAMILY
from gpuplace.solvers.constraints.base import require_params, scenario_file
from gpuplace.solvers.constraints.failover_capacity_cuts import FailoverCuts
from gpuplace.solvers.constraints.registry import register_constraint
from gpuplace.solvers.model.builder import ModelBuilder

name = FAMILY


MIN_OPEN_KIND = "failover_min_open"


@register_constraint(MIN_OPEN_KIND)
class FailoverMinOpen:
    """Custom kind: at least two open sites within reach of each region that is served.

    For region r with demand D_r and its failover neighbourhood K (the sites that may
    hold GPUs within ``sla_rtt_ms × failover_sla_factor``)::

        Σ_{s in K} open_s + 2 u_r / D_r  >=  2

    Valid for every survivable plan when ``failover_sla_factor >= 1``: a region
    served at all is served by an open site f in K, and once f is lost its demand
    must be re-served by another open site of K. Implied by the capacity cuts for
    integer plans but far stronger in the LP relaxation, which otherwise spreads the
    failover capacity over fractions of sites. Scenario::

        [[constraints.custom]]
        kind = "failover_min_open"
        params = { regions = ["r1", "r2"], sites = [["s1", "s2", "s3"], ["s2", "s4"]] }
    """

    def __init__(self, params: dict, where: str) -> None:
        require_params(params, f"{where}.params", {"regions": list, "sites": list})
        regions, sites = params["regions"], params["sites"]
        ok = (
            len(regions) == len(sites)
            and all(isinstance(r, str) for r in regions)
            and all(
                isinstance(g, list | tuple) and all(isinstance(v, str) for v in g) for g in sites
            )
        )
        if not ok:
            raise InputError(
                [
                    Problem(
                        "<scenario>",
                        f"{where}.params",
                        "regions must list region ids and sites one list of site ids per region",
                    )
                ]
            )
        self.regions = tuple(regions)
        self.sites = tuple(tuple(g) for g in sites)
        self.where = where
        self.name = name

    def applies(self, instance) -> bool:
        return bool(self.regions)

    def _resolve(self, instance) -> tuple[np.ndarray, list[np.ndarray]]:
        pieces = FailoverCuts(
            {"regions": [[r] for r in self.regions], "sites": [list(g) for g in self.sites]},
            self.where,
        )
        regions = pieces._indices(instance, instance.region_ids, pieces.regions, "regions")
        sites = pieces._indices(instance, instance.site_ids, pieces.sites, "sites")
        return np.array([g[0] for g in regions], dtype=np.int64), sites

    def add(self, model: ModelBuilder, instance) -> None:
        regions, sites = self._resolve(instance)
        C, S, R = regions.size, instance.n_sites, instance.n_regions
        counts = [g.size for g in sites]
        site_rows = sp.csr_matrix(
            (np.ones(sum(counts)), (np.repeat(np.arange(C), counts), np.concatenate(sites))),
            shape=(C, S),
        )
        terms = [(model.var("open"), site_rows)]
        if model.has_var("unserved"):
            demand = instance.region_demand[regions]
            weight = np.where(demand > 0, 2.0 / np.where(demand > 0, demand, 1.0), 0.0)
            terms.append(
                (model.var("unserved"), sp.csr_matrix((weight, (np.arange(C), regions)), (C, R)))
            )
        model.add_rows(name, terms, lb=2.0, name=f"{name}:min_open")

    def check(self, instance, plan: dict) -> list[str]:
        regions, sites = self._resolve(instance)
        holds = _plan.gpu_counts(instance, plan).sum(axis=1) > 0
        unserved = _plan.unserved(instance, plan)
        out = []
        for r, group in zip(regions.tolist(), sites, strict=True):
            served = float(instance.region_demand[r]) - float(unserved[r])
            if served > CHECK_TOL * max(1.0, float(instance.region_demand[r])):
                n = int(holds[group].sum())
                if n < 2:
                    out.append(
                        f"{self.where}: region {instance.region_ids[r]} is served but only "
                        f"{n} site(s) within its failover reach hold GPUs"
                    )
        return out


SPREAD_KIND = "failover_spread"

# Secants of need × n / (n − 1) through n = m and n = m + 1 open sites, for these m.
_SPREAD_M = (2, 3)


@register_constraint(SPREAD_KIND)
class FailoverSpread:
    """Custom kind: failover capacity a region set needs for the number of sites it spreads over.

    For a region set R' with need = Σ_{R'} D_r and its whole failover neighbourhood
    K = N(R'), a plan whose GPUs in K sit at n sites survives the loss of each of
    them only if ``Σ_K cap >= need × n / (n − 1)`` (sum the cuts of the n losses).
    The convex right-hand side is bounded below by its secants through n = m and
    m + 1; with n at most Σ_K open_s::

        Σ_{s in K} cap_s + need / (m (m − 1)) × Σ_{s in K} open_s
            >=  need × (m / (m − 1) + 1 / (m − 1))                 for m = 2, 3

    (for m = 2: ``Σ_K cap + need/2 Σ_K open >= 3 need``). Only added when all
    demand must be served (the rows would be bilinear in unserved demand).
    Scenario::

        [[constraints.custom]]
        kind = "failover_spread"
        params = { regions = [["r1", "r2"]], sites = [["s1", "s2", "s3"]] }
    """

    def __init__(self, params: dict, where: str) -> None:
        self.cuts = FailoverCuts(params, where)
        self.where = where
        self.name = name

    def applies(self, instance) -> bool:
        return bool(self.cuts.regions)

    def add(self, model: ModelBuilder, instance) -> None:
        if model.has_var("unserved"):
            raise InputError(
                [
                    Problem(
                        scenario_file(instance),
                        f"{self.where}",
                        "failover_spread needs all demand served (allow_unserved off)",
                    )
                ]
            )
        regions = self.cuts._indices(instance, instance.region_ids, self.cuts.regions, "regions")
        sites = self.cuts._indices(instance, instance.site_ids, self.cuts.sites, "sites")
        S, C = instance.n_sites, len(regions)
        thr = instance.gpu_throughput
        counts = [g.size for g in sites]
        site_rows = sp.csr_matrix(
            (np.ones(sum(counts)), (np.repeat(np.arange(C), counts), np.concatenate(sites))),
            shape=(C, S),
        )
        gpu_rows = sp.kron(site_rows, sp.csr_matrix(thr[None, :]), format="csr")
        existing = site_rows @ (instance.site_existing_gpus @ thr)
        need = np.array([float(instance.region_demand[g].sum()) for g in regions])
        for m in _SPREAD_M:
            slope = need / (m * (m - 1))
            rhs = need * (m / (m - 1) + 1.0 / (m - 1))
            open_rows = sp.diags(slope) @ site_rows
            model.add_rows(
                name,
                [(model.var("gpus"), gpu_rows), (model.var("open"), open_rows.tocsr())],
                lb=rhs - existing,
                name=f"{name}:spread{m}",
            )

    def check(self, instance, plan: dict) -> list[str]:
        regions = self.cuts._indices(instance, instance.region_ids, self.cuts.regions, "regions")
        sites = self.cuts._indices(instance, instance.site_ids, self.cuts.sites, "sites")
        capacity = _plan.gpu_counts(instance, plan) @ instance.gpu_throughput
        out = []
        for i, (rs, ks) in enumerate(zip(regions, sites, strict=True)):
            need = float(instance.region_demand[rs].sum())
            n = int((capacity[ks] > 0).sum())
            have = float(capacity[ks].sum())
            if need <= 0:
                continue
            if n <= 1 or have < need * n / (n - 1) * (1 - CHECK_TOL) - CHECK_TOL:
                out.append(
                    f"{self.where} (set {i + 1}): {have:g} capacity at {n} site(s) cannot "
                    f"cover {need:g} demand units after the loss of any one of them"
                )
        return out
