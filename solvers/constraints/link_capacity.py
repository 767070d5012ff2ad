"""Link capacity: traffic on each directed link fits its capacity.

Formulation, for each directed link l with finite capacity that some pair crosses::

    Σ_p D_r × gbps_per_unit_r × x_p × A[p, l]  <=  capacity_gbps_l

``A`` is the 0/1 pair-link incidence: pair (r, s) uses every link of the
minimum-latency path from node(s) to attach(r); each direction of a link has
its own capacity. Active when ``link_capacity`` is on and some region has
``gbps_per_unit > 0``; matrix-only instances have no links.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import pair_demand
from gpuplace.solvers.model.links import has_links, link_capacity_gbps, pair_link_matrix

name = "link_capacity"


def applies(instance) -> bool:
    return (
        bool(instance.constraints.link_capacity)
        and bool((instance.region_gbps_per_unit > 0).any())
        and has_links(instance)
        and bool(np.isfinite(instance.topology.edge_capacity_gbps).any())
    )


def add(model: ModelBuilder, instance) -> None:
    A = pair_link_matrix(instance)
    gbps = pair_demand(instance) * instance.region_gbps_per_unit[instance.pair_region]
    load = (sp.diags(gbps) @ A).T.tocsr()  # [2E, P]
    cap = link_capacity_gbps(instance)
    used = np.flatnonzero(np.isfinite(cap) & (np.diff(load.indptr) > 0))
    if used.size:
        model.add_rows(name, [(model.var("share"), load[used])], ub=cap[used])
    model.meta["link_columns"] = used


def _graph(instance):
    import networkx as nx

    topo, s = instance.topology, instance.latency
    g = nx.Graph()
    g.add_nodes_from(range(topo.n_nodes))
    lat1, lon1 = np.radians(topo.node_lat[topo.edge_src]), np.radians(topo.node_lon[topo.edge_src])
    lat2, lon2 = np.radians(topo.node_lat[topo.edge_dst]), np.radians(topo.node_lon[topo.edge_dst])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    gc_km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    dist = np.where(
        np.isnan(topo.edge_distance_km), gc_km * s.link_route_factor, topo.edge_distance_km
    )
    ms = np.where(
        np.isnan(topo.edge_latency_ms),
        dist / s.fibre_km_per_ms + s.per_hop_ms,
        topo.edge_latency_ms,
    )
    for e in range(topo.n_edges):
        g.add_edge(
            int(topo.edge_src[e]),
            int(topo.edge_dst[e]),
            weight=max(float(ms[e]), 1e-9),
            cap=float(topo.edge_capacity_gbps[e]),
        )
    return g


def _path(g, source: int, target: int) -> list[int]:
    import networkx as nx

    return nx.dijkstra_path(g, source, target)


def check(instance, plan: dict) -> list[str]:
    if not applies(instance):
        return []
    g = _graph(instance)
    load: dict[tuple[int, int], float] = defaultdict(float)
    for r, s, share in _plan.assignments(instance, plan):
        traffic = share * float(instance.region_demand[r]) * float(instance.region_gbps_per_unit[r])
        if traffic <= 0:
            continue
        path = _path(g, g, int(instance.site_node[s]), int(instance.region_node[r]))
        for u, v in zip(path[:-1], path[1:], strict=True):
            load[(u, v)] += traffic
    ids = instance.topology.node_ids
    return [
        f"link {ids[u]} -> {ids[v]}: {value:g} Gbit/s over capacity {g[u][v]['cap']:g}"
        for (u, v), value in sorted(load.items())
        if _plan.exceeds(value, g[u][v]["cap"])
    ]
