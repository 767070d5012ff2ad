"""Tiny scenarios with periods of the day, solvable by hand.

Two regions twelve hours apart (UTC+00:00 and UTC+12:00) share one site. Each
region's demand is 10 units from 18:00 to 21:59 local time and 2 units
otherwise; one GPU serves 1 unit and costs 100. The busiest UTC hour needs
10 + 2 = 12 GPUs (each region peaks while the other is at 2), so the shared pool
holds 12 GPUs (cost 1,200); sizing each region for its own peak needs 10 + 10 = 20
(cost 2,000): the follow-the-sun saving is 800 (40 %).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gpuplace.scenario import load_instance

NODES = [
    {"id": "A", "lat": 0.0, "lon": 0.0, "country": "AU", "kind": "city"},
    {"id": "B", "lat": 0.0, "lon": 1.0, "country": "AU", "kind": "city"},
]
LINKS = [{"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 1000}]
SITES = "id,node,power_kw,max_gpus,fixed_cost\ns1,A,1000,100,0\n"
REGIONS = (
    "id,lat,lon,demand,sla_rtt_ms,gbps_per_unit,tz\n"
    "west,0.0,0.1,10,50,0,+00:00\n"
    "east,0.0,0.9,10,50,0,+12:00\n"
)
GPUS = "type,capex,power_kw,throughput\nG,100,1.0,1\n"
PROFILE = "hour,factor\n" + "".join(f"{h},{1.0 if 18 <= h <= 21 else 0.2}\n" for h in range(24))
TOML = """name = "time-tiny"
[topology]
file = "topology.json"
[sites]
file = "sites.csv"
[regions]
file = "regions.csv"
[gpus]
file = "gpus.csv"
[solver]
name = "highs"
time_limit_s = 20
gap = 0.0
threads = 1
"""
TIME = """[time]
periods = "hourly"
profile = "profile.csv"
"""
SHARED_GPUS = 12
PEAK_SIZED_GPUS = 20


def write_time_scenario(
    folder: Path,
    *,
    regions: str = REGIONS,
    sites: str = SITES,
    links: list[dict] | None = None,
    time: str = TIME,
    extra_toml: str = "",
    files: dict[str, str] | None = None,
) -> Path:
    """Write the scenario into ``folder`` (created); returns the TOML path."""
    folder.mkdir(parents=True, exist_ok=True)
    topology = {"nodes": NODES, "links": LINKS if links is None else links}
    (folder / "topology.json").write_text(json.dumps(topology, indent=1))
    (folder / "sites.csv").write_text(sites)
    (folder / "regions.csv").write_text(regions)
    (folder / "gpus.csv").write_text(GPUS)
    (folder / "profile.csv").write_text(PROFILE)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    path = folder / "scenario.toml"
    path.write_text(TOML + time + extra_toml)
    return path


LINKED_REGIONS = REGIONS.replace(",0,+", ",1,+")
LINKED_SITES = "id,node,power_kw,max_gpus,fixed_cost\ns1,A,1000,100,0\ns2,B,1000,100,50\n"
LINKED_LINKS = [{"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 6}]
# east (attached at B) peaks at 10 units while A-B carries 6 from s1: s2 (fixed cost 50)
# serves the rest; 8 GPUs at s1 and 4 at s2 hold every hour (cost 1,250)
LINKED_COST = 1250.0


def shared_pool(folder: Path) -> Any:
    """The module's scenario, loaded (optimum 1,200: one pool of 12 GPUs)."""
    return load_instance(write_time_scenario(folder))


def split_by_link(folder: Path) -> Any:
    """One GB/s per unit over a 6 Gbit/s link: optimum :data:`LINKED_COST`."""
    path = write_time_scenario(
        folder, regions=LINKED_REGIONS, sites=LINKED_SITES, links=LINKED_LINKS
    )
    return load_instance(path)


# A phased roll-out (no periods of the day): P1 at half the demand, P2 at full demand.
# s2 (half the capex of s1) takes GPUs only from P2: P1's 10 units need 10 GPUs at s1
# (1,000), P2 adds 10 at s2 (500): 1,500. With P2 limited to 6 new GPUs, s1 holds 14
# (installed in P1, as P2's supply goes to s2): 1,400 + 300 = 1,700.
PHASED_SITES = (
    "id,node,power_kw,max_gpus,fixed_cost,cost_factor\ns1,A,1000,100,0,1\ns2,B,1000,100,0,0.5\n"
)
PHASED_TIME = '[time]\nphases = "phases.csv"\nsite_phases = "site_phases.csv"\n'
PHASED_COST, SUPPLY_LIMITED_COST = 1500.0, 1700.0


def write_phased_scenario(
    folder: Path, *, supply: str = "", budget: str = "", time: str = PHASED_TIME
) -> Path:
    """The roll-out above; ``supply`` / ``budget``: P2's max_new_gpus, P1's budget."""
    phases = f"phase,demand_factor,max_new_gpus,budget\nP1,0.5,,{budget}\nP2,1,{supply},\n"
    return write_time_scenario(
        folder,
        sites=PHASED_SITES,
        time=time,
        files={"phases.csv": phases, "site_phases.csv": "site,first_phase\ns2,P2\n"},
    )
