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

from gpuplace.solvers.constraints.base import param_error, require_params
from gpuplace.solvers.constraints.registry import register_constraint
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import pair_demand
from gpuplace.solvers.model.links import pair_link_matrix
from gpuplace.solvers.verify.network import Network
from gpuplace.solvers.verify.parsed import parse_plan
from gpuplace.solvers.verify.tolerance import excess

__all__ = ["CHECK_TOL", "MaxShareThroughLink"]

CHECK_TOL = 1e-6


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
        """Demand whose minimum-latency path crosses the link, recomputed by the verifier's
        network (:class:`gpuplace.solvers.verify.network.Network`), never the model's matrix."""
        network = Network(instance)
        index = instance.topology.node_index()
        link = {index[self.source], index[self.target]}
        through = 0.0
        for a in parse_plan(instance, plan).assignments:
            path = network.path(a.region, a.site) or []
            if any({u, v} == link for u, v in zip(path[:-1], path[1:], strict=False)):
                through += a.share * float(instance.region_demand[a.region])
        limit = self.max_fraction * float(instance.region_demand.sum())
        if excess(through, limit, CHECK_TOL):
            return [
                f"{self.where}: {through:g} demand units cross {self.source}-{self.target}, "
                f"at most {limit:g}"
            ]
        return []
