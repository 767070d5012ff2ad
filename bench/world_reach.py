"""Reach of a scenario's regions, computed from its inputs: the facts the feature variants use.

Every region-site RTT (not only the pairs within the SLA), the link loads of a
reference assignment, and a greedy capacitated cover. The RTT follows the
scenario's latency model: ``rtt = 2 × (access + path(attach, site node))``
(docs/spec/SCENARIO.md, rules 1-4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.topo import latency

__all__ = [
    "Reach",
    "greedy_cover",
    "link_loads",
    "reach_of",
    "site_capacity_units",
]


@dataclass(frozen=True, eq=False)
class Reach:
    """All region-site RTTs of an instance and the shortest paths behind them."""

    rtt_ms: np.ndarray  # [regions, sites], inf where no path
    paths: latency.ShortestPaths

    def in_sla(self, instance: Instance) -> np.ndarray:
        """Boolean [regions, sites]: the site is within the region's SLA."""
        return self.rtt_ms <= instance.region_sla_rtt_ms[:, None]

    def nearest(self, k: int) -> np.ndarray:
        """The ``k`` nearest sites of every region, nearest first: int [regions, k]."""
        part = np.argpartition(self.rtt_ms, k - 1, axis=1)[:, :k]
        rtt = np.take_along_axis(self.rtt_ms, part, axis=1)
        return np.take_along_axis(part, np.argsort(rtt, axis=1, kind="stable"), axis=1)


def reach_of(instance: Instance) -> Reach:
    """Every region-site RTT of ``instance`` under its latency settings (no SLA cut)."""
    topo, settings = instance.topology, instance.latency
    link_ms = latency.link_latency_ms(
        topo, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
    )
    access = latency.access_ms(
        topo,
        instance.region_lat,
        instance.region_lon,
        instance.region_node,
        settings.access_route_factor,
        settings.fibre_km_per_ms,
    )
    paths = latency.shortest_paths(topo, link_ms, instance.region_node)
    one_way = paths.one_way_ms[paths.row_of(instance.region_node)][:, instance.site_node]
    return Reach(rtt_ms=2.0 * (access[:, None] + one_way), paths=paths)


def link_loads(
    instance: Instance, reach: Reach, region: np.ndarray, site: np.ndarray, amount: np.ndarray
) -> np.ndarray:
    """Load of every link (the larger direction) when ``amount[i]`` flows from
    ``site[i]`` to ``region[i]`` along the minimum-latency path (rule 5)."""
    crossing = latency.pair_links(
        instance.topology,
        reach.paths,
        instance.region_node[np.asarray(region)],
        instance.site_node[np.asarray(site)],
    )
    directed = crossing.T @ np.asarray(amount, dtype=float)
    return np.maximum(directed[0::2], directed[1::2])


def site_capacity_units(instance: Instance) -> np.ndarray:
    """Most demand each site can serve: ``max_utilisation × max_t thr_t × n_t``, where
    ``n_t`` is the most GPUs of type t its power (with PUE) and space hold."""
    per_type = np.floor(
        instance.site_power_kw[:, None]
        / (instance.gpu_power_kw[None, :] * instance.site_pue[:, None])
    )
    per_type = np.minimum(per_type, instance.site_max_gpus[:, None])
    units = (per_type * instance.gpu_throughput[None, :]).max(axis=1)
    return instance.constraints.max_utilisation * units


def greedy_cover(instance: Instance, reach: Reach) -> list[int]:
    """Sites of a greedy capacitated cover: all demand served within its SLA.

    Repeatedly opens the site that can take the most still-unserved demand in
    its reach (at most its :func:`site_capacity_units`) and gives it that demand,
    nearest regions first (the last one possibly in part). Returns the opened
    sites in order; raises ``ValueError`` when some demand cannot be covered.
    """
    in_sla = reach.in_sla(instance)
    capacity = site_capacity_units(instance)
    remaining = instance.region_demand.astype(float).copy()
    opened: list[int] = []
    usable = np.ones(instance.n_sites, dtype=bool)
    while remaining.sum() > 1e-9:
        takes = np.where(usable, np.minimum(capacity, remaining @ in_sla), 0.0)
        best = int(np.argmax(takes))
        if takes[best] <= 1e-9:
            raise ValueError(f"{remaining.sum():g} demand units have no site with room in reach")
        room = capacity[best]
        for r in np.flatnonzero(in_sla[:, best] & (remaining > 0))[
            np.argsort(reach.rtt_ms[in_sla[:, best] & (remaining > 0), best], kind="stable")
        ]:
            give = min(room, remaining[r])
            remaining[r] -= give
            room -= give
            if room <= 1e-9:
                break
        opened.append(best)
        usable[best] = False
    return opened
