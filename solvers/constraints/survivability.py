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

The family ``survive_site_failure`` (``applies`` when the flag is set) includes
every site that may open: exact, but one copy of the assignment per site. It is
what :func:`solvers.solve` builds when called with the flag set.
:func:`gpuplace.resilience.solve_survivable` (what the command line runs) solves
the same problem by a cut loop over :func:`solvers.solve` instead, passing its
rows as pieces (``extra_pieces``); its scenario-generation method adds
:func:`add_failover_rows` for the failures that bite only.

``check`` is the verifier's failover rule
(:func:`solvers.verify.failover.check_failover`: a networkx maximum flow per lost
site, RTTs recomputed with networkx/geopy), which shares no code with ``add``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import SiteStatus
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.reachable import reachable_pairs
from gpuplace.solvers.verify.failover import check_failover
from gpuplace.solvers.verify.network import Network
from gpuplace.solvers.verify.parsed import parse_plan

# Family (and row family) name of everything survivability adds.
name = "survive_site_failure"

# Relative tolerance of the check.
CHECK_TOL = 1e-6


def applies(instance) -> bool:
    return bool(instance.constraints.survive_site_failure) and instance.n_sites > 0


def may_open(instance) -> np.ndarray:
    """Indices of the sites that can hold GPUs (not closed, or with existing GPUs)."""
    has_existing = instance.site_existing_gpus.sum(axis=1) > 0
    return np.flatnonzero((instance.site_status != int(SiteStatus.CLOSED)) | has_existing)


def add(model: ModelBuilder, instance) -> None:
    add_failover_rows(model, instance, may_open(instance))


def check(instance, plan: dict) -> list[str]:
    """One message per open site whose loss leaves served demand that cannot be re-served."""
    parsed = parse_plan(instance, plan)
    found = check_failover(instance, parsed, Network(instance), CHECK_TOL)
    return [f"site {v.subject}: {v.message}" for v in found]


def _block_name(model: ModelBuilder) -> str:
    n = 0
    while model.has_var(f"failover_{n}"):
        n += 1
    return f"failover_{n}"


def add_failover_rows(
    model: ModelBuilder, instance, failed_sites: Sequence[int] | np.ndarray, family: str = name
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


__all__ = ["CHECK_TOL", "add", "add_failover_rows", "applies", "check", "may_open", "name"]
