"""Failover capacity cuts as custom kinds: ``failover_cut`` and ``failover_cuts``.

The cuts the survivable loop generates from the minimum cut of each failure that
bites (:func:`solvers.resilience.solve_survivable`, :mod:`solvers.survivable_cuts`):
:class:`FailoverCut`, one capacity cut (a Hall inequality), and
:class:`FailoverCuts`, many in one block, each with its open-cover row. Valid
for every survivable plan when ``failover_sla_factor >= 1``. The a-priori rows
are in :mod:`solvers.constraints.failover_apriori`; the failover problem itself
in :mod:`solvers.constraints.survivability`. Rows are added under the family
name ``survive_site_failure``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from gpuplace.errors import InputError, Problem
from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.constraints._failover import CHECK_TOL, FAMILY, site_indices
from gpuplace.solvers.constraints.base import require_params, scenario_file
from gpuplace.solvers.constraints.registry import register_constraint
from gpuplace.solvers.failover_cuts import site_capacity_bound
from gpuplace.solvers.model.builder import ModelBuilder

name = FAMILY


CUT_KIND = "failover_cut"


@register_constraint(CUT_KIND)
class FailoverCut:
    """Custom kind: one capacity cut of the failover problem (a Hall inequality).

    For a set of regions R' and the sites N that can re-serve them within the
    failover SLA once some site f is lost (f excluded)::

        Σ_{r in R'} (D_r − u_r)  <=  Σ_{s in N} Σ_t thr_t (E_st + g_st)

    Every plan that survives the loss of f satisfies it (max-flow min-cut), and a
    plan satisfying it for all R' survives; valid whether or not f is open when
    ``failover_sla_factor >= 1`` (the normal assignment then re-serves R' inside N).
    :func:`solvers.resilience.solve_survivable` (``method="cuts"``) generates them
    from the minimum cut of each failure that bites.

    Scenario::

        [[constraints.custom]]
        kind = "failover_cut"
        params = { regions = ["r1", "r2"], sites = ["s2", "s3"] }
    """

    def __init__(self, params: dict, where: str) -> None:
        require_params(params, f"{where}.params", {"regions": list, "sites": list})
        for key in ("regions", "sites"):
            if not all(isinstance(v, str) for v in params[key]):
                raise InputError([Problem("<scenario>", f"{where}.params.{key}", "must list ids")])
        self.region_ids = tuple(params["regions"])
        self.site_ids = tuple(params["sites"])
        self.where = where
        self.name = name

    def applies(self, instance) -> bool:
        return bool(self.region_ids)

    def _regions(self, instance) -> np.ndarray:
        index = {r: i for i, r in enumerate(instance.region_ids)}
        unknown = [r for r in self.region_ids if r not in index]
        if unknown:
            raise InputError(
                [
                    Problem(
                        scenario_file(instance),
                        f"{self.where}.params.regions",
                        f"unknown region(s) {unknown}",
                    )
                ]
            )
        return np.array([index[r] for r in self.region_ids], dtype=np.int64)

    def add(self, model: ModelBuilder, instance) -> None:
        regions = self._regions(instance)
        sites = site_indices(instance, self.site_ids, self.where)
        S, T, R = instance.n_sites, instance.n_types, instance.n_regions
        thr = instance.gpu_throughput
        gpu_row = np.zeros(S * T)
        for s in sites:
            gpu_row[s * T : (s + 1) * T] = -thr
        terms = [(model.var("gpus"), sp.csr_matrix(gpu_row[None, :]))]
        if model.has_var("unserved"):
            u_row = np.zeros(R)
            u_row[regions] = -1.0
            terms.append((model.var("unserved"), sp.csr_matrix(u_row[None, :])))
        existing = float((instance.site_existing_gpus[sites] @ thr).sum())
        need = float(instance.region_demand[regions].sum())
        model.add_rows(name, terms, ub=existing - need, name=f"{name}:cut")

    def check(self, instance, plan: dict) -> list[str]:
        regions = self._regions(instance)
        sites = site_indices(instance, self.site_ids, self.where)
        capacity = float((_plan.gpu_counts(instance, plan)[sites] @ instance.gpu_throughput).sum())
        unserved = _plan.unserved(instance, plan)
        need = float((instance.region_demand[regions] - unserved[regions]).sum())
        if need > capacity * (1 + CHECK_TOL) + CHECK_TOL:
            return [f"{self.where}: {need:g} demand units but {capacity:g} failover capacity"]
        return []


CUTS_KIND = "failover_cuts"


@register_constraint(CUTS_KIND)
class FailoverCuts:
    """Custom kind: many failover capacity cuts at once (see :class:`FailoverCut`).

    ``regions[i]`` and ``sites[i]`` are the region set R' and site set N of cut
    ``i``; the rows are built in one sparse block. Each cut also gets its open cover
    (capmax_s: :func:`solvers.failover_cuts.site_capacity_bound`)::

        Σ_{s in N} min(capmax_s, need) open_s + Σ_{R'} u_r  >=  need = Σ_{R'} D_r

    valid because a site's capacity is at most capmax_s when open and 0 when not,
    and capacity beyond ``need`` does not help the cut. Scenario::

        [[constraints.custom]]
        kind = "failover_cuts"
        params = { regions = [["r1", "r2"], ["r3"]], sites = [["s2", "s3"], ["s1"]] }
    """

    def __init__(self, params: dict, where: str) -> None:
        require_params(params, f"{where}.params", {"regions": list, "sites": list})
        regions, sites = params["regions"], params["sites"]
        ok = len(regions) == len(sites) and all(
            isinstance(group, list | tuple) and all(isinstance(v, str) for v in group)
            for group in list(regions) + list(sites)
        )
        if not ok:
            raise InputError(
                [
                    Problem(
                        "<scenario>",
                        f"{where}.params",
                        "regions and sites must be lists of id lists of the same length",
                    )
                ]
            )
        self.regions = tuple(tuple(g) for g in regions)
        self.sites = tuple(tuple(g) for g in sites)
        self.where = where
        self.name = name

    def applies(self, instance) -> bool:
        return bool(self.regions)

    def _indices(self, instance, ids: Sequence[str], groups, key: str) -> list[np.ndarray]:
        index = {v: i for i, v in enumerate(ids)}
        unknown = sorted({v for g in groups for v in g if v not in index})
        if unknown:
            raise InputError(
                [
                    Problem(
                        scenario_file(instance),
                        f"{self.where}.params.{key}",
                        f"unknown id(s) {unknown[:10]}",
                    )
                ]
            )
        return [np.array([index[v] for v in g], dtype=np.int64) for g in groups]

    def add(self, model: ModelBuilder, instance) -> None:
        regions = self._indices(instance, instance.region_ids, self.regions, "regions")
        sites = self._indices(instance, instance.site_ids, self.sites, "sites")
        S, R = instance.n_sites, instance.n_regions
        C = len(regions)
        thr = instance.gpu_throughput
        site_rows = sp.csr_matrix(
            (
                np.ones(sum(g.size for g in sites)),
                (np.repeat(np.arange(C), [g.size for g in sites]), np.concatenate(sites)),
            ),
            shape=(C, S),
        )
        # Row i, column s*T + t: -thr_t for s in N_i.
        gpu_rows = sp.kron(site_rows, sp.csr_matrix(-thr[None, :]), format="csr")
        region_rows = sp.csr_matrix(
            (
                np.ones(sum(g.size for g in regions)),
                (np.repeat(np.arange(C), [g.size for g in regions]), np.concatenate(regions)),
            ),
            shape=(C, R),
        )
        terms = [(model.var("gpus"), gpu_rows)]
        if model.has_var("unserved"):
            terms.append((model.var("unserved"), -region_rows))
        existing = site_rows @ (instance.site_existing_gpus @ thr)
        need = region_rows @ instance.region_demand
        model.add_rows(name, terms, ub=existing - need, name=f"{name}:cuts")
        # Open cover: Σ_{s in N} min(capmax_s, need) open_s + Σ_{R'} u_r >= need.
        capmax = site_capacity_bound(instance)
        coef = site_rows.multiply(np.minimum(capmax[None, :], need[:, None])).tocsr()
        cover = [(model.var("open"), coef)]
        if model.has_var("unserved"):
            cover.append((model.var("unserved"), region_rows))
        model.add_rows(name, cover, lb=need, name=f"{name}:open_cover")

    def check(self, instance, plan: dict) -> list[str]:
        regions = self._indices(instance, instance.region_ids, self.regions, "regions")
        sites = self._indices(instance, instance.site_ids, self.sites, "sites")
        capacity = _plan.gpu_counts(instance, plan) @ instance.gpu_throughput
        served = instance.region_demand - _plan.unserved(instance, plan)
        out = []
        for i, (rs, ss) in enumerate(zip(regions, sites, strict=True)):
            need, have = float(served[rs].sum()), float(capacity[ss].sum())
            if need > have * (1 + CHECK_TOL) + CHECK_TOL:
                out.append(
                    f"{self.where} (cut {i + 1}): {need:g} demand units "
                    f"but {have:g} failover capacity"
                )
        return out
