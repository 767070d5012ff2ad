"""``survive_site_failure``: after losing any one open site, all served demand can be re-served.

Re-serving is a transportation problem, checked with a networkx maximum flow:
source -> region (its served demand) -> any other open site within
``sla_rtt_ms x failover_sla_factor`` and an allowed country -> sink (the
site's full capacity, 100 % utilisation).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.network import Network
from gpuplace.solvers.verify.parsed import ParsedPlan
from gpuplace.solvers.verify.tolerance import slack
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_failover"]


def check_failover(
    instance: Instance, parsed: ParsedPlan, network: Network, tolerance: float
) -> list[Violation]:
    cons = instance.constraints
    if not cons.survive_site_failure:
        return []
    served = np.zeros(instance.n_regions)
    for a in parsed.assignments:
        served[a.region] += a.share * float(instance.region_demand[a.region])
    regions = np.flatnonzero(served > 0)
    open_sites = np.flatnonzero(parsed.is_open)
    capacity = parsed.gpus @ instance.gpu_throughput
    reach: dict[int, list[int]] = {}
    for r in regions:
        allowed = instance.region_allowed_countries[r]
        limit = float(instance.region_sla_rtt_ms[r]) * cons.failover_sla_factor
        reach[int(r)] = [
            int(s)
            for s in open_sites
            if network.rtt_ms(int(r), int(s)) <= limit + slack(limit, tolerance)
            and (not cons.sovereignty or allowed is None or instance.site_country[s] in allowed)
        ]
    need = float(served.sum())
    out = []
    for lost in open_sites:
        graph = nx.DiGraph()
        for r in regions:
            graph.add_edge("source", ("r", int(r)), capacity=float(served[r]))
            for s in reach[int(r)]:
                if s != lost:
                    graph.add_edge(("r", int(r)), ("s", s))
        for t in open_sites:
            if t != lost:
                graph.add_edge(("s", int(t)), "sink", capacity=float(capacity[t]))
        connected = "sink" in graph and "source" in graph
        flow = nx.maximum_flow_value(graph, "source", "sink") if connected else 0.0
        short = need - flow
        if short > slack(need, tolerance):
            out.append(
                Violation(
                    "survive_site_failure",
                    instance.site_ids[lost],
                    f"after losing this site only {flow:g} of {need:g} demand can be re-served",
                    short,
                )
            )
    return out
