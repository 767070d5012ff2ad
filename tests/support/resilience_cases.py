"""Tiny hand-solvable instances for the resilience tests.

Line network A - B - C (5 ms one-way per hop), plus a detour A - D - B through a
waypoint D (6 ms per hop). Regions rA at A and rC at C (no access latency), demand
10 each, SLA 12 ms RTT: rA reaches sA (0 ms) and sB (10 ms), rC reaches sB and sC.
One GPU type, throughput 1, capex 100. Fixed costs sA 1000, sB 500, sC 1000.

Known answers:

- plain plan: sB alone with 20 GPUs, cost 2500;
- survivable plan (failover factor 1): 10 GPUs at each of sA, sB, sC, cost 5500;
- redundancy 2: sA 5, sB 10, sC 5 GPUs, cost 4500, half the demand guaranteed;
- losing link A-B moves rA - sB onto the detour: RTT 24 ms > SLA.
"""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints, Instance
from gpuplace.topo.graph import make_topology

NODES = ("A", "B", "C", "D")
LAT = (0.0, 0.0, 0.0, 0.1)
LON = (0.0, 1.0, 2.0, 0.5)
EDGES = (("A", "B"), ("B", "C"), ("A", "D"), ("D", "B"))
EDGE_MS = (5.0, 5.0, 6.0, 6.0)


def line_instance(
    constraints: Constraints = Constraints(),
    *,
    capacity_gbps: tuple[float, ...] = (np.inf, np.inf, np.inf, np.inf),
    gbps_per_unit: float = 0.0,
) -> Instance:
    topology = make_topology(
        NODES,
        LAT,
        LON,
        EDGES,
        latency_ms=EDGE_MS,
        capacity_gbps=capacity_gbps,
        kind=("city", "city", "city", "waypoint"),
    )
    return build_instance(
        topology=topology,
        site_ids=("sA", "sB", "sC"),
        site_node=(0, 1, 2),
        site_power_kw=(1000.0, 1000.0, 1000.0),
        site_fixed_cost=(1000.0, 500.0, 1000.0),
        region_ids=("rA", "rC"),
        region_lat=(0.0, 0.0),
        region_lon=(0.0, 2.0),
        region_node=(0, 2),
        region_demand=(10.0, 10.0),
        region_sla_rtt_ms=(12.0, 12.0),
        region_gbps_per_unit=(gbps_per_unit, gbps_per_unit),
        gpu_types=("G",),
        gpu_capex=(100.0,),
        gpu_power_kw=(1.0,),
        gpu_throughput=(1.0,),
        constraints=constraints,
        name="line",
    )


def plan_dict(gpus: dict[str, int], assignments: list[tuple[str, str, float]]) -> dict:
    """A plan file's object with the given GPUs and assignments (the fields failure analysis
    reads; the other fields PLAN.md requires hold placeholders)."""
    kpis = dict.fromkeys(("total_cost", "served_fraction", "mean_rtt_ms", "p95_rtt_ms"))
    kpis.update(sites_open=len(gpus), gpus={"G": sum(gpus.values())}, max_link_utilisation=None)
    solver = {"name": "hand", "version": "1", "time_limit_s": None, "gap": None}
    return {
        "schema": "gpuplace.plan/1",
        "scenario": {"name": "line", "sha256": ""},
        "solver": dict(solver, threads=None, seed=None),
        "status": "optimal",
        "objective": 0.0,
        "bound": None,
        "gap": None,
        "wall_s": 0.0,
        "kpis": kpis,
        "sites": [
            {
                "id": s,
                "node": "ABC"["sAsBsC".index(s) // 2],
                "gpus": {"G": n},
                "new_gpus": {"G": n},
                "power_kw": 0.0,
                "served_demand": 0.0,
                "utilisation": 0.0,
            }
            for s, n in gpus.items()
        ],
        "assignments": [
            {"region": r, "site": s, "share": share, "demand": 10.0, "rtt_ms": 0.0}
            for r, s, share in assignments
        ],
        "unserved": [],
        "links": [],
        "diagnosis": [],
    }


PLAIN_PLAN = plan_dict({"sB": 20}, [("rA", "sB", 1.0), ("rC", "sB", 1.0)])
SURVIVABLE_PLAN = plan_dict(
    {"sA": 10, "sB": 10, "sC": 10},
    [("rA", "sA", 1.0), ("rC", "sC", 1.0)],
)
REDUNDANT_PLAN = plan_dict(
    {"sA": 5, "sB": 10, "sC": 5},
    [("rA", "sA", 0.5), ("rA", "sB", 0.5), ("rC", "sB", 0.5), ("rC", "sC", 0.5)],
)


def write_line_scenario(folder, constraints: str = "") -> str:
    """The line instance as scenario files in ``folder``; returns the TOML path."""
    import json
    from pathlib import Path

    folder = Path(folder)
    kinds = ("city", "city", "city", "waypoint")
    topology = {
        "nodes": [
            {"id": n, "lat": la, "lon": lo, "kind": k}
            for n, la, lo, k in zip(NODES, LAT, LON, kinds, strict=True)
        ],
        "edges": [
            {"source": u, "target": v, "latency_ms": ms}
            for (u, v), ms in zip(EDGES, EDGE_MS, strict=True)
        ],
    }
    (folder / "topology.json").write_text(json.dumps(topology), encoding="utf-8")
    (folder / "sites.csv").write_text(
        "id,node,power_kw,fixed_cost\nsA,A,1000,1000\nsB,B,1000,500\nsC,C,1000,1000\n",
        encoding="utf-8",
    )
    (folder / "regions.csv").write_text(
        "id,lat,lon,demand,sla_rtt_ms,node\nrA,0,0,10,12,A\nrC,0,2,10,12,C\n", encoding="utf-8"
    )
    (folder / "gpus.csv").write_text(
        "type,capex,power_kw,throughput\nG,100,1,1\n", encoding="utf-8"
    )
    toml = folder / "scenario.toml"
    toml.write_text(
        'name = "line"\n[topology]\nfile = "topology.json"\n[sites]\nfile = "sites.csv"\n'
        '[regions]\nfile = "regions.csv"\n[gpus]\nfile = "gpus.csv"\n'
        f"[constraints]\n{constraints}\n"
        '[solver]\nname = "highs"\ngap = 0.0\ntime_limit_s = 20\n',
        encoding="utf-8",
    )
    return str(toml)
