"""Measured round trips between points of a topology, and what the latency model predicts for them.

A point is a topology node, or a position attached to its nearest non-waypoint
node the way a region is (SCENARIO.md, "Latency model" rule 4: the access path
is the great circle to the attach node times ``access_route_factor``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gpuplace.topo import latency
from gpuplace.topo.geo import haversine_km
from gpuplace.topo.graph import Topology

__all__ = ["LatencyParameters", "MeasuredRtts", "attach_points", "model_rtt_ms"]


@dataclass(frozen=True)
class LatencyParameters:
    """The latency model's four parameters (SCENARIO.md, "Latency model")."""

    fibre_km_per_ms: float = 200.0
    link_route_factor: float = 1.0
    per_hop_ms: float = 0.0
    access_route_factor: float = 1.5


@dataclass(frozen=True, eq=False)
class MeasuredRtts:
    """One row per measurement: the two ends, attached to the topology, and the RTTs.

    ``*_access_km`` is the great-circle distance from a point to its attach node
    (0 for a point that is a node). ``percentiles`` holds ``(q, values)`` for each
    ``rtt_p<q>_ms`` column, NaN where a row gives none. ``rows`` are the 1-based
    data rows of ``file``, for messages.
    """

    file: str
    rows: np.ndarray
    source: tuple[str, ...]
    target: tuple[str, ...]
    source_node: np.ndarray
    target_node: np.ndarray
    source_access_km: np.ndarray
    target_access_km: np.ndarray
    rtt_ms: np.ndarray
    percentiles: tuple[tuple[float, np.ndarray], ...] = ()

    def __len__(self) -> int:
        return int(self.rtt_ms.shape[0])

    def take(self, index: np.ndarray) -> MeasuredRtts:
        """The rows ``index`` (positions or a boolean mask), in that order."""
        index = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        return replace(
            self,
            rows=self.rows[index],
            source=tuple(self.source[i] for i in index),
            target=tuple(self.target[i] for i in index),
            source_node=self.source_node[index],
            target_node=self.target_node[index],
            source_access_km=self.source_access_km[index],
            target_access_km=self.target_access_km[index],
            rtt_ms=self.rtt_ms[index],
            percentiles=tuple((q, values[index]) for q, values in self.percentiles),
        )


def attach_points(
    topology: Topology, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest non-waypoint node of each position, and the great-circle km to it."""
    node = latency.nearest_nodes(topology, lat, lon)
    km = haversine_km(lat, lon, topology.node_lat[node], topology.node_lon[node])
    return node, np.asarray(km, dtype=float)


def model_rtt_ms(
    topology: Topology, measured: MeasuredRtts, parameters: LatencyParameters
) -> np.ndarray:
    """The latency model's RTT of every row: ``2 × (access(a) + path(a, b) + access(b))``.

    ``access = km × access_route_factor / fibre_km_per_ms``; ``path`` is the
    minimum-latency path between the attach nodes (inf where none).
    """
    if len(measured) == 0:
        return np.empty(0)
    link_ms = latency.link_latency_ms(
        topology,
        parameters.fibre_km_per_ms,
        parameters.link_route_factor,
        parameters.per_hop_ms,
    )
    paths = latency.shortest_paths(topology, link_ms, measured.source_node)
    one_way = paths.one_way_ms[paths.row_of(measured.source_node), measured.target_node]
    access_km = measured.source_access_km + measured.target_access_km
    access = access_km * parameters.access_route_factor / parameters.fibre_km_per_ms
    return 2.0 * (access + one_way)
