"""Custom kind ``max_share_through_link``: at most a fraction of all demand crosses one link.

Scenario::

    [[constraints.custom]]
    kind = "max_share_through_link"
    params = { source = "Singapore", target = "Jakarta", max_fraction = 0.3 }

Formulation, with l the link between nodes ``source`` and ``target`` (both
directions together) and A the pair-link incidence (minimum-latency paths)::

    Σ_p D_r x_p (A[p, l→] + A[p, l←])  <=  max_fraction × Σ_r D_r

It limits how much of the demand depends on one cable, independently of
``gbps_per_unit``.
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.constraints.base import param_error, require_params
from gpuplace.solvers.constraints.registry import register_constraint
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import pair_demand
from gpuplace.solvers.model.links import pair_link_matrix


@register_constraint("max_share_through_link")
class MaxShareThroughLink:
    """At most ``max_fraction`` of total demand through the link ``source``–``target``."""

    def __init__(self, params: dict, where: str) -> None:
        require_params(
            params, f"{where}.params", {"source": str, "target": str, "max_fraction": float}
        )
        if not 0.0 <= float(params["max_fraction"]) <= 1.0:
            raise param_error(f"{where}.params.max_fraction", "must be within [0, 1]")
        self.source, self.target = params["source"], params["target"]
        self.max_fraction = float(params["max_fraction"])
        self.where = where
        self.name = f"max_share_through_link[{self.source}-{self.target}]"

    def _edge(self, instance) -> int:
        topo = instance.topology
        index = topo.node_index()
        u, v = index.get(self.source), index.get(self.target)
        hit = np.flatnonzero(
            ((topo.edge_src == u) & (topo.edge_dst == v))
            | ((topo.edge_src == v) & (topo.edge_dst == u))
        )
        if u is None or v is None or hit.size == 0:
            raise param_error(
                f"{self.where}.params",
                f"no link between {self.source!r} and {self.target!r} in the topology",
            )
        return int(hit[0])

    def applies(self, instance) -> bool:
        self._edge(instance)
        return not instance.matrix_only

    def add(self, model: ModelBuilder, instance) -> None:
        e = self._edge(instance)
        A = pair_link_matrix(instance)
        crosses = (
            np.asarray(A[:, 2 * e].todense()).ravel()
            + np.asarray(A[:, 2 * e + 1].todense()).ravel()
        )
        limit = self.max_fraction * float(instance.region_demand.sum())
        model.add_rows(
            self.name, [(model.var("share"), (pair_demand(instance) * crosses)[None, :])], ub=limit
        )

    def check(self, instance, plan: dict) -> list[str]:
        import networkx as nx

        topo, s = instance.topology, instance.latency
        g = nx.Graph()
        lat, lon = np.radians(topo.node_lat), np.radians(topo.node_lon)
        for e in range(topo.n_edges):
            a, b = int(topo.edge_src[e]), int(topo.edge_dst[e])
            h = (
                np.sin((lat[b] - lat[a]) / 2) ** 2
                + np.cos(lat[a]) * np.cos(lat[b]) * np.sin((lon[b] - lon[a]) / 2) ** 2
            )
            km = 2 * 6371.0088 * np.arcsin(np.sqrt(min(1.0, h)))
            if not np.isnan(topo.edge_distance_km[e]):
                km = topo.edge_distance_km[e]
            else:
                km *= s.link_route_factor
            ms = (
                topo.edge_latency_ms[e]
                if not np.isnan(topo.edge_latency_ms[e])
                else km / s.fibre_km_per_ms + s.per_hop_ms
            )
            g.add_edge(a, b, weight=max(float(ms), 1e-9))
        index = topo.node_index()
        link = {index[self.source], index[self.target]}
        through = 0.0
        for r, site, share in _plan.assignments(instance, plan):
            path = nx.dijkstra_path(g, int(instance.site_node[site]), int(instance.region_node[r]))
            if any({u, v} == link for u, v in zip(path[:-1], path[1:], strict=True)):
                through += share * float(instance.region_demand[r])
        limit = self.max_fraction * float(instance.region_demand.sum())
        if _plan.exceeds(through, limit):
            return [
                f"{self.where}: {through:g} demand units cross {self.source}-{self.target}, at most {limit:g}"
            ]
        return []
