"""The normalised topology every reader produces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Topology:
    """Nodes and bidirectional links, as arrays.

    Parallel links are already merged (capacities add, lowest latency wins).
    Missing values are NaN (coordinates, ``edge_latency_ms``, ``edge_distance_km``);
    an uncapacitated link has ``edge_capacity_gbps = inf``. ``edge_src < edge_dst``
    is not required, but each unordered pair appears once.
    """

    source: str
    node_ids: tuple[str, ...]
    node_lat: np.ndarray
    node_lon: np.ndarray
    node_name: tuple[str, ...]
    node_country: tuple[str, ...]  # "" when unknown
    node_kind: tuple[str, ...]  # "" when unknown
    edge_src: np.ndarray  # int node index
    edge_dst: np.ndarray
    edge_latency_ms: np.ndarray  # one-way, NaN when not given
    edge_distance_km: np.ndarray  # NaN when not given
    edge_capacity_gbps: np.ndarray  # inf when uncapacitated

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return int(self.edge_src.shape[0])

    def node_index(self) -> dict[str, int]:
        return {node: i for i, node in enumerate(self.node_ids)}
