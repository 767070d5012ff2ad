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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from scenario.errors import InputError, Problem
from scenario.instance import SiteStatus
from solvers.constraints import _plan
from solvers.constraints.base import require_params, scenario_file
from solvers.constraints.registry import register_constraint
from solvers.failover_cuts import site_capacity_bound
from solvers.model.builder import ModelBuilder

name = "survive_site_failure"

# Relative tolerance of the independent check on re-served demand.
_CHECK_TOL = 1e-6


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
    from solvers.resilience import reachable_pairs

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


def _sites_of(instance, ids: Sequence[str], where: str) -> np.ndarray:
    index = {s: i for i, s in enumerate(instance.site_ids)}
    unknown = [s for s in ids if s not in index]
    if unknown:
        raise InputError(
            [
                Problem(
                    scenario_file(instance), f"{where}.params.sites", f"unknown site(s) {unknown}"
                )
            ]
        )
    return np.array([index[s] for s in ids], dtype=np.int64)


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
    from solvers.verify.network import Network

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
        if need - flow > _CHECK_TOL * max(need, 1.0):
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
            model, instance, _sites_of(instance, self.site_ids, self.where), family=name
        )

    def check(self, instance, plan: dict) -> list[str]:
        return check_failover(instance, plan, _sites_of(instance, self.site_ids, self.where))


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
        sites = _sites_of(instance, self.site_ids, self.where)
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
        sites = _sites_of(instance, self.site_ids, self.where)
        capacity = float((_plan.gpu_counts(instance, plan)[sites] @ instance.gpu_throughput).sum())
        unserved = _plan.unserved(instance, plan)
        need = float((instance.region_demand[regions] - unserved[regions]).sum())
        if need > capacity * (1 + _CHECK_TOL) + _CHECK_TOL:
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
            if need > have * (1 + _CHECK_TOL) + _CHECK_TOL:
                out.append(
                    f"{self.where} (cut {i + 1}): {need:g} demand units "
                    f"but {have:g} failover capacity"
                )
        return out


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
            if served > _CHECK_TOL * max(1.0, float(instance.region_demand[r])):
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
            if n <= 1 or have < need * n / (n - 1) * (1 - _CHECK_TOL) - _CHECK_TOL:
                out.append(
                    f"{self.where} (set {i + 1}): {have:g} capacity at {n} site(s) cannot "
                    f"cover {need:g} demand units after the loss of any one of them"
                )
        return out
