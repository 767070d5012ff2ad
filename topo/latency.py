"""The latency model of the scenario contract (SCENARIO.md, "Latency model").

Link latency -> node-to-node shortest paths (scipy.sparse.csgraph.dijkstra,
limited to the largest latency any region can use) -> region-to-site RTT for
the pairs within each region's SLA, stored sparsely. Which links a pair's
traffic crosses follows SCENARIO.md's path rule (:func:`path_tree`), the one
rule the verifier re-derives on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from gpuplace.topo.geo import haversine_km
from gpuplace.topo.graph import Topology

__all__ = [
    "CandidatePairs",
    "NS_PER_MS",
    "ShortestPaths",
    "ZERO_LATENCY_MS",
    "access_ms",
    "candidate_pairs",
    "graph_matrix",
    "link_latency_ms",
    "link_route_km",
    "nearest_nodes",
    "pair_links",
    "path_tree",
    "routing_ns",
    "shortest_paths",
]

# csgraph treats stored zeros as missing edges; a zero-latency link gets this instead.
ZERO_LATENCY_MS = 1e-9
_CHUNK = 1024
# Routing compares path lengths in whole nanoseconds (SCENARIO.md, the path rule).
NS_PER_MS = 1e6
_NO_PREDECESSOR = -9999
_TREE_CELLS = 1 << 24  # rows x link directions handled at once in path_tree
_NEAREST_K = 8  # nodes proposed by the k-d tree to each query point


def link_route_km(topology: Topology, link_route_factor: float) -> np.ndarray:
    """Route length of every link: ``distance_km`` if given, else the great-circle
    distance between its ends times ``link_route_factor`` (NaN without coordinates)."""
    src, dst = topology.edge_src, topology.edge_dst
    gc_km = haversine_km(
        topology.node_lat[src],
        topology.node_lon[src],
        topology.node_lat[dst],
        topology.node_lon[dst],
    )
    distance = topology.edge_distance_km
    return np.where(np.isnan(distance), gc_km * link_route_factor, distance)


def link_latency_ms(
    topology: Topology, fibre_km_per_ms: float, link_route_factor: float, per_hop_ms: float
) -> np.ndarray:
    """One-way latency of every link: ``latency_ms`` if given, else derived from distance.

    The distance is :func:`link_route_km`. NaN where neither is known.
    """
    distance_km = link_route_km(topology, link_route_factor)
    derived = distance_km / fibre_km_per_ms + per_hop_ms
    return np.where(np.isnan(topology.edge_latency_ms), derived, topology.edge_latency_ms)


def graph_matrix(topology: Topology, link_ms: np.ndarray) -> csr_matrix:
    """Symmetric sparse adjacency matrix weighted by one-way latency.

    Links of unknown latency (NaN: no latency, distance or coordinates) are left
    out: no path can use them.
    """
    usable = np.isfinite(link_ms)
    weight = np.maximum(link_ms[usable], ZERO_LATENCY_MS)
    src, dst = topology.edge_src[usable], topology.edge_dst[usable]
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    n = topology.n_nodes
    return csr_matrix((np.concatenate([weight, weight]), (rows, cols)), shape=(n, n))


def _unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _nearest_brute(
    topology: Topology, candidates: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    result = np.empty(len(lat), dtype=np.int64)
    for start in range(0, len(lat), _CHUNK):
        stop = start + _CHUNK
        d = haversine_km(
            lat[start:stop, None],
            lon[start:stop, None],
            topology.node_lat[candidates][None, :],
            topology.node_lon[candidates][None, :],
        )
        result[start:stop] = candidates[np.argmin(d, axis=1)]
    return result


def nearest_nodes(topology: Topology, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Index of the nearest node whose kind is not ``waypoint`` (great circle).

    Ties go to the lowest node index. A k-d tree over unit vectors (chord length
    orders points as great-circle distance does) proposes the nearest few nodes;
    the great-circle distance picks among them, so the answer equals a full scan.
    """
    usable = np.array([kind != "waypoint" for kind in topology.node_kind], dtype=bool)
    usable &= ~np.isnan(topology.node_lat) & ~np.isnan(topology.node_lon)
    candidates = np.flatnonzero(usable)
    if candidates.size == 0:
        raise ValueError("the topology has no node with coordinates that is not a waypoint")
    lat = np.asarray(lat, dtype=float).ravel()
    lon = np.asarray(lon, dtype=float).ravel()
    k = min(_NEAREST_K, candidates.size)
    if k == candidates.size or len(lat) == 0:
        return _nearest_brute(topology, candidates, lat, lon)
    finite = np.isfinite(lat) & np.isfinite(lon)
    tree = cKDTree(_unit_vectors(topology.node_lat[candidates], topology.node_lon[candidates]))
    chord, near = tree.query(
        _unit_vectors(np.where(finite, lat, 0.0), np.where(finite, lon, 0.0)), k=k
    )
    near = np.sort(near, axis=1)  # candidate order, so that argmin breaks ties by node index
    d = haversine_km(
        lat[:, None],
        lon[:, None],
        topology.node_lat[candidates[near]],
        topology.node_lon[candidates[near]],
    )
    result = candidates[near[np.arange(len(lat)), np.argmin(d, axis=1)]]
    # Where the k-th proposal is (nearly) as close as the first, more nodes may tie: scan them all.
    unsure = ~finite | (chord[:, -1] - chord[:, 0] <= 1e-9)
    if unsure.any():
        result[unsure] = _nearest_brute(topology, candidates, lat[unsure], lon[unsure])
    return result


