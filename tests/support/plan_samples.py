"""A tiny in-memory instance and two hand-made plans for it (PLAN.md)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Instance
from gpuplace.topo.graph import make_topology

NODES = ("Sydney", "Melbourne", "Brisbane", "Auckland", "Sea")
LAT = (-33.87, -37.81, -27.47, -36.85, float("nan"))
LON = (151.21, 144.96, 153.03, 174.76, float("nan"))
EDGES = (
    ("Sydney", "Melbourne"),
    ("Sydney", "Brisbane"),
    ("Sydney", "Auckland"),
    ("Auckland", "Sea"),
)


def tiny_instance() -> Instance:
    """Four cities (one node without coordinates), three sites, four regions, two GPU types."""
    topology = make_topology(
        NODES,
        LAT,
        LON,
        EDGES,
        latency_ms=(4.5, 4.0, 11.0, 1.0),
        capacity_gbps=(100.0, 100.0, 40.0, 10.0),
        country=("AU", "AU", "AU", "NZ", ""),
        kind=("city", "city", "city", "city", "waypoint"),
    )
    return build_instance(
        topology=topology,
        site_ids=("syd1", "mel1", "akl1"),
        site_node=(0, 1, 3),
        site_power_kw=(500.0, 500.0, 200.0),
        site_fixed_cost=(1e6, 1.2e6, 0.8e6),
        region_ids=("Parramatta", "Geelong", "GoldCoast", "Wellington"),
        region_lat=(-33.81, -38.15, -28.02, -41.29),
        region_lon=(151.00, 144.36, 153.40, 174.78),
        region_demand=(40.0, 20.0, 10.0, 5.0),
        region_sla_rtt_ms=(30.0, 30.0, 30.0, 40.0),
        gpu_types=("H100", "L40S"),
        gpu_capex=(30000.0, 9000.0),
        gpu_power_kw=(1.0, 0.4),
        gpu_throughput=(2.0, 0.8),
        region_gbps_per_unit=(0.5, 0.5, 0.5, 0.5),
        name="tiny",
        sha256="a" * 64,
    )


def plan_a() -> dict[str, Any]:
    """Sydney and Auckland open; everything from Sydney except Wellington."""
    return {
        "schema": "gpuplace.plan/1",
        "scenario": {"name": "tiny", "sha256": "a" * 64},
        "solver": {
            "name": "cpsat",
            "version": "9.x",
            "time_limit_s": 10,
            "gap": 0.01,
            "threads": 1,
            "seed": 0,
        },
        "status": "optimal",
        "objective": 2_620_000.0,
        "bound": 2_600_000.0,
        "gap": 0.0076,
        "wall_s": 0.5,
        "kpis": {
            "total_cost": 2_620_000.0,
            "sites_open": 2,
            "gpus": {"H100": 36, "L40S": 4},
            "served_fraction": 1.0,
            "mean_rtt_ms": 6.1,
            "p95_rtt_ms": 24.0,
            "max_link_utilisation": 0.25,
        },
        "sites": [
            {
                "id": "syd1",
                "node": "Sydney",
                "gpus": {"H100": 35},
                "new_gpus": {"H100": 35},
                "power_kw": 35.0,
                "served_demand": 70.0,
                "utilisation": 1.0,
            },
            {
                "id": "akl1",
                "node": "Auckland",
                "gpus": {"H100": 1, "L40S": 4},
                "new_gpus": {"H100": 1, "L40S": 4},
                "power_kw": 2.6,
                "served_demand": 5.0,
                "utilisation": 0.96,
            },
        ],
        "assignments": [
            {"region": "Parramatta", "site": "syd1", "share": 1.0, "demand": 40.0, "rtt_ms": 0.4},
            {"region": "Geelong", "site": "syd1", "share": 1.0, "demand": 20.0, "rtt_ms": 9.9},
            {"region": "GoldCoast", "site": "syd1", "share": 1.0, "demand": 10.0, "rtt_ms": 8.7},
            {"region": "Wellington", "site": "akl1", "share": 1.0, "demand": 5.0, "rtt_ms": 24.0},
        ],
        "unserved": [],
        "links": [
            {"source": "Sydney", "target": "Melbourne", "load_gbps": 10.0, "capacity_gbps": 100.0},
            {"source": "Sydney", "target": "Brisbane", "load_gbps": 5.0, "capacity_gbps": 100.0},
            {"source": "Auckland", "target": "Sea", "load_gbps": 2.5, "capacity_gbps": 10.0},
        ],
        "diagnosis": [],
    }


def plan_b() -> dict[str, Any]:
    """Sydney and Melbourne open; Geelong moves to Melbourne, Wellington to Sydney."""
    plan = copy.deepcopy(plan_a())
    plan["solver"]["name"] = "highs"
    plan["objective"] = plan["kpis"]["total_cost"] = 3_000_000.0
    plan["bound"] = 3_000_000.0
    plan["gap"] = 0.0
    plan["wall_s"] = 1.25
    plan["kpis"].update(
        {
            "gpus": {"H100": 38},
            "mean_rtt_ms": 5.0,
            "p95_rtt_ms": 20.0,
            "max_link_utilisation": 0.0625,
        }
    )
    plan["sites"] = [
        {
            "id": "syd1",
            "node": "Sydney",
            "gpus": {"H100": 28},
            "new_gpus": {"H100": 28},
            "power_kw": 28.0,
            "served_demand": 55.0,
            "utilisation": 0.98,
        },
        {
            "id": "mel1",
            "node": "Melbourne",
            "gpus": {"H100": 10},
            "new_gpus": {"H100": 10},
            "power_kw": 10.0,
            "served_demand": 20.0,
            "utilisation": 1.0,
        },
    ]
    plan["assignments"] = [
        {"region": "Parramatta", "site": "syd1", "share": 1.0, "demand": 40.0, "rtt_ms": 0.4},
        {"region": "Geelong", "site": "mel1", "share": 0.75, "demand": 15.0, "rtt_ms": 1.2},
        {"region": "Geelong", "site": "syd1", "share": 0.25, "demand": 5.0, "rtt_ms": 9.9},
        {"region": "GoldCoast", "site": "syd1", "share": 1.0, "demand": 10.0, "rtt_ms": 8.7},
        {"region": "Wellington", "site": "syd1", "share": 1.0, "demand": 5.0, "rtt_ms": 32.0},
    ]
    plan["links"] = [
        {"source": "Sydney", "target": "Brisbane", "load_gbps": 5.0, "capacity_gbps": 100.0},
        {"source": "Sydney", "target": "Auckland", "load_gbps": 2.5, "capacity_gbps": 40.0},
    ]
    return plan


SCENARIO_TOML = """\
name = "tiny"

