"""Plan rows of a scenario with periods of the day (PLAN.md, "Periods").

:func:`with_periods` takes the plan :func:`~solvers.plan.build.make_plan` builds
from the decisions and makes its per-period parts right:

- each assignment and unserved row names its ``period``;
- a site's ``period_served`` lists the demand it serves in each period (in the
  order of the plan's ``periods``); ``served_demand`` and ``utilisation`` are
  those of its busiest period (the one its GPUs must hold);
- ``links`` hold one row per link direction and period with a positive load;
- the KPIs and the objective weight each period by its share of the day
  (``weight_h``), so ``served_fraction`` and ``mean_rtt_ms`` are the day's;
- the top-level ``periods`` lists each period's ``weight_h``, demand and served demand.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.kpis import TINY, weighted_mean, weighted_percentile
from gpuplace.solvers.plan.phases import with_phases
from gpuplace.solvers.plan.value import LinkLoad, Plan
from gpuplace.solvers.result import Solution
from gpuplace.topo import latency

__all__ = ["period_link_loads", "with_periods"]


def period_link_loads(
    instance: Instance, pairs: np.ndarray, traffic_gbps: np.ndarray
) -> np.ndarray:
    """Load on each link direction in each period, float [W, 2E] (column ``2e``: src -> dst)."""
    topology = instance.topology
    W = instance.n_periods
    loads = np.zeros((W, 2 * topology.n_edges))
    carrying = traffic_gbps > 0
    if not carrying.any() or topology.n_edges == 0:
        return loads
    pairs, traffic_gbps = pairs[carrying], traffic_gbps[carrying]
    settings = instance.latency
    link_ms = latency.link_latency_ms(
        topology, settings.fibre_km_per_ms, settings.link_route_factor, settings.per_hop_ms
    )
    attach = instance.region_node[instance.pair_region[pairs]]
    site_node = instance.site_node[instance.pair_site[pairs]]
    paths = latency.shortest_paths(topology, link_ms, attach)
    crossing = latency.pair_links(topology, paths, attach, site_node)  # [n, 2E]
    assert instance.pair_period is not None  # a scenario with periods
    period = instance.pair_period[pairs]
    for w in np.unique(period):
        rows = period == w
        loads[w] = np.asarray(crossing[rows].T @ traffic_gbps[rows]).ravel()
    return loads


def _link_rows(instance: Instance, loads: np.ndarray) -> tuple[list[LinkLoad], float]:
    topology = instance.topology
    ids = instance.periods.ids if instance.periods is not None else ()
    rows, best = [], 0.0
    for w, column in zip(*np.nonzero(loads > TINY), strict=True):
        edge, reverse = divmod(int(column), 2)
        src, dst = int(topology.edge_src[edge]), int(topology.edge_dst[edge])
        if reverse:
            src, dst = dst, src
        cap = float(topology.edge_capacity_gbps[edge])
        load = float(loads[w, column])
        rows.append(
            LinkLoad(
                source=topology.node_ids[src],
                target=topology.node_ids[dst],
                load_gbps=load,
                capacity_gbps=cap if np.isfinite(cap) else None,
                period=ids[int(w)],
            )
        )
        if np.isfinite(cap) and cap > 0:
            best = max(best, load / cap)
    return rows, best


def with_periods(instance: Instance, solution: Solution, plan: Plan) -> Plan:
    """The plan of ``solution`` with its per-period rows (module docstring)."""
    periods = instance.periods
    if periods is None or instance.pair_period is None or not plan.has_decisions:
        return plan
    W = periods.n_periods
    share = np.asarray(solution.pair_share, dtype=float)
    kept = np.flatnonzero(share >= TINY)
    item = instance.pair_item[kept]
    period = instance.pair_period[kept]
    site = instance.pair_site[kept]
    demand = share[kept] * instance.item_demand[item]
    weight = instance.item_weight[item]
    rtt = instance.pair_rtt_ms[kept]

    assignments = tuple(
        replace(row, period=periods.ids[int(w)])
        for row, w in zip(plan.assignments, period, strict=True)
    )
    lost = np.asarray(solution.unserved, dtype=float)
    lost_items = np.flatnonzero(lost >= TINY)
    unserved = tuple(
        replace(row, period=periods.ids[int(k) % W])
        for row, k in zip(plan.unserved, lost_items, strict=True)
    )

    served = np.zeros((instance.n_sites, W))
    np.add.at(served, (site, period), demand)
    peak = served.max(axis=1) if W else np.zeros(instance.n_sites)
    index = {sid: s for s, sid in enumerate(instance.site_ids)}
    sites = []
    for row in plan.sites:
        s = index[row.id]
        gpus = np.array([row.gpus.get(t, 0) for t in instance.gpu_types], dtype=float)
        capacity = float(gpus @ instance.gpu_throughput)
        sites.append(
            replace(
                row,
                served_demand=float(peak[s]),
                utilisation=float(peak[s] / capacity) if capacity > 0 else 0.0,
                period_served=[float(v) for v in served[s]],
            )
        )

    traffic = demand * instance.region_gbps_per_unit[instance.pair_region[kept]]
    links, max_link = _link_rows(instance, period_link_loads(instance, kept, traffic))

    total_demand = float(instance.item_demand @ instance.item_weight)
    day_served = float(demand @ weight)
    rtt_term = float((demand * weight) @ rtt)
    unserved_day = float(lost[lost_items] @ instance.item_weight[lost_items])
    kpis = replace(
        plan.kpis,
        served_fraction=day_served / total_demand if total_demand > 0 else 1.0,
        mean_rtt_ms=weighted_mean(rtt, demand * weight),
        p95_rtt_ms=weighted_percentile(rtt, demand * weight, 0.95),
        max_link_utilisation=max_link,
    )
    objective = _objective(instance, plan, rtt_term, unserved_day, day_served, total_demand)
    breakdown = plan.cost_breakdown
    if breakdown is not None and "latency_cost" in {f.name for f in fields(breakdown)}:
        penalty = (
            instance.constraints.unserved_penalty if instance.constraints.allow_unserved else 0.0
        )
        breakdown = replace(
            breakdown,
            latency_cost=instance.objective.latency_weight * rtt_term,
            unserved_penalty=penalty * unserved_day,
        )
    period_demand = periods.demand.sum(axis=0)
    period_served = served.sum(axis=0)
    extra = dict(plan.extra)
    extra["periods"] = [
        {
            "id": periods.ids[w],
            "utc_hour": float(periods.utc_hour[w]),
            "weight_h": float(periods.weight_h[w]),
            "demand": float(period_demand[w]),
            "served": float(period_served[w]),
        }
        for w in range(W)
    ]
    gap = plan.gap
    if plan.bound is not None and objective is not None:
        gap = abs(objective - plan.bound) / max(abs(objective), 1e-9)
    timed = replace(
        plan,
        objective=objective,
        gap=gap,
        kpis=kpis,
        cost_breakdown=breakdown,
        sites=tuple(sites),
        assignments=assignments,
        unserved=unserved,
        links=tuple(links),
        extra=extra,
    )
    return timed if periods.phases is None else with_phases(instance, timed, served)


def _objective(
    instance: Instance,
    plan: Plan,
    rtt_term: float,
    unserved: float,
    served: float,
    total_demand: float,
) -> float | None:
    """The objective with each period weighted by its share of the day."""
    kind = instance.objective.kind
    penalty = instance.constraints.unserved_penalty if instance.constraints.allow_unserved else 0.0
    if kind == "served":
        return served
    if kind == "latency":
        return (rtt_term + penalty * unserved) / total_demand if total_demand > 0 else 0.0
    if kind == "cost":
        assert plan.kpis.total_cost is not None  # a plan with decisions has its cost
        cost = float(plan.kpis.total_cost)
        return cost + instance.objective.latency_weight * rtt_term + penalty * unserved
    return plan.objective
