"""Turn a backend's :class:`~solvers.result.Solution` into a plan (PLAN.md, ``gpuplace.plan/1``).

The plan is a plain JSON-ready dict. Its numbers are recomputed from the
decisions (GPU counts, shares, unserved demand), so the objective written is
the one the plan's own numbers give, whatever scaling a backend used
internally (the backend's own value is kept as ``solver_objective``).

Conventions beyond PLAN.md:

- ``sites`` lists every site that is open or holds GPUs. An open site with no
  GPUs is listed (``gpus: {}``, ``open: true``) because it pays its fixed cost
  and counts towards ``min_sites`` / ``max_sites``.
- Assignments with a share below :data:`solvers.kpis.TINY` are left out, as is
  unserved demand below it.
- ``links`` holds one row per link direction with a positive load, in the
  direction traffic flows (serving site -> region). Where several paths have
  the same minimum latency, the load follows one of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.kpis import TINY, weighted_mean, weighted_percentile
from gpuplace.solvers.result import Solution, Status
from gpuplace.topo import latency

PLAN_SCHEMA = "gpuplace.plan/1"
_HAS_PLAN = (Status.OPTIMAL, Status.FEASIBLE)


def _count_dict(gpu_types: Sequence[str], counts: np.ndarray) -> dict[str, int]:
    return {t: int(n) for t, n in zip(gpu_types, counts, strict=True) if int(n) > 0}


def _solver_block(solution: Solution, settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": solution.backend,
        "version": solution.backend_version,
        "time_limit_s": settings.get("time_limit_s"),
        "gap": settings.get("gap"),
        "threads": settings.get("threads"),
        "seed": settings.get("seed"),
    }


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return float(value)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``|objective - bound| / max(|objective|, 1e-9)``, or None when either is unknown."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _empty_plan(
    instance: Instance,
    solution: Solution,
    settings: Mapping[str, Any],
    diagnosis: Sequence[str],
) -> dict[str, Any]:
    return {
        "schema": PLAN_SCHEMA,
        "scenario": {"name": instance.name, "sha256": instance.sha256},
        "solver": _solver_block(solution, settings),
        "status": solution.status.value,
        "objective": None,
        "bound": _finite_or_none(solution.bound),
        "gap": None,
        "wall_s": float(solution.wall_s),
        "objective_kind": instance.objective.kind,
        "interrupted": bool(solution.interrupted),
        "kpis": {
            "total_cost": None,
            "sites_open": 0,
            "gpus": {},
            "served_fraction": None,
            "mean_rtt_ms": None,
            "p95_rtt_ms": None,
            "max_link_utilisation": None,
        },
        "sites": [],
        "assignments": [],
        "unserved": [],
        "links": [],
        "diagnosis": list(diagnosis) if diagnosis else _default_diagnosis(solution),
        "notes": list(solution.notes),
    }


def _default_diagnosis(solution: Solution) -> list[str]:
    # An infeasible solution's notes say why (solvers.solve puts its diagnosis there).
    return list(solution.notes) if solution.status == Status.INFEASIBLE else []


def link_loads_gbps(instance: Instance, pairs: np.ndarray, traffic_gbps: np.ndarray) -> np.ndarray:
    """Load on each link direction, ``[2 * edges]``: column ``2e`` is ``src -> dst``.

    ``pairs`` indexes ``instance.pair_*``; traffic flows from the site to the
    region along the minimum-latency path (SCENARIO.md, latency model rule 5).
    """
    topology = instance.topology
    loads = np.zeros(2 * topology.n_edges)
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
    crossing = latency.pair_links(topology, paths, attach, site_node)
    return np.asarray(crossing.T @ traffic_gbps).ravel()


def _objective(
    instance: Instance, total_cost: float, rtt_term: float, unserved: float, served: float
) -> float:
    kind = instance.objective.kind
    penalty = instance.constraints.unserved_penalty if instance.constraints.allow_unserved else 0.0
    if kind == "served":
        return served
    if kind == "latency":
        total_demand = float(instance.region_demand.sum())
        return (rtt_term + penalty * unserved) / total_demand if total_demand > 0 else 0.0
    return total_cost + instance.objective.latency_weight * rtt_term + penalty * unserved


def build_plan(
    instance: Instance,
    solution: Solution,
    *,
    solver_settings: Mapping[str, Any],
    diagnosis: Sequence[str] = (),
) -> dict[str, Any]:
    """Build the plan object of PLAN.md from a solution.

    Parameters
    ----------
    instance : Instance
        The instance the solution answers.
    solution : Solution
        A backend's decisions; with status infeasible / no_solution the plan
        holds no sites and ``objective`` is null.
    solver_settings : mapping
        ``time_limit_s``, ``gap``, ``threads``, ``seed`` the solve ran with.
    diagnosis : sequence of str
        Why no plan exists (written to ``diagnosis``); by default an
        infeasible solution's ``notes``.

    Returns
    -------
    dict
        JSON-ready plan; ``solvers.verify.verify_plan`` checks it independently.
    """
    if solution.status not in _HAS_PLAN:
        return _empty_plan(instance, solution, solver_settings, diagnosis)

    types = instance.gpu_types
    new_gpus = np.rint(np.asarray(solution.new_gpus, dtype=float)).astype(np.int64)
    gpus = instance.site_existing_gpus + new_gpus
    is_open = np.asarray(solution.open_sites, dtype=bool)

    share = np.asarray(solution.pair_share, dtype=float)
    kept = np.flatnonzero(share >= TINY)
    k_region = instance.pair_region[kept]
    k_site = instance.pair_site[kept]
    k_share = share[kept]
    k_demand = k_share * instance.region_demand[k_region]
    k_rtt = instance.pair_rtt_ms[kept]

    served_site = np.bincount(k_site, weights=k_demand, minlength=instance.n_sites)
    capacity = gpus @ instance.gpu_throughput
    power = (gpus @ instance.gpu_power_kw) * instance.site_pue

    traffic = k_demand * instance.region_gbps_per_unit[k_region]
    loads = link_loads_gbps(instance, kept, traffic)
    topology = instance.topology
    links = []
    utilisations = [0.0]
    for column in np.flatnonzero(loads > TINY):
        edge, reverse = divmod(int(column), 2)
        src, dst = int(topology.edge_src[edge]), int(topology.edge_dst[edge])
        if reverse:
            src, dst = dst, src
        cap = float(topology.edge_capacity_gbps[edge])
        links.append(
            {
                "source": topology.node_ids[src],
                "target": topology.node_ids[dst],
                "load_gbps": float(loads[column]),
                "capacity_gbps": cap if np.isfinite(cap) else None,
            }
        )
        if np.isfinite(cap) and cap > 0:
            utilisations.append(float(loads[column]) / cap)

    sites = []
    for s in np.flatnonzero(is_open | (gpus.sum(axis=1) > 0)):
        sites.append(
            {
                "id": instance.site_ids[s],
                "node": topology.node_ids[int(instance.site_node[s])],
                "country": instance.site_country[s],
                "open": bool(is_open[s]),
                "gpus": _count_dict(types, gpus[s]),
                "new_gpus": _count_dict(types, new_gpus[s]),
                "power_kw": float(power[s]),
                "served_demand": float(served_site[s]),
                "utilisation": float(served_site[s] / capacity[s]) if capacity[s] > 0 else 0.0,
                "fixed_cost": float(instance.site_fixed_cost[s]) if is_open[s] else 0.0,
            }
        )

    assignments = [
        {
            "region": instance.region_ids[r],
            "site": instance.site_ids[s],
            "share": float(sh),
            "demand": float(d),
            "rtt_ms": float(rtt),
        }
        for r, s, sh, d, rtt in zip(k_region, k_site, k_share, k_demand, k_rtt, strict=True)
    ]
    unserved_r = np.asarray(solution.unserved, dtype=float)
    unserved = [
        {"region": instance.region_ids[r], "demand": float(unserved_r[r])}
        for r in np.flatnonzero(unserved_r >= TINY)
    ]
    unserved_total = float(sum(u["demand"] for u in unserved))

    fixed = float(instance.site_fixed_cost[is_open].sum())
    capex = float((new_gpus * instance.gpu_capex[None, :]).sum(axis=1) @ instance.site_cost_factor)
    total_cost = fixed + capex
    served = float(k_demand.sum())
    total_demand = float(instance.region_demand.sum())
    rtt_term = float(np.dot(k_demand, k_rtt))
    objective = _objective(instance, total_cost, rtt_term, unserved_total, served)

    return {
        "schema": PLAN_SCHEMA,
        "scenario": {"name": instance.name, "sha256": instance.sha256},
        "solver": _solver_block(solution, solver_settings),
        "status": solution.status.value,
        "objective": objective,
        "bound": _finite_or_none(solution.bound),
        "gap": relative_gap(objective, _finite_or_none(solution.bound)),
        "wall_s": float(solution.wall_s),
        "objective_kind": instance.objective.kind,
        "solver_objective": _finite_or_none(solution.objective),
        "interrupted": bool(solution.interrupted),
        "kpis": {
            "total_cost": total_cost,
            "sites_open": int(is_open.sum()),
            "gpus": _count_dict(types, gpus.sum(axis=0)),
            "served_fraction": served / total_demand if total_demand > 0 else 1.0,
            "mean_rtt_ms": weighted_mean(k_rtt, k_demand),
            "p95_rtt_ms": weighted_percentile(k_rtt, k_demand, 0.95),
            "max_link_utilisation": max(utilisations),
        },
        "cost_breakdown": {"fixed": fixed, "gpu_capex": capex},
        "sites": sites,
        "assignments": assignments,
        "unserved": unserved,
        "links": links,
        "diagnosis": list(diagnosis),
        "notes": list(solution.notes),
    }


__all__ = ["PLAN_SCHEMA", "build_plan", "link_loads_gbps", "relative_gap"]
