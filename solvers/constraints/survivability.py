"""Survive the loss of one site: ``survive_site_failure = true``.

After the loss of any ONE open site f, the demand the plan serves can be re-served
by the other open sites within ``sla_rtt_ms × failover_sla_factor``, with those
sites at up to 100 % utilisation. Link capacities are NOT enforced in failover
(traffic may exceed a link's nominal capacity until the site is repaired).

Formulation, for each failure case f in the included set F, with failover pairs
(r, s) within the failover SLA (and an allowed country when sovereignty is on),
``y^f_rs`` in [0, 1] the share of r re-served by s != f::

    Σ_{s != f} y^f_rs  >=  open_f − u_r / D_r          for every region r, D_r > 0
    Σ_r D_r y^f_rs     <=  Σ_t thr_t (E_st + g_st)     for every site s != f
    y^f_rs             <=  open_s

``u_r`` (unserved demand) appears only when the model has it: what the plan does
not serve need not be re-served. A closed f requires nothing.

Ways to use it:

- the family ``survive_site_failure`` (``applies`` when the flag is set) includes
  every site that may open: exact, but one copy of the assignment per site.
  :func:`solvers.resilience.solve_survivable` (what ``solvers.solve`` runs when the
  flag is set) instead adds only what the failures that bite need;
- the custom kind ``survive_site_failure`` with ``params = { sites = [...] }``
  includes just the named sites (``[[constraints.custom]]``): how the
  scenario-generation loop (``method="scenarios"``) passes its cases to the model;
- the custom kind ``failover_cut`` (:class:`FailoverCut`): one capacity cut
  (Hall inequality) of the failover problem, over the GPU variables only;
- the custom kinds the default loop (``method="cuts"``,
  :mod:`solvers.survivable_cuts`) passes its rows through, each valid for every
  survivable plan when ``failover_sla_factor >= 1``: ``failover_cuts``
  (:class:`FailoverCuts`: many capacity cuts in one block, each with its open-cover
  row), ``failover_min_open`` (:class:`FailoverMinOpen`: two open sites within each
  region's failover reach) and ``failover_spread`` (:class:`FailoverSpread`: the
  capacity a region set needs for the number of sites it spreads over).

``check`` re-verifies survivability from the plan dict alone: latency with the
verifier's networkx/geopy model and one LP per failed site (scipy HiGHS), sharing
no code with ``add``.

This module holds the family and the ``survive_site_failure`` kind; the check is
in :mod:`solvers.constraints.failover_check`, the capacity-cut kinds in
:mod:`solvers.constraints.failover_capacity_cuts` and the a-priori kinds in
:mod:`solvers.constraints.failover_apriori`. Importing this module registers them
all, and every name stays importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from gpuplace.errors import InputError, Problem
from gpuplace.scenario.instance import SiteStatus
from gpuplace.solvers.constraints._failover import FAMILY, site_indices
from gpuplace.solvers.constraints.base import require_params
from gpuplace.solvers.constraints.failover_apriori import (
    MIN_OPEN_KIND,
    SPREAD_KIND,
    FailoverMinOpen,
    FailoverSpread,
)
from gpuplace.solvers.constraints.failover_capacity_cuts import (
    CUT_KIND,
    CUTS_KIND,
    FailoverCut,
    FailoverCuts,
)
from gpuplace.solvers.constraints.failover_check import check_failover
from gpuplace.solvers.constraints.registry import register_constraint
from gpuplace.solvers.model.builder import ModelBuilder

name = FAMILY


def applies(instance) -> bool:
    return bool(instance.constraints.survive_site_failure) and instance.n_sites > 0


def may_open(instance) -> np.ndarray:
    """Indices of the sites that can hold GPUs (not closed, or with existing GPUs)."""
    has_existing = instance.site_existing_gpus.sum(axis=1) > 0
    return np.flatnonzero((instance.site_status != int(SiteStatus.CLOSED)) | has_existing)


def add(model: ModelBuilder, instance) -> None:
    add_failover_rows(model, instance, may_open(instance))


def check(instance, plan: dict) -> list[str]:
    return check_failover(instance, plan)


def _block_name(model: ModelBuilder) -> str:
    n = 0
    while model.has_var(f"failover_{n}"):
        n += 1
    return f"failover_{n}"


def add_failover_rows(
    model: ModelBuilder, instance, failed_sites: Sequence[int], family: str = name
) -> None:
    """Add failover variables and rows for each site in ``failed_sites`` (see module docstring).

    Parameters
    ----------
    model : ModelBuilder
        The model with the core blocks ``open``, ``gpus``, ``share`` (and ``unserved``).
    instance : Instance
        The scenario.
    failed_sites : sequence of int
        Site indices whose loss the plan must survive.
    family : str
        Family name of the rows (diagnosis).
    """
    from gpuplace.solvers.resilience import reachable_pairs

    failed = np.unique(np.asarray(failed_sites, dtype=np.int64))
    if failed.size == 0:
        return
    S, T, R = instance.n_sites, instance.n_types, instance.n_regions
    demand = instance.region_demand
    pairs = reachable_pairs(instance, sla_factor=instance.constraints.failover_sla_factor)
    live = demand[pairs.region] > 0
    p_region, p_site = pairs.region[live], pairs.site[live]

    # One y variable per (case, pair with site != failed site of the case).
    n_cases = failed.size
    case_of = np.repeat(np.arange(n_cases), p_region.size)
    region_of = np.tile(p_region, n_cases)
    site_of = np.tile(p_site, n_cases)
    keep = site_of != failed[case_of]
    case_of, region_of, site_of = case_of[keep], region_of[keep], site_of[keep]
    V = case_of.size
    quanta = float(model.meta.get("share_quanta", 1000))
    y = model.add_vars(_block_name(model), V, lb=0.0, ub=1.0, step=1.0 / quanta)
    cols = np.arange(V)

    # Cover: Σ_s y^f_rs - open_f + u_r / D_r >= 0 for every (case, region with demand).
    regions = np.flatnonzero(demand > 0)
    row_of_region = np.full(R, -1, dtype=np.int64)
    row_of_region[regions] = np.arange(regions.size)
    n_cover = n_cases * regions.size
    cover_row = case_of * regions.size + row_of_region[region_of]
    cover_y = sp.csr_matrix((np.ones(V), (cover_row, cols)), shape=(n_cover, V))
    cover_case = np.repeat(np.arange(n_cases), regions.size)
    cover_open = sp.csr_matrix(
        (-np.ones(n_cover), (np.arange(n_cover), failed[cover_case])), shape=(n_cover, S)
    )
    terms = [(y, cover_y), (model.var("open"), cover_open)]
    if model.has_var("unserved"):
        cover_region = np.tile(regions, n_cases)
        inv = 1.0 / demand[cover_region]
        terms.append(
            (
                model.var("unserved"),
                sp.csr_matrix((inv, (np.arange(n_cover), cover_region)), shape=(n_cover, R)),
            )
        )
    model.add_rows(family, terms, lb=0.0, name=f"{family}:cover")

    # Capacity at 100 %: Σ_r D_r y^f_rs - Σ_t thr_t g_st <= Σ_t thr_t E_st, per (case, s != f).
    cap_row = case_of * S + site_of
    used_rows, row_index = np.unique(cap_row, return_inverse=True)
    n_cap = used_rows.size
    cap_y = sp.csr_matrix((demand[region_of], (row_index, cols)), shape=(n_cap, V))
    row_site = used_rows % S
    thr = instance.gpu_throughput
    cap_gpus = sp.csr_matrix(
        (
            -np.tile(thr, n_cap),
            (np.repeat(np.arange(n_cap), T), (row_site[:, None] * T + np.arange(T)).ravel()),
        ),
        shape=(n_cap, S * T),
    )
    existing = instance.site_existing_gpus[row_site] @ thr
    model.add_rows(
        family, [(y, cap_y), (model.var("gpus"), cap_gpus)], ub=existing, name=f"{family}:capacity"
    )

    # Only open sites re-serve: y^f_rs - open_s <= 0.
    link_open = sp.csr_matrix((-np.ones(V), (cols, site_of)), shape=(V, S))
    model.add_rows(
        family,
        [(y, sp.identity(V, format="csr")), (model.var("open"), link_open)],
        ub=0.0,
        name=f"{family}:open",
    )


@register_constraint(name)
class SurviveSiteFailure:
    """Custom kind: survive the loss of each of the named sites.

    Scenario::

        [[constraints.custom]]
        kind = "survive_site_failure"
        params = { sites = ["syd1", "sin1"] }
    """

    def __init__(self, params: dict, where: str) -> None:
        require_params(params, f"{where}.params", {"sites": list})
        ids = params["sites"]
        if not all(isinstance(s, str) for s in ids):
            raise InputError([Problem("<scenario>", f"{where}.params.sites", "must list site ids")])
        self.site_ids = tuple(ids)
        self.where = where
        self.name = f"{name}[{','.join(self.site_ids)}]"

    def applies(self, instance) -> bool:
        return bool(self.site_ids)

    def add(self, model: ModelBuilder, instance) -> None:
        add_failover_rows(
            model, instance, site_indices(instance, self.site_ids, self.where), family=name
        )

    def check(self, instance, plan: dict) -> list[str]:
        return check_failover(instance, plan, site_indices(instance, self.site_ids, self.where))


__all__ = [
    "CUTS_KIND",
    "CUT_KIND",
    "MIN_OPEN_KIND",
    "SPREAD_KIND",
    "FailoverCut",
    "FailoverCuts",
    "FailoverMinOpen",
    "FailoverSpread",
    "SurviveSiteFailure",
    "add",
    "add_failover_rows",
    "applies",
    "check",
    "check_failover",
    "may_open",
    "name",
]
