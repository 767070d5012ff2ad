"""Random small placement instances as plain data, and an independent feasibility check.

A :class:`Spec` holds tuples; :func:`build` turns it into an ``Instance`` with
``scenario.build``. Plain data makes every metamorphic transform (scale the
costs, rename ids, loosen the SLA) one ``dataclasses.replace``.

Topologies are chains ``n0 - n1 - ...``, so every minimum-latency path is
unique and this module recomputes RTTs and link loads by hand, sharing no code
with ``topo.latency``, the model or the verifier.

Costs carry small irrational offsets (square roots of primes), so distinct
plans practically never cost the same: the optimum is unique, which lets a
test compare plan contents and not only objectives.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomli_w
from hypothesis import strategies as st

from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints, Instance, Objective
from gpuplace.solvers.result import Solution, SolveParameters
from gpuplace.topo.graph import make_topology

EXACT = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=0)
SETTINGS = {"time_limit_s": 20.0, "gap": 0.0, "threads": 1, "seed": 0}
EARTH_RADIUS_KM = 6371.0088
FIBRE_KM_PER_MS = 200.0
ACCESS_ROUTE_FACTOR = 1.5
REGION_LAT = 0.01  # regions sit 0.01 degree north of their attach node
NODE_SPACING_DEG = 0.5
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43)
INF = math.inf
TOL = 1e-6


def jitter(i: int, scale: float) -> float:
    """A small irrational offset, different for each index."""
    return scale * math.sqrt(_PRIMES[i % len(_PRIMES)])


@dataclass(frozen=True)
class Spec:
    """A placement instance as plain data (``build`` makes the Instance)."""

    node_country: tuple[str, ...]
    edge_ms: tuple[float, ...]  # chain link i joins n_i and n_{i+1}
    edge_cap: tuple[float, ...]
    site_ids: tuple[str, ...]
    site_node: tuple[int, ...]
    site_power: tuple[float, ...]
    site_max_gpus: tuple[float, ...]
    site_fixed: tuple[float, ...]
    site_factor: tuple[float, ...]
    site_pue: tuple[float, ...]
    site_status: tuple[int, ...]
    site_existing: tuple[tuple[int, ...], ...]  # [S][T]
    region_ids: tuple[str, ...]
    region_node: tuple[int, ...]
    region_demand: tuple[float, ...]
    region_sla: tuple[float, ...]
    region_gbps: tuple[float, ...]
    region_allowed: tuple[frozenset[str] | None, ...]
    gpu_types: tuple[str, ...]
    gpu_capex: tuple[float, ...]
    gpu_kw: tuple[float, ...]
    gpu_thr: tuple[float, ...]
    rtt: tuple[tuple[float, ...], ...] | None = None  # measured [R][S]; inf: none
    constraints: Constraints = Constraints()
    objective: Objective = Objective()

    @property
    def n_nodes(self) -> int:
        return len(self.node_country)

    @property
    def n_sites(self) -> int:
        return len(self.site_ids)

    @property
    def n_regions(self) -> int:
        return len(self.region_ids)

    @property
    def n_types(self) -> int:
        return len(self.gpu_types)

    def node_lon(self, node: int) -> float:
        return NODE_SPACING_DEG * node


def build(spec: Spec) -> Instance:
    """The Instance of a spec (attach nodes given; RTTs measured when ``spec.rtt``)."""
    n = spec.n_nodes
    topology = make_topology(
        [f"n{i}" for i in range(n)],
        [0.0] * n,
        [spec.node_lon(i) for i in range(n)],
        [(f"n{i}", f"n{i + 1}") for i in range(n - 1)],
        latency_ms=spec.edge_ms,
        capacity_gbps=spec.edge_cap,
        country=spec.node_country,
        kind=["city"] * n,
    )
    matrix = None
    if spec.rtt is not None:
        rtt = np.asarray(spec.rtt, dtype=float)
        r_idx, s_idx = np.nonzero(np.isfinite(rtt))
        matrix = (r_idx, s_idx, rtt[r_idx, s_idx])
    return build_instance(
        topology=topology,
        site_ids=spec.site_ids,
        site_node=spec.site_node,
        site_power_kw=spec.site_power,
        site_max_gpus=spec.site_max_gpus,
        site_fixed_cost=spec.site_fixed,
        site_cost_factor=spec.site_factor,
        site_pue=spec.site_pue,
        site_status=spec.site_status,
        site_existing_gpus=np.asarray(spec.site_existing, dtype=np.int64).reshape(
            spec.n_sites, spec.n_types
        ),
        region_ids=spec.region_ids,
        region_lat=[REGION_LAT] * spec.n_regions,
        region_lon=[spec.node_lon(a) for a in spec.region_node],
        region_node=spec.region_node,
        region_demand=spec.region_demand,
        region_sla_rtt_ms=spec.region_sla,
        region_gbps_per_unit=spec.region_gbps,
        region_allowed_countries=spec.region_allowed,
        gpu_types=spec.gpu_types,
        gpu_capex=spec.gpu_capex,
        gpu_power_kw=spec.gpu_kw,
        gpu_throughput=spec.gpu_thr,
        matrix=matrix,
        matrix_only=spec.rtt is not None,
        constraints=spec.constraints,
        objective=spec.objective,
        name="prop",
    )


@st.composite
def specs(
    draw,
    *,
    max_nodes: int = 4,
    max_sites: int = 4,
    max_regions: int = 4,
    links: bool = True,
    extras: bool = True,
    matrix: bool = False,
    sla_ms: tuple[float, ...] = (40.0, 15.0, 40.0, 9.0, 3.0),
) -> Spec:
    """Small random specs; ``extras`` adds site statuses, existing GPUs and more constraints."""
    n = draw(st.integers(2, max_nodes))
    S = draw(st.integers(1, max_sites))
    R = draw(st.integers(1, max_regions))
    T = draw(st.integers(1, 2))

    def many(strategy, size):
        return tuple(draw(st.lists(strategy, min_size=size, max_size=size)))

    node_country = many(st.sampled_from(["AU", "NZ"]), n)
    edge_ms = tuple(
        b + jitter(i, 0.01) for i, b in enumerate(many(st.sampled_from([1, 2, 3]), n - 1))
    )
    edge_cap = many(st.sampled_from([INF, 40.0, INF, 12.0]), n - 1) if links else (INF,) * (n - 1)
    site_node = many(st.integers(0, n - 1), S)
    power = many(st.sampled_from([40.0, 24.0, 40.0, 8.0]), S)
    max_gpus = many(st.sampled_from([INF, 16.0, INF, 6.0]), S)
    fixed = tuple(
        b + jitter(s, 0.37) for s, b in enumerate(many(st.sampled_from([0.0, 20.0, 50.0]), S))
    )
    factor = tuple(
        b + jitter(s + 5, 0.003) for s, b in enumerate(many(st.sampled_from([1.0, 1.5]), S))
    )
    pue = many(st.sampled_from([1.0, 1.0, 1.25]), S)
    status = many(st.sampled_from([0, 0, 0, 0, 0, 0, 0, 2, 1]), S) if extras else (0,) * S
    existing = tuple(
        (1,) + (0,) * (T - 1) if has else (0,) * T
        for has in many(st.sampled_from([False] * 9 + [True]) if extras else st.just(False), S)
    )
    region_node = many(st.integers(0, n - 1), R)
    demand = many(st.integers(1, 6).map(float), R)
    sla = many(st.sampled_from(sla_ms), R)
    gbps = many(st.sampled_from([0.0, 0.0, 1.0, 2.0]), R) if links else (0.0,) * R
    allowed = many(st.sampled_from([None] * 5 + [frozenset({"AU"})]), R)
    rtt = None
    if matrix:
        rtt = tuple(
            tuple(
                b + jitter(r * S + s, 0.013) if b < INF else INF
                for s, b in enumerate(many(st.sampled_from([2.0, 5.0, 9.0, 20.0, INF]), S))
            )
            for r in range(R)
        )
    single = draw(st.booleans())
    constraints = Constraints(
        single_sourcing=single,
        redundancy=1 if single or not extras else draw(st.sampled_from([1, 1, 1, 2])),
        max_sites=draw(st.sampled_from([None, 2, None, 1])),
        min_gpus_per_site=draw(st.sampled_from([0, 0, 2])) if extras else 0,
        max_utilisation=draw(st.sampled_from([1.0, 0.8])),
    )
    objective = Objective(latency_weight=draw(st.sampled_from([0.0, 0.5])) + jitter(7, 0.001))
    return Spec(
        node_country=node_country,
        edge_ms=edge_ms,
        edge_cap=edge_cap,
        site_ids=tuple(f"s{s}" for s in range(S)),
        site_node=site_node,
        site_power=power,
        site_max_gpus=max_gpus,
        site_fixed=fixed,
        site_factor=factor,
        site_pue=pue,
        site_status=status,
        site_existing=existing,
        region_ids=tuple(f"r{r}" for r in range(R)),
        region_node=region_node,
        region_demand=demand,
        region_sla=sla,
        region_gbps=gbps,
        region_allowed=allowed,
        gpu_types=("g0", "g1")[:T],
        gpu_capex=(10.0, 24.3)[:T],
        gpu_kw=(1.0, 2.0)[:T],
        gpu_thr=(1.0, 3.0)[:T],
        rtt=rtt,
        constraints=constraints,
        objective=objective,
    )


# --- independent recomputation -------------------------------------------------------------


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def rtt_ms(spec: Spec, r: int, s: int) -> float:
    """Round trip region r -> site s: measured, or access + chain path, twice."""
    if spec.rtt is not None:
        return spec.rtt[r][s]
    a, b = spec.region_node[r], spec.site_node[s]
    lon = spec.node_lon(a)
    access = _haversine_km(REGION_LAT, lon, 0.0, lon) * ACCESS_ROUTE_FACTOR / FIBRE_KM_PER_MS
    lo, hi = sorted((a, b))
    return 2.0 * (access + sum(spec.edge_ms[lo:hi]))


def may_serve(spec: Spec, r: int, s: int) -> str | None:
    """Why site s may not serve region r (SLA or sovereignty), or None when it may."""
    rtt = rtt_ms(spec, r, s)
    if rtt > spec.region_sla[r]:
        return f"sla: {spec.region_ids[r]}->{spec.site_ids[s]} rtt {rtt:g} > {spec.region_sla[r]:g}"
    allowed = spec.region_allowed[r]
    country = spec.node_country[spec.site_node[s]]
    if spec.constraints.sovereignty and allowed is not None and country not in allowed:
        return f"sovereignty: {spec.region_ids[r]}->{spec.site_ids[s]}"
    return None


@dataclass(frozen=True)
class Decisions:
    """What a plan decides, by index: open sites, GPUs held (existing + new), shares."""

    open: tuple[bool, ...]
    gpus: tuple[tuple[int, ...], ...]  # [S][T], existing included
    share: dict[tuple[int, int], float]  # (r, s) -> share


def decisions_of(instance: Instance, solution: Solution) -> Decisions:
    gpus = instance.site_existing_gpus + np.rint(solution.new_gpus).astype(np.int64)
    share = {}
    for r, s, x in zip(instance.pair_region, instance.pair_site, solution.pair_share, strict=True):
        if x > 1e-9:
            share[(int(r), int(s))] = share.get((int(r), int(s)), 0.0) + float(x)
    return Decisions(
        open=tuple(bool(o) for o in solution.open_sites),
        gpus=tuple(tuple(int(v) for v in row) for row in gpus),
        share=share,
    )


class _Checker:
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.borderline = False

    def at_most(self, what: str, value: float, limit: float) -> None:
        scale = max(1.0, abs(limit)) if math.isfinite(limit) else 1.0
        over = value - limit
        if over > TOL * scale:
            self.reasons.append(f"{what}: {value:g} > {limit:g}")
        if 1e-9 * scale < abs(over) < 1e-4 * scale:
            self.borderline = True

    def require(self, what: str, ok: bool) -> None:
        if not ok:
            self.reasons.append(what)


def infeasibility(spec: Spec, d: Decisions) -> tuple[list[str], bool]:
    """Every rule the decisions break (empty: feasible), and whether a check was too close to call.

    Recomputed from the spec alone: RTTs by hand on the chain, link loads along
    the unique chain path from the site to the region, capacity, power, space,
    statuses, counts and budget.
    """
    c = spec.constraints
    check = _Checker()
    S, R = spec.n_sites, spec.n_regions
    served = [0.0] * S
    fwd = [0.0] * (spec.n_nodes - 1)  # n_i -> n_{i+1}
    bwd = [0.0] * (spec.n_nodes - 1)
    for r in range(R):
        total = sum(x for (rr, _), x in d.share.items() if rr == r)
        check.at_most(f"{spec.region_ids[r]} share sum", total, 1.0)
        check.at_most(f"{spec.region_ids[r]} unserved", 1.0, total)
        used = [(s, x) for (rr, s), x in d.share.items() if rr == r and x > 1e-9]
        if c.single_sourcing:
            check.require(f"{spec.region_ids[r]} single sourcing", len(used) <= 1)
        for s, x in used:
            why = may_serve(spec, r, s)
            if why:
                check.reasons.append(why)
            check.require(f"{spec.site_ids[s]} serves but is closed", d.open[s])
            if c.single_sourcing:
                check.require(f"{spec.region_ids[r]} fractional share", abs(x - 1.0) < TOL)
            check.at_most(f"{spec.region_ids[r]} redundancy", x, 1.0 / c.redundancy)
            load = spec.region_demand[r] * x
            served[s] += load
            gbps = load * spec.region_gbps[r]
            a, b = spec.region_node[r], spec.site_node[s]
            for i in range(min(a, b), max(a, b)):
                (fwd if b < a else bwd)[i] += gbps
    for i in range(spec.n_nodes - 1):
        if c.link_capacity:
            check.at_most(f"link {i} forward", fwd[i], spec.edge_cap[i])
            check.at_most(f"link {i} backward", bwd[i], spec.edge_cap[i])
    cost = 0.0
    for s in range(S):
        gpus = d.gpus[s]
        n_gpus = sum(gpus)
        capacity = sum(g * t for g, t in zip(gpus, spec.gpu_thr, strict=True))
        power = sum(g * k for g, k in zip(gpus, spec.gpu_kw, strict=True)) * spec.site_pue[s]
        sid = spec.site_ids[s]
        check.at_most(f"{sid} capacity", served[s], c.max_utilisation * capacity)
        check.at_most(f"{sid} power", power, spec.site_power[s] if d.open[s] else 0.0)
        check.at_most(f"{sid} space", n_gpus, spec.site_max_gpus[s] if d.open[s] else 0.0)
        check.require(
            f"{sid} fewer GPUs than existing",
            all(g >= e for g, e in zip(gpus, spec.site_existing[s], strict=True)),
        )
        check.require(f"{sid} status closed but open", not (d.open[s] and spec.site_status[s] == 2))
        check.require(f"{sid} status open but closed", d.open[s] or spec.site_status[s] != 1)
        if d.open[s]:
            check.at_most(f"{sid} min GPUs", c.min_gpus_per_site, n_gpus)
            cost += spec.site_fixed[s]
        new = [g - e for g, e in zip(gpus, spec.site_existing[s], strict=True)]
        cost += spec.site_factor[s] * sum(n * p for n, p in zip(new, spec.gpu_capex, strict=True))
    n_open = sum(d.open)
    if c.max_sites is not None:
        check.at_most("max_sites", n_open, c.max_sites)
    if c.min_sites is not None:
        check.at_most("min_sites", c.min_sites, n_open)
    if c.budget is not None:
        check.at_most("budget", cost, c.budget)
    return check.reasons, check.borderline


# --- transforms ----------------------------------------------------------------------------


def scale_costs(spec: Spec, factor: float) -> Spec:
    """Every money amount times ``factor`` (fixed costs, capex, latency weight, budget)."""
    c = spec.constraints
    return dataclasses.replace(
        spec,
        site_fixed=tuple(v * factor for v in spec.site_fixed),
        gpu_capex=tuple(v * factor for v in spec.gpu_capex),
        constraints=dataclasses.replace(
            c,
            budget=None if c.budget is None else c.budget * factor,
            unserved_penalty=c.unserved_penalty * factor,
        ),
        objective=dataclasses.replace(
            spec.objective, latency_weight=spec.objective.latency_weight * factor
        ),
    )


def permute(spec: Spec, site_order: list[int], region_order: list[int]) -> Spec:
    """Rows reordered (new row i is old row ``order[i]``) and every id renamed."""
    so, ro = site_order, region_order

    def s_rows(values):
        return tuple(values[i] for i in so)

    def r_rows(values):
        return tuple(values[i] for i in ro)

    rtt = None
    if spec.rtt is not None:
        rtt = tuple(tuple(spec.rtt[r][s] for s in so) for r in ro)
    return dataclasses.replace(
        spec,
        site_ids=tuple(f"site-{spec.site_ids[i]}-x" for i in so),
        site_node=s_rows(spec.site_node),
        site_power=s_rows(spec.site_power),
        site_max_gpus=s_rows(spec.site_max_gpus),
        site_fixed=s_rows(spec.site_fixed),
        site_factor=s_rows(spec.site_factor),
        site_pue=s_rows(spec.site_pue),
        site_status=s_rows(spec.site_status),
        site_existing=s_rows(spec.site_existing),
        region_ids=tuple(f"user-{spec.region_ids[i]}-y" for i in ro),
        region_node=r_rows(spec.region_node),
        region_demand=r_rows(spec.region_demand),
        region_sla=r_rows(spec.region_sla),
        region_gbps=r_rows(spec.region_gbps),
        region_allowed=r_rows(spec.region_allowed),
        rtt=rtt,
    )


def with_constraints(spec: Spec, **changes) -> Spec:
    return dataclasses.replace(spec, constraints=dataclasses.replace(spec.constraints, **changes))


# --- a scenario on disk --------------------------------------------------------------------

TOPOLOGY = {
    "nodes": [
        {"id": "A", "lat": 0.0, "lon": 0.0, "country": "AU", "kind": "city"},
        {"id": "B", "lat": 0.0, "lon": 1.0, "country": "AU", "kind": "city"},
        {"id": "C", "lat": 0.0, "lon": 2.0, "country": "NZ", "kind": "city"},
    ],
    "links": [
        {"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 10},
        {"source": "B", "target": "C", "capacity_gbps": 10},
    ],
}
SITES = "id,node,power_kw,fixed_cost\ns1,A,100,1000\ns2,C,100,800\ns3,B,50,700\n"
REGIONS = "id,lat,lon,demand,sla_rtt_ms,allowed_countries\nr1,0.1,0.0,10,50,\nr2,0.1,2.0,5,50,NZ\n"
GPUS = "type,capex,power_kw,throughput\nH100,100,1.0,10\nL40S,40,0.5,3\n"
BASE = {
    "name": "roundtrip",
    "topology": {"file": "topology.json"},
    "sites": {"file": "sites.csv"},
    "regions": {"file": "regions.csv"},
    "gpus": {"file": "gpus.csv"},
    "solver": {"time_limit_s": 10},
}


def write_files(folder: Path, toml_name: str = "scenario.toml") -> Path:
    """Write the small file scenario (``BASE`` and its tables) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "topology.json").write_text(json.dumps(TOPOLOGY))
    (folder / "sites.csv").write_text(SITES)
    (folder / "regions.csv").write_text(REGIONS)
    (folder / "gpus.csv").write_text(GPUS)
    path = folder / toml_name
    path.write_text(tomli_w.dumps(BASE))
    return path
