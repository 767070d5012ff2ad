"""The path rule of SCENARIO.md, re-derived for the verifier with networkx.

Traffic between a site and a region follows one path, chosen by a stated rule
so that the model and the verifier agree where minimum-latency paths tie:

- each link's routing length is its one-way latency in whole nanoseconds, at
  least 1 (``max(1, round(latency_ms * 1e6))``);
- ``D(v)``: the least total routing length from the region's attach node to ``v``;
- walking back from the site's node, the next node is always the
  lowest-indexed neighbour ``u`` (topology order) with ``D(u) + length(u, v) = D(v)``.

This module shares no code with ``topo.latency`` (which applies the same rule
with scipy): it takes the verifier's own link latencies and networkx Dijkstra.
"""

from __future__ import annotations

import networkx as nx

__all__ = ["RouteTrees", "routing_length_ns"]


def routing_length_ns(one_way_ms: float) -> float:
    """A link's routing length: one-way latency in whole nanoseconds, at least 1.

    >>> routing_length_ns(1.0), routing_length_ns(0.0), routing_length_ns(2.0000004)
    (1000000.0, 1.0, 2000000.0)
    """
    return max(1.0, float(round(one_way_ms * 1e6)))


class RouteTrees:
    """Paths by the rule from each root (attach node), over a weighted networkx graph."""

    def __init__(self, graph: nx.Graph, weight: str = "weight"):
        self.graph = nx.Graph()
        self.graph.add_nodes_from(graph.nodes)
        for u, v, data in graph.edges(data=True):
            if u != v:
                self.graph.add_edge(u, v, ns=routing_length_ns(data[weight]))
        self._dist: dict[int, dict[int, float]] = {}

    def distances(self, root: int) -> dict[int, float]:
        """``D`` from ``root`` in nanoseconds (cached)."""
        if root not in self._dist:
            self._dist[root] = nx.single_source_dijkstra_path_length(self.graph, root, weight="ns")
        return self._dist[root]

    def path(self, root: int, target: int) -> list[int] | None:
        """Nodes from ``root`` to ``target`` on the rule's path; None when unreachable."""
        dist = self.distances(root)
        if target not in dist:
            return None
        node, backwards = target, [target]
        while node != root:
            node = min(
                u
                for u, data in self.graph[node].items()
                if u in dist and dist[u] + data["ns"] == dist[node]
            )
            backwards.append(node)
        return backwards[::-1]
