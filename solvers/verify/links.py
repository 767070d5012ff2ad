"""Link loads recomputed along networkx minimum-latency paths, checked against capacity.

Traffic of an assignment, ``share x demand x gbps_per_unit``, flows from the
site's node to the region's attach node along one minimum-latency path; each
link direction has its own capacity. Where several paths tie, the verifier
follows the one networkx returns: overload is judged on that path, and a
reported load is accepted when some choice among tied paths produces it.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.network import Network
from gpuplace.solvers.verify.parsed import ParsedPlan, capacity_value
from gpuplace.solvers.verify.tolerance import differs, excess, slack
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_links", "reported_max_utilisation"]

_TINY_GBPS = 1e-9


class _Flow:
    __slots__ = ("attach", "site_node", "traffic", "edges")

    def __init__(self, attach: int, site_node: int, traffic: float, edges: list[tuple[int, int]]):
        self.attach, self.site_node, self.traffic, self.edges = attach, site_node, traffic, edges


def _flows(instance: Instance, parsed: ParsedPlan, network: Network) -> list[_Flow]:
    flows = []
    for a in parsed.assignments:
        traffic = a.share * float(instance.item_demand[a.item])
        traffic *= float(instance.region_gbps_per_unit[a.region])
        if traffic <= 0:
            continue
        path = network.path(a.region, a.site)
        if path is None:
            continue
        # path runs attach -> site node; traffic runs the other way.
        edges = [(path[i + 1], path[i]) for i in range(len(path) - 1)]
        flows.append(
            _Flow(int(network.attach[a.region]), int(instance.site_node[a.site]), traffic, edges)
        )
    return flows


def _name(instance: Instance, key: tuple[int, int]) -> str:
    ids = instance.topology.node_ids
    return f"{ids[key[0]]}->{ids[key[1]]}"


def _distances(network: Network, source: int) -> np.ndarray:
    dist = np.full(network.graph.number_of_nodes(), np.inf)
    for node, d in network.lengths(source).items():
        dist[node] = d
    return dist


def _tie_ranges(
    network: Network, flows: list[_Flow]
) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """Traffic that tied paths could move off (``down``) or onto (``up``) each link direction."""
    pairs = [(u, v, d["weight"]) for u, v, d in network.graph.edges(data=True)]
    u_arr = np.array([p[0] for p in pairs] + [p[1] for p in pairs], dtype=np.int64)
    v_arr = np.array([p[1] for p in pairs] + [p[0] for p in pairs], dtype=np.int64)
    w_arr = np.array([p[2] for p in pairs] * 2, dtype=float)
    down: dict[tuple[int, int], float] = defaultdict(float)
    up: dict[tuple[int, int], float] = defaultdict(float)
    for flow in flows:
        to_region = _distances(network, flow.attach)
        from_site = _distances(network, flow.site_node)
        best = to_region[flow.site_node]
        on_some = from_site[u_arr] + w_arr + to_region[v_arr] <= best + 1e-9 * max(1.0, best)
        if int(on_some.sum()) <= len(flow.edges):
            continue
        own = set(flow.edges)
        for e in np.flatnonzero(on_some):
            key = (int(u_arr[e]), int(v_arr[e]))
            if key in own:
                down[key] += flow.traffic
            else:
                up[key] += flow.traffic
    return down, up


def _check_balance(
    instance: Instance,
    parsed: ParsedPlan,
    network: Network,
    own: dict[tuple[int, int], float],
    tolerance: float,
) -> list[Violation]:
    """Tie-independent totals: net flow out of each node, and load x latency over all links.

    Whichever minimum-latency paths carry the traffic, every node sends out
    (traffic it serves - traffic it receives), and the sum of load x link
    latency equals the sum of traffic x path latency.
    """
    out = []
    net_own: dict[int, float] = defaultdict(float)
    net_reported: dict[int, float] = defaultdict(float)
    weighted_own = weighted_reported = 0.0
    for (u, v), load in own.items():
        net_own[u] += load
        net_own[v] -= load
        weighted_own += load * network.graph[u][v]["weight"]
    for (u, v), row in parsed.links.items():
        if (u, v) not in network.edge_of:
            continue
        load = float(row["load_gbps"])
        net_reported[u] += load
        net_reported[v] -= load
        weighted_reported += load * network.graph[u][v]["weight"]
    scale = max([abs(x) for x in own.values()] + [1.0])
    for node in sorted(set(net_own) | set(net_reported)):
        gap = net_reported[node] - net_own[node]
        if abs(gap) > tolerance * scale:
            out.append(
                Violation(
                    "link_load",
                    instance.topology.node_ids[node],
                    f"reported links carry a net {net_reported[node]:g} Gbit/s out of this "
                    f"node; the assignments need {net_own[node]:g}",
                    abs(gap),
                )
            )
    if differs(weighted_reported, weighted_own, tolerance):
        out.append(
            Violation(
                "link_load",
                "links",
                f"sum of load x latency is {weighted_reported:g}, minimum-latency routing "
                f"gives {weighted_own:g}",
                abs(weighted_reported - weighted_own),
            )
        )
    return out


def check_links(
    instance: Instance, parsed: ParsedPlan, network: Network, tolerance: float
) -> list[Violation]:
    """Recompute link loads; flag overload (own paths) and reported loads no path choice gives."""
    out: list[Violation] = []
    topo = instance.topology
    flows = _flows(instance, parsed, network)
    own: dict[tuple[int, int], float] = defaultdict(float)
    for flow in flows:
        for key in flow.edges:
            own[key] += flow.traffic

    for key, row in parsed.links.items():
        if key not in network.edge_of:
            out.append(
                Violation("unknown_id", _name(instance, key), "no such link in the topology")
            )
            continue
        cap = float(topo.edge_capacity_gbps[network.edge_of[key]])
        reported = capacity_value(row["capacity_gbps"])
        if (math.isinf(cap) and not math.isinf(reported)) or differs(reported, cap, tolerance):
            out.append(
                Violation(
                    "link_report",
                    _name(instance, key),
                    f"capacity_gbps is {row['capacity_gbps']}, the topology says {cap:g}",
                )
            )

    if instance.constraints.link_capacity:
        for key, load in own.items():
            cap = float(topo.edge_capacity_gbps[network.edge_of[key]])
            over = excess(load, cap, tolerance)
            if over:
                out.append(
                    Violation(
                        "link_capacity",
                        _name(instance, key),
                        f"load {load:g} Gbit/s exceeds capacity {cap:g} Gbit/s",
                        over,
                    )
                )

    out.extend(_check_balance(instance, parsed, network, own, tolerance))
    keys = {k for k, v in own.items() if v > _TINY_GBPS} | {
        k for k in parsed.links if k in network.edge_of
    }
    reported_gbps = {
        k: float(parsed.links[k]["load_gbps"]) if k in parsed.links else 0.0 for k in keys
    }
    mismatched = [k for k in sorted(keys) if differs(reported_gbps[k], own.get(k, 0.0), tolerance)]
    if mismatched:
        down, up = _tie_ranges(network, flows)
        for key in mismatched:
            load = own.get(key, 0.0)
            low, high = load - down.get(key, 0.0), load + up.get(key, 0.0)
            value = reported_gbps[key]
            if value < low - slack(low, tolerance) or value > high + slack(high, tolerance):
                out.append(
                    Violation(
                        "link_load",
                        _name(instance, key),
                        f"reported load {value:g} Gbit/s, recomputed {load:g} Gbit/s",
                        abs(value - load),
                    )
                )
    return out


def reported_max_utilisation(instance: Instance, parsed: ParsedPlan, network: Network) -> float:
    """Largest load / capacity over the plan's link rows with a finite, positive capacity."""
    best = 0.0
    for key, row in parsed.links.items():
        if key not in network.edge_of:
            continue
        cap = float(instance.topology.edge_capacity_gbps[network.edge_of[key]])
        if math.isfinite(cap) and cap > 0:
            best = max(best, float(row["load_gbps"]) / cap)
    return best