def access_ms(
    topology: Topology,
    lat: np.ndarray,
    lon: np.ndarray,
    attach: np.ndarray,
    access_route_factor: float,
    fibre_km_per_ms: float,
) -> np.ndarray:
    """One-way latency from each region to its attach node."""
    km = haversine_km(lat, lon, topology.node_lat[attach], topology.node_lon[attach])
    return km * access_route_factor / fibre_km_per_ms


def routing_ns(link_ms: np.ndarray) -> np.ndarray:
    """Routing length of each link: its one-way latency in whole nanoseconds, at least 1.

    NaN (unknown latency) stays NaN: no path uses the link. Integer-valued floats,
    so path sums are exact (below 2**53 ns, 104 days).

    >>> routing_ns(np.array([1.0, 0.0, 2.4999999, np.nan])).tolist()
    [1000000.0, 1.0, 2500000.0, nan]
    """
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(link_ms), np.nan, np.maximum(1.0, np.rint(link_ms * NS_PER_MS)))


def path_tree(
    topology: Topology, link_ms: np.ndarray, roots: np.ndarray, limit_ms: float = np.inf
) -> np.ndarray:
    """The path rule: each node's predecessor on its path from each root, ``[roots, nodes]``.

    With routing lengths ``l(e)`` (:func:`routing_ns`) and ``D(v)`` the least total
    routing length from the root to ``v``, the predecessor of ``v`` is the
    lowest-indexed neighbour ``u`` with ``D(u) + l(u, v) = D(v)`` (exact: the
    lengths are whole numbers). Every ``l >= 1``, so ``D`` grows along the tree
    and it has no cycle. Of parallel links the shortest counts. -9999 marks the
    root, nodes it cannot reach and nodes beyond ``limit_ms`` (plus one ns a hop).
    """
    roots = np.asarray(roots, dtype=np.int64)
    n = topology.n_nodes
    length = routing_ns(np.asarray(link_ms, dtype=float))
    keep = np.isfinite(length) & (topology.edge_src != topology.edge_dst)
    u = np.concatenate([topology.edge_src[keep], topology.edge_dst[keep]]).astype(np.int64)
    v = np.concatenate([topology.edge_dst[keep], topology.edge_src[keep]]).astype(np.int64)
    w = np.concatenate([length[keep], length[keep]])
    order = np.lexsort((w, u, v))  # by head v, then tail u, shortest parallel link first
    u, v, w = u[order], v[order], w[order]
    first = np.r_[True, (v[1:] != v[:-1]) | (u[1:] != u[:-1])] if len(v) else np.ones(0, bool)
    u, v, w = u[first], v[first], w[first]
    pred = np.full((len(roots), n), _NO_PREDECESSOR, dtype=np.int64)
    if not len(v) or not len(roots):
        return pred
    limit = limit_ms * NS_PER_MS + n if np.isfinite(limit_ms) else np.inf
    graph = csr_matrix((w, (u, v)), shape=(n, n))
    dist = dijkstra(graph, directed=True, indices=roots, limit=limit)
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    heads, slots = v[starts], np.arange(len(u))
    step = max(1, _TREE_CELLS // len(u))
    for lo in range(0, len(roots), step):
        d = dist[lo : lo + step]
        tight = np.isfinite(d[:, u]) & (d[:, u] + w == d[:, v])
        pick = np.minimum.reduceat(np.where(tight, slots, len(u)), starts, axis=1)
        pred[lo : lo + step, heads] = np.where(
            pick < len(u), u[np.minimum(pick, len(u) - 1)], -9999
        )
    return pred


@dataclass(frozen=True, eq=False)
class ShortestPaths:
    """Shortest paths from a set of source nodes (the regions' attach nodes).

    ``one_way_ms`` holds the least latencies; ``predecessors`` (built when first
    read) the path rule's tree from each source (:func:`path_tree`), which the
    links a pair's traffic crosses follow.
    """

    sources: np.ndarray  # node index of each row
    one_way_ms: np.ndarray  # [len(sources), n_nodes], inf beyond the limit
    topology: Topology = field(repr=False)
    link_ms: np.ndarray = field(repr=False)
    limit_ms: float = np.inf

    @cached_property
    def predecessors(self) -> np.ndarray:
        """``[len(sources), n_nodes]`` predecessor on the rule's path, -9999 where none."""
        return path_tree(self.topology, self.link_ms, self.sources, self.limit_ms)

    def row_of(self, nodes: np.ndarray) -> np.ndarray:
        lookup = {int(node): i for i, node in enumerate(self.sources)}
        return np.array([lookup[int(node)] for node in nodes], dtype=np.int64)


def shortest_paths(
    topology: Topology, link_ms: np.ndarray, sources: np.ndarray, limit_ms: float = np.inf
) -> ShortestPaths:
    """Minimum-latency paths from every source node, cut at ``limit_ms``."""
    sources = np.unique(np.asarray(sources, dtype=np.int64))
    graph = graph_matrix(topology, link_ms)
    dist = dijkstra(graph, directed=False, indices=sources, limit=limit_ms)
    return ShortestPaths(sources, dist, topology, np.asarray(link_ms, dtype=float), limit_ms)


@dataclass(frozen=True, eq=False)
class CandidatePairs:
    region: np.ndarray
    site: np.ndarray
    rtt_ms: np.ndarray


def candidate_pairs(
    paths: ShortestPaths | None,
    region_attach: np.ndarray,
    region_access_ms: np.ndarray,
    region_sla_rtt_ms: np.ndarray,
    site_node: np.ndarray,
    allowed: np.ndarray | None = None,
    matrix: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    matrix_only: bool = False,
    matrix_sla_rtt_ms: np.ndarray | None = None,
    margin_ms: float = 0.0,
) -> CandidatePairs:
    """Region-site pairs within their SLA, sorted by (region, site).

    ``rtt = 2 * (access + path(attach, site node))``; a derived pair is kept when
    ``rtt + margin_ms <= sla_rtt_ms``. ``allowed`` is an optional boolean [R, S]
    mask (sovereignty). ``matrix`` = (region, site, rtt_ms) replaces derived
    values for its pairs, whose SLA is checked on ``matrix_sla_rtt_ms`` (default
    their ``rtt_ms``, no margin); with ``matrix_only`` (``paths`` may then be
    None) other pairs are unreachable.
    """
    n_regions, n_sites = len(region_attach), len(site_node)
    regions_out, sites_out, rtt_out = [], [], []
    rows = paths.row_of(region_attach) if paths is not None and not matrix_only else None
    for start in range(0, n_regions, _CHUNK):
        stop = min(start + _CHUNK, n_regions)
        if paths is None or rows is None:
            rtt = np.full((stop - start, n_sites), np.inf)
        else:
            one_way = paths.one_way_ms[rows[start:stop]][:, site_node]
            rtt = 2.0 * (region_access_ms[start:stop, None] + one_way)
        checked = rtt + margin_ms
        if matrix is not None:
            m_region, m_site, m_rtt = matrix
            m_sla = m_rtt if matrix_sla_rtt_ms is None else matrix_sla_rtt_ms
            inside = (m_region >= start) & (m_region < stop)
            rtt[m_region[inside] - start, m_site[inside]] = m_rtt[inside]
            checked[m_region[inside] - start, m_site[inside]] = m_sla[inside]
        ok = checked <= region_sla_rtt_ms[start:stop, None]
        if allowed is not None:
            ok &= allowed[start:stop]
        r_idx, s_idx = np.nonzero(ok)
        regions_out.append(r_idx + start)
        sites_out.append(s_idx)
        rtt_out.append(rtt[r_idx, s_idx])
    if not regions_out:
        empty_i, empty_f = np.empty(0, dtype=np.int64), np.empty(0)
        return CandidatePairs(empty_i, empty_i.copy(), empty_f)
    return CandidatePairs(
        region=np.concatenate(regions_out).astype(np.int64),
        site=np.concatenate(sites_out).astype(np.int64),
        rtt_ms=np.concatenate(rtt_out),
    )


def pair_links(
    topology: Topology,
    paths: ShortestPaths,
    pair_attach: np.ndarray,
    pair_site_node: np.ndarray,
) -> csr_matrix:
    """Directed links each pair's traffic crosses, as a sparse [pairs, 2*edges] 0/1 matrix.

    Traffic flows from the serving site towards the region along the
    minimum-latency path. Column ``2*e`` is link ``e`` in its stored direction
    (``edge_src -> edge_dst``), ``2*e + 1`` the reverse. Vectorised over pairs:
    one numpy step per hop.
    """
    n = topology.n_nodes
    edge_id = csr_matrix(
        (
            np.concatenate(
                [2 * np.arange(topology.n_edges) + 1, 2 * np.arange(topology.n_edges) + 2]
            ),
            (
                np.concatenate([topology.edge_src, topology.edge_dst]),
                np.concatenate([topology.edge_dst, topology.edge_src]),
            ),
        ),
        shape=(n, n),
    )
    rows = paths.row_of(pair_attach) if len(pair_attach) else np.empty(0, dtype=np.int64)
    current = np.asarray(pair_site_node, dtype=np.int64).copy()
    active = np.flatnonzero(current != pair_attach)
    pair_idx, link_idx = [], []
    while active.size:
        here = current[active]
        prev = paths.predecessors[rows[active], here]
        reachable = prev >= 0
        active, here, prev = active[reachable], here[reachable], prev[reachable]
        if not active.size:
            break
        link_idx.append(np.asarray(edge_id[here, prev]).ravel() - 1)
        pair_idx.append(active)
        current[active] = prev
        active = active[prev != pair_attach[active]]
    if pair_idx:
        p = np.concatenate(pair_idx)
        e = np.concatenate(link_idx)
    else:
        p = e = np.empty(0, dtype=np.int64)
    return csr_matrix((np.ones(len(p)), (p, e)), shape=(len(pair_attach), 2 * topology.n_edges))
