"""Region-site pairs within an SLA on a topology (possibly with links removed).

:func:`reachable_pairs` recomputes the pairs within ``sla_rtt_ms * factor``
following the scenario's latency model, optionally with the links each pair's
minimum-latency path crosses; :func:`without_links` removes failed links from a
topology; :func:`route` gives the shortest paths from the regions' attach nodes.
Used by the exact ``survive_site_failure`` family
(:mod:`solvers.constraints.survivability`), and by :mod:`gpuplace.resilience`:
the survivable cut loop, the re-home LP and the failure analysis.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from gpuplace.scenario.build import sovereignty_mask
from gpuplace.scenario.instance import Instance
from gpuplace.topo import latency
from gpuplace.topo.graph import Topology

__all__ = ["ReachablePairs", "reachable_pairs", "route", "without_links"]


@dataclass(frozen=True, eq=False)
class ReachablePairs:
    """Region-site pairs within an SLA, sorted by (region, site).

    ``links`` is the sparse [pairs, 2 * edges] 0/1 incidence of each pair's
    minimum-latency path (column ``2e`` link ``e`` in its stored direction,
    ``2e + 1`` reversed), in the numbering of the topology the pairs were
    computed on; None when not requested.
    """

    region: np.ndarray
    site: np.ndarray
    rtt_ms: np.ndarray
    links: csr_matrix | None = None

    def __len__(self) -> int:
        return int(self.region.shape[0])

    def subset(self, keep: np.ndarray) -> ReachablePairs:
        """The pairs where the boolean mask ``keep`` is true."""
        return ReachablePairs(
            region=self.region[keep],
            site=self.site[keep],
            rtt_ms=self.rtt_ms[keep],
            links=self.links[np.flatnonzero(keep)] if self.links is not None else None,
        )


def without_links(topology: Topology, edge_ids: np.ndarray) -> tuple[Topology, np.ndarray]:
    """The topology minus the given links, and the original index of each kept link.

    Parameters
    ----------
    topology : Topology
        The intact network.
    edge_ids : numpy.ndarray
        Indices of the links to remove.

    Returns
    -------
    tuple[Topology, numpy.ndarray]
        The reduced topology and ``kept`` with ``kept[i]`` = original index of its link ``i``.
    """
    keep = np.ones(topology.n_edges, dtype=bool)
    keep[np.asarray(edge_ids, dtype=np.int64)] = False
    kept = np.flatnonzero(keep)
    reduced = dataclasses.replace(
        topology,
        edge_src=topology.edge_src[kept],
        edge_dst=topology.edge_dst[kept],
        edge_latency_ms=topology.edge_latency_ms[kept],
        edge_distance_km=topology.edge_distance_km[kept],
        edge_capacity_gbps=topology.edge_capacity_gbps[kept],
    )
    return reduced, kept


def reachable_pairs(
    instance: Instance,
    *,
    sla_factor: float = 1.0,
    topology: Topology | None = None,
    with_links: bool = False,
    paths: latency.ShortestPaths | None = None,
) -> ReachablePairs:
    """Region-site pairs with ``rtt <= sla_rtt_ms * sla_factor`` (and sovereignty).

    Follows the scenario's latency model (``topo.latency``); measured RTTs from
    ``[latency] matrix`` replace derived ones and are not changed by a different
    topology (a measurement knows nothing of which links failed).

    Parameters
    ----------
    instance : Instance
        The scenario.
    sla_factor : float
        Multiplier on every region's ``sla_rtt_ms`` (``failover_sla_factor``).
    topology : Topology, optional
        The network to route on (default: the instance's), e.g. with failed links removed.
    with_links : bool
        Also return each pair's path as a link incidence matrix.
    paths : topo.latency.ShortestPaths, optional
        Shortest paths from the regions' attach nodes on ``topology`` (see :func:`route`),
        computed here when not given.

    Returns
    -------
    ReachablePairs
    """
    topology = topology if topology is not None else instance.topology
    settings = instance.latency
    sla = instance.region_sla_rtt_ms * sla_factor
    attach = instance.region_node
    link_ms = latency.link_latency_ms(
        topology, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
    )
    access = latency.access_ms(
        topology,
        instance.region_lat,
        instance.region_lon,
        attach,
        settings.access_route_factor,
        settings.fibre_km_per_ms,
    )
    matrix = None
    if instance.matrix_region.size:
        matrix = (instance.matrix_region, instance.matrix_site, instance.matrix_rtt_ms)
    if paths is None and instance.n_regions and (with_links or not instance.matrix_only):
        limit = float(np.max(sla / 2.0 - access)) if not instance.matrix_only else np.inf
        paths = latency.shortest_paths(topology, link_ms, attach, limit_ms=max(limit, 0.0))
    mask = None
    allowed = instance.region_allowed_countries
    if instance.constraints.sovereignty and any(a is not None for a in allowed):
        mask = sovereignty_mask(allowed, instance.site_country)
    if instance.n_regions == 0:
        empty_i = np.empty(0, dtype=np.int64)
        return ReachablePairs(empty_i, empty_i.copy(), np.empty(0))
    pairs = latency.candidate_pairs(
        paths,
        attach,
        access,
        sla,
        instance.site_node,
        allowed=mask,
        matrix=matrix,
        matrix_only=instance.matrix_only,
    )
    links = None
    if with_links and paths is not None:
        links = latency.pair_links(
            topology, paths, attach[pairs.region], instance.site_node[pairs.site]
        )
    return ReachablePairs(pairs.region, pairs.site, pairs.rtt_ms, links)


def route(instance: Instance, topology: Topology | None = None) -> latency.ShortestPaths:
    """Minimum-latency paths from every region's attach node, not cut at any SLA."""
    topology = topology if topology is not None else instance.topology
    settings = instance.latency
    link_ms = latency.link_latency_ms(
        topology, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
    )
    return latency.shortest_paths(topology, link_ms, instance.region_node)
