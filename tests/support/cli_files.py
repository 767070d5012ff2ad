"""A small scenario written to a folder, with knobs for the CLI tests; helpers to run the CLI.

Chain A - B - C - D on the equator (one degree apart); sites s1@A, s2@C, s4@B
(AU, NZ, AU); regions r1 near A, r2 near C. Solved optimum: s4 alone.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from gpuplace.cli import app

NODES = [
    {"id": "A", "lat": 0.0, "lon": 0.0, "country": "AU", "kind": "city"},
    {"id": "B", "lat": 0.0, "lon": 1.0, "country": "AU", "kind": "city"},
    {"id": "C", "lat": 0.0, "lon": 2.0, "country": "NZ", "kind": "city"},
    {"id": "D", "lat": 0.0, "lon": 3.0, "country": "NZ", "kind": "city"},
]
LINKS = [
    {"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 100},
    {"source": "B", "target": "C", "latency_ms": 1.0, "capacity_gbps": 100},
    {"source": "C", "target": "D", "latency_ms": 1.0, "capacity_gbps": 100},
]
SITES = """id,node,power_kw,max_gpus,fixed_cost
s1,A,100,50,1000
s2,C,100,50,800
s4,B,100,50,700
"""
REGIONS_HEADER = "id,lat,lon,demand,sla_rtt_ms,allowed_countries,gbps_per_unit\n"
REGIONS = REGIONS_HEADER + "r1,0.1,0.0,10,50,,1\nr2,0.1,2.0,5,50,,1\n"
GPUS = """type,capex,power_kw,throughput
H100,100,1.0,10
L40S,40,0.5,3
"""
TOML = """name = "cli-tiny"
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
time_limit_s = 10
gap = 0.0
threads = 1
"""


def write_scenario(
    folder: Path,
    *,
    regions: str = REGIONS,
    sites: str = SITES,
    nodes: list[dict] | None = None,
    links: list[dict] | None = None,
    extra_toml: str = "",
) -> Path:
    """Write the scenario files into ``folder`` (created); returns the TOML path."""
    folder.mkdir(parents=True, exist_ok=True)
    topology = {"nodes": nodes or NODES, "links": LINKS if links is None else links}
    (folder / "topology.json").write_text(json.dumps(topology, indent=1))
    (folder / "sites.csv").write_text(sites)
    (folder / "regions.csv").write_text(regions)
    (folder / "gpus.csv").write_text(GPUS)
    path = folder / "scenario.toml"
    path.write_text(TOML + extra_toml)
    return path


def run(*args):
    """Invoke the real ``gpuplace`` app in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(app, [str(a) for a in args])


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder``, by relative path (names of folders included)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return out
