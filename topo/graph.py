"""The normalised topology every reader produces."""

from __future__ import annotations

from collections.abc import Sequence
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


def _floats(values: Sequence[float] | None, n: int, default: float) -> np.ndarray:
    if values is None:
        return np.full(n, default, dtype=float)
    return np.asarray(values, dtype=float)


def make_topology(
    node_ids: Sequence[str],
    lat: Sequence[float],
    lon: Sequence[float],
    edges: Sequence[tuple[str, str]] = (),
    *,
    latency_ms: Sequence[float] | None = None,
    capacity_gbps: Sequence[float] | None = None,
    country: Sequence[str] | None = None,
    kind: Sequence[str] | None = None,
    source: str = "<memory>",
) -> Topology:
    """A small topology from lists (for tests and researchers); no merging of parallel links."""
    index = {n: i for i, n in enumerate(node_ids)}
    m = len(edges)
    return Topology(
        source=source,
        node_ids=tuple(node_ids),
        node_lat=np.asarray(lat, dtype=float),
        node_lon=np.asarray(lon, dtype=float),
        node_name=tuple(node_ids),
        node_country=tuple(country) if country is not None else ("",) * len(node_ids),
        node_kind=tuple(kind) if kind is not None else ("",) * len(node_ids),
        edge_src=np.array([index[u] for u, _ in edges], dtype=np.int64),
        edge_dst=np.array([index[v] for _, v in edges], dtype=np.int64),
        edge_latency_ms=_floats(latency_ms, m, np.nan),
        edge_distance_km=np.full(m, np.nan),
        edge_capacity_gbps=_floats(capacity_gbps, m, np.inf),
    )
