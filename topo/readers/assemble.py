"""Shared validation and assembly of a :class:`~topo.graph.Topology` from parsed records.

Each reader parses its format into node and edge records through
:class:`TopologyBuilder`; the builder checks every value, reports all problems
at once (naming the file and the node/edge) and merges parallel links.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gpuplace.errors import InputError, Problem
from gpuplace.topo.graph import Topology
from gpuplace.untrusted import parse_number

__all__ = [
    "LINK_LIMITS",
    "MAX_PROBLEMS",
    "TYPE_TO_KIND",
    "TopologyBuilder",
    "kind_from_type",
    "shown",
]

MAX_PROBLEMS = 50

# TopoHub node ``type`` values -> gpuplace node kinds.
TYPE_TO_KIND = {
    "city": "city",
    "seacable waypoint": "waypoint",
    "seacable landing point": "landing",
}


def kind_from_type(value: Any) -> str:
    """Map a TopoHub-style node ``type`` to a kind ('Seacable Waypoint' -> 'waypoint').

    >>> kind_from_type("Seacable Landing Point")
    'landing'
    >>> kind_from_type("PoP")
    'pop'
    """
    text = str(value).strip().lower()
    return TYPE_TO_KIND.get(text, text)


def shown(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _id_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return None


# Largest link values accepted: no link is slower or longer, and sums of them stay
# far from overflow (a latency of 1e308 made every path through the link infinite).
LINK_LIMITS = {"latency_ms": 1e6, "distance_km": 1e7, "capacity_gbps": 1e12}


class TopologyBuilder:
    """Collects node and edge records, validates them and builds the topology.

    Values may be numbers, numeric strings or ``None`` (missing). Problems are
    collected; :meth:`build` raises one :class:`InputError` listing them all.
    """

    def __init__(self, file: str, source: str | None = None) -> None:
        self.file = file
        self.source = source if source is not None else file
        self.problems: list[Problem] = []
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self._lat: list[float] = []
        self._lon: list[float] = []
        self._name: list[str] = []
        self._country: list[str] = []
        self._kind: list[str] = []
        self._edge_where: list[str] = []
        self._edge_ends: list[tuple[str, str]] = []
        self._edge_values: list[tuple[float, float, float]] = []

    def problem(self, where: str, what: str) -> None:
        self.problems.append(Problem(self.file, where, what))

    def number(self, value: Any, where: str, field: str, *, allow_inf: bool = False) -> float:
        """``value`` as a float; NaN when missing (``None`` or empty); a problem if not numeric."""
        if _missing(value):
            return math.nan
        if isinstance(value, bool):
            self.problem(where, f"{field} must be a number, got {value!r}")
            return math.nan
        try:  # text: ASCII decimal or scientific notation only (not 1_2, nor other digits)
            number = parse_number(value.strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError, OverflowError):
            number = None
        if number is None:
            self.problem(where, f"{field} must be a number, got {shown(value)}")
            return math.nan
        if math.isnan(number) or (math.isinf(number) and not allow_inf):
            self.problem(where, f"{field} must be a finite number, got {shown(value)}")
            return math.nan
        return number

    def node_id(self, value: Any, where: str, field: str = "id") -> str | None:
        text = _id_text(value)
        if text is None:
            if value is None:
                self.problem(where, f"{field} missing")
            else:
                self.problem(where, f"{field} must be a string or an integer, got {shown(value)}")
        return text

    def node(
        self,
        where: str,
        node_id: Any,
        *,
        lat: Any = None,
        lon: Any = None,
        name: Any = None,
        country: Any = None,
        kind: Any = None,
    ) -> None:
        """Add one node; ``where`` names it in messages (e.g. ``"nodes[3]"``)."""
        text = self.node_id(node_id, where)
        if text is None:
            return
        where = f"{where} (id {shown(text)})"
        if text in self._index:
            self.problem(where, f"duplicate node id {shown(text)}")
            return
        lat_deg = self.number(lat, where, "latitude")
        lon_deg = self.number(lon, where, "longitude")
        if not -90.0 <= lat_deg <= 90.0 and not math.isnan(lat_deg):
            self.problem(where, f"latitude {lat_deg} is outside [-90, 90]")
            lat_deg = math.nan
        if not -180.0 <= lon_deg <= 180.0 and not math.isnan(lon_deg):
            self.problem(where, f"longitude {lon_deg} is outside [-180, 180]")
            lon_deg = math.nan
        if _missing(lat) != _missing(lon):
            self.problem(where, "latitude and longitude must be given together")
        if math.isnan(lat_deg) != math.isnan(lon_deg):
            lat_deg = lon_deg = math.nan  # half a position is no position
        self._index[text] = len(self._ids)
        self._ids.append(text)
        self._lat.append(lat_deg)
        self._lon.append(lon_deg)
        self._name.append(text if name is None or str(name) == "" else str(name))
        self._country.append("" if country is None else str(country))
        self._kind.append("" if kind is None else str(kind).strip().lower())

    def edge(
        self,
        where: str,
        source: Any,
        target: Any,
        *,
        latency_ms: Any = None,
        distance_km: Any = None,
        capacity_gbps: Any = None,
    ) -> None:
        """Add one link; a missing capacity means uncapacitated."""
        src = self.node_id(source, where, "source")
        dst = self.node_id(target, where, "target")
        if src is None or dst is None:
            return
        where = f"{where} ({shown(src, 30)}-{shown(dst, 30)})"
        values = []
        for value, field in (
            (latency_ms, "latency_ms"),
            (distance_km, "distance_km"),
            (capacity_gbps, "capacity_gbps"),
        ):
            number = self.number(value, where, field, allow_inf=field == "capacity_gbps")
            if number < 0:
                self.problem(where, f"{field} must not be negative, got {number:g}")
                number = math.nan
            elif LINK_LIMITS[field] < number < math.inf:
                self.problem(
                    where,
                    f"{field} {number:g} is above the largest accepted, {LINK_LIMITS[field]:g}",
                )
                number = math.nan
            values.append(number)
        if math.isnan(values[2]):
            values[2] = math.inf
        self._edge_where.append(where)
        self._edge_ends.append((src, dst))
        self._edge_values.append((values[0], values[1], values[2]))

    def _check_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keep, src_idx, dst_idx = [], [], []
        for e, (src, dst) in enumerate(self._edge_ends):
            where = self._edge_where[e]
            i, j = self._index.get(src), self._index.get(dst)
            if i is None:
                self.problem(where, f"source {shown(src)} is not a node")
            if j is None:
                self.problem(where, f"target {shown(dst)} is not a node")
            if i is None or j is None:
                continue
            if i == j:
                self.problem(where, f"self-loop on node {shown(src)}")
                continue
            keep.append(e)
            src_idx.append(i)
            dst_idx.append(j)
        return (
            np.asarray(keep, dtype=np.int64),
            np.asarray(src_idx, dtype=np.int64),
            np.asarray(dst_idx, dtype=np.int64),
        )

    def build(self) -> Topology:
        """Validate, merge parallel links and return the topology.

        Parallel links (same unordered pair) merge into one, kept in the
        orientation and position of the first: capacities add (inf when any is
        uncapacitated); ``latency_ms`` is the lowest given one; ``distance_km``
        the shortest given one (so a merged link without ``latency_ms`` takes
        the latency of its shortest parallel link).

        Raises
        ------
        InputError
            Listing every problem found (at most 50, then a count of the rest).
        """
        if not self._ids and not self.problems:
            self.problem("", "no nodes")
        keep, src, dst = self._check_edges()
        if self.problems:
            listed = self.problems[:MAX_PROBLEMS]
            if len(self.problems) > MAX_PROBLEMS:
                more = len(self.problems) - MAX_PROBLEMS
                listed.append(Problem(self.file, "", f"... and {more} more problems"))
            raise InputError(listed)
        values = np.asarray(self._edge_values, dtype=float).reshape(-1, 3)[keep]
        src, dst, latency, distance, capacity = _merge_parallel(
            src, dst, values[:, 0], values[:, 1], values[:, 2], len(self._ids)
        )
        return Topology(
            source=self.source,
            node_ids=tuple(self._ids),
            node_lat=np.asarray(self._lat, dtype=float),
            node_lon=np.asarray(self._lon, dtype=float),
            node_name=tuple(self._name),
            node_country=tuple(self._country),
            node_kind=tuple(self._kind),
            edge_src=src,
            edge_dst=dst,
            edge_latency_ms=latency,
            edge_distance_km=distance,
            edge_capacity_gbps=capacity,
        )


def _merge_parallel(
    src: np.ndarray,
    dst: np.ndarray,
    latency: np.ndarray,
    distance: np.ndarray,
    capacity: np.ndarray,
    n_nodes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    key = np.minimum(src, dst) * n_nodes + np.maximum(src, dst)
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    if len(first) == len(key):
        return src, dst, latency, distance, capacity
    order = np.argsort(first, kind="stable")  # groups in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    group = rank[group.ravel()]
    n = len(first)
    merged_latency = np.full(n, np.nan)
    merged_distance = np.full(n, np.nan)
    merged_capacity = np.zeros(n)
    np.fmin.at(merged_latency, group, latency)
    np.fmin.at(merged_distance, group, distance)
    np.add.at(merged_capacity, group, capacity)
    head = first[order]
    return src[head], dst[head], merged_latency, merged_distance, merged_capacity