[topology]
file = "topology.json"

[sites]
file = "sites.csv"

[regions]
file = "regions.csv"
gbps_per_unit = 0.5

[gpus]
file = "gpus.csv"

[constraints]
budget = 5.0e6

[solver]
time_limit_s = 5
threads = 1
"""

SITES_CSV = """\
id,node,power_kw,fixed_cost
syd1,Sydney,500,1000000
mel1,Melbourne,500,1200000
akl1,Auckland,200,800000
"""

REGIONS_CSV = """\
id,lat,lon,demand,sla_rtt_ms
Parramatta,-33.81,151.00,40,30
Geelong,-38.15,144.36,20,30
GoldCoast,-28.02,153.40,10,30
Wellington,-41.29,174.78,5,40
"""

GPUS_CSV = """\
type,capex,power_kw,throughput
H100,30000,1.0,2.0
L40S,9000,0.4,0.8
"""


def write_tiny_scenario(folder) -> Path:
    """The tiny instance as scenario files in ``folder``; returns the TOML path."""
    import json

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    nodes = [
        {"id": n, "lat": la, "lon": lo, "country": c, "kind": "city"}
        for n, la, lo, c in zip(NODES[:4], LAT[:4], LON[:4], ("AU", "AU", "AU", "NZ"), strict=True)
    ]
    edges = [
        {"source": u, "target": v, "latency_ms": ms, "capacity_gbps": cap}
        for (u, v), ms, cap in zip(EDGES[:3], (4.5, 4.0, 11.0), (100.0, 100.0, 40.0), strict=True)
    ]
    (folder / "topology.json").write_text(json.dumps({"nodes": nodes, "edges": edges}))
    (folder / "sites.csv").write_text(SITES_CSV)
    (folder / "regions.csv").write_text(REGIONS_CSV)
    (folder / "gpus.csv").write_text(GPUS_CSV)
    path = folder / "scenario.toml"
    path.write_text(SCENARIO_TOML)
    return path
