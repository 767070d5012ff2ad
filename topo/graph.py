"""The normalised topology every reader produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

__all__ = ["Topology", "freeze_arrays", "make_topology"]


def _read_only(value: Any) -> Any:
    """``value`` with its arrays read-only: a view for an array, a new tuple if needed."""
    if isinstance(value, np.ndarray):
        if not value.flags.writeable:
            return value
        view = value.view()
        view.flags.writeable = False
        return view
    if type(value) is tuple:
        items = tuple(_read_only(item) for item in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if is_dataclass(value) and not isinstance(value, type):
        freeze_arrays(value)
    return value


def freeze_arrays(value: Any) -> None:
    """Make every numpy array of the dataclass ``value`` read-only, in place.

    Arrays in fields, in tuples of fields and in nested dataclasses are each
    replaced by a read-only view (the caller's own array keeps its flags), so
    writing into one raises ``ValueError``. For frozen dataclasses: call from
    ``__post_init__`` and ``__setstate__`` (pickle and ``copy`` drop the flag).

    Examples
    --------
    >>> t = make_topology(["a", "b"], [0.0, 1.0], [0.0, 1.0], [("a", "b")])
    >>> t.node_lat[0] = 5.0
    Traceback (most recent call last):
    ...
    ValueError: assignment destination is read-only
    """
    for field in fields(value):
        current = getattr(value, field.name)
        frozen = _read_only(current)
        if frozen is not current:
            object.__setattr__(value, field.name, frozen)


@dataclass(frozen=True, eq=False)
class Topology:
    """Nodes and bidirectional links, as arrays.

    Parallel links are already merged (capacities add, lowest latency wins).
    Every array is read-only (:func:`freeze_arrays`).
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

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        freeze_arrays(self)

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
