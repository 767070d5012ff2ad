"""Turn a backend's :class:`~solvers.result.Solution` into a :class:`~solvers.plan.value.Plan`.

The plan's numbers are recomputed from the decisions (GPU counts, shares,
unserved demand), so the objective written is the one the plan's own numbers
give, whatever scaling a backend used internally (the backend's own value is
kept as ``solver_objective``).

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
from gpuplace.scenario.money import penalised
from gpuplace.solvers.kpis import TINY, weighted_mean, weighted_percentile
from gpuplace.solvers.plan.bill import plan_bill
from gpuplace.solvers.plan.periods import with_periods
from gpuplace.solvers.plan.serving import assignment_fields, site_fields
from gpuplace.solvers.plan.value import (
    Assignment,
    CostBreakdown,
    Kpis,
    LinkLoad,
    Plan,
    PlanSite,
    ScenarioRef,
    SolverInfo,
    UnservedDemand,
)
from gpuplace.solvers.result import Solution, SolveParameters, Status, stop_reason_of
from gpuplace.topo import latency

_HAS_PLAN = (Status.OPTIMAL, Status.FEASIBLE)
_SETTINGS = ("time_limit_s", "gap", "threads", "seed")


def _count_dict(gpu_types: Sequence[str], counts: np.ndarray) -> dict[str, int]:
    return {t: int(n) for t, n in zip(gpu_types, counts, strict=True) if int(n) > 0}


def solver_info(
    solution: Solution, settings: SolveParameters | Mapping[str, Any] | None
) -> SolverInfo:
    """The plan's ``solver`` block: the backend, and the settings the solve ran with.

    ``settings`` is the :class:`SolveParameters` of the solve or, for callers
    that hold them as a mapping, ``time_limit_s``, ``gap``, ``threads``, ``seed``
    (missing ones are null).
    """
    if isinstance(settings, SolveParameters):
        values = {key: getattr(settings, key) for key in _SETTINGS}
    else:
        values = {key: (settings or {}).get(key) for key in _SETTINGS}
    return SolverInfo(name=solution.backend, version=solution.backend_version, **values)


def _stop_reason(
    solution: Solution,
    settings: SolveParameters | Mapping[str, Any] | None,
    gap: float | None = None,
) -> str:
    """The plan's ``stop_reason``: the solution's own, else read from its status and clock."""
    limit: float | None
    if isinstance(settings, SolveParameters):
        limit, cancelled = settings.time_limit_s, settings.cancel.cancelled
    else:
        limit, cancelled = (settings or {}).get("time_limit_s"), False
    return stop_reason_of(solution, time_limit_s=limit, cancelled=cancelled, gap=gap).value


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
    solver: SolverInfo,
    diagnosis: Sequence[str],
    stop_reason: str,
) -> Plan:
    # An infeasible solution's notes say why (solvers.solve puts its diagnosis there).
    default = solution.notes if solution.status == Status.INFEASIBLE else ()
    return Plan(
        scenario=ScenarioRef(name=instance.name, sha256=instance.sha256),
        solver=solver,
        status=solution.status,
        objective=None,
        bound=_finite_or_none(solution.bound),
        gap=None,
        wall_s=float(solution.wall_s),
        objective_kind=instance.objective.kind,
        interrupted=bool(solution.interrupted),
        stop_reason=stop_reason,
        kpis=Kpis(
            total_cost=None,
            sites_open=0,
            gpus={},
            served_fraction=None,
            mean_rtt_ms=None,
            p95_rtt_ms=None,
            max_link_utilisation=None,
        ),
        diagnosis=tuple(diagnosis) if diagnosis else tuple(default),
        notes=tuple(solution.notes),
    )


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


def _links(instance: Instance, loads: np.ndarray) -> tuple[list[LinkLoad], float]:
    """Loaded link directions, and the largest utilisation among capacitated ones (0 if none)."""
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
            LinkLoad(
                source=topology.node_ids[src],
                target=topology.node_ids[dst],
                load_gbps=float(loads[column]),
                capacity_gbps=cap if np.isfinite(cap) else None,
            )
        )
        if np.isfinite(cap) and cap > 0:
            utilisations.append(float(loads[column]) / cap)
    return links, max(utilisations)


def _sites(
    instance: Instance,
    is_open: np.ndarray,
    gpus: np.ndarray,
    new_gpus: np.ndarray,
    served_site: np.ndarray,
    share: np.ndarray,
) -> list[PlanSite]:
    types = instance.gpu_types
    capacity = gpus @ instance.gpu_throughput
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(capacity > 0, served_site / capacity, 0.0)
    power = (gpus @ instance.gpu_power_kw) * instance.site_pue
    listed = np.flatnonzero(is_open | (gpus.sum(axis=1) > 0))
    node_lat, node_lon = instance.topology.node_lat, instance.topology.node_lon
    replicas: Sequence[dict[str, int] | None] = [None] * listed.size
    if instance.serving is not None:
        replicas, utilisation = site_fields(instance, share, listed)
    return [
        PlanSite(
            id=instance.site_ids[s],
            node=instance.topology.node_ids[int(instance.site_node[s])],
            lat=_finite_or_none(node_lat[int(instance.site_node[s])]),
            lon=_finite_or_none(node_lon[int(instance.site_node[s])]),
            country=instance.site_country[s],
            open=bool(is_open[s]),
            gpus=_count_dict(types, gpus[s]),
            new_gpus=_count_dict(types, new_gpus[s]),
            power_kw=float(power[s]),
            served_demand=float(served_site[s]),
            utilisation=float(utilisation[s]),
            fixed_cost=float(instance.site_fixed_cost[s]) if is_open[s] else 0.0,
            replicas=held,
        )
        for s, held in zip(listed, replicas, strict=True)
    ]


def _unserved(instance: Instance, unserved: np.ndarray) -> list[UnservedDemand]:
    """Rows of demand left unserved, per demand item (per region without serving tables)."""
    serving = instance.serving
    rows = []
    for k in np.flatnonzero(unserved >= TINY):
        extra = {}
        if serving is not None:
            extra = {
                "model": serving.model_ids[int(serving.item_model[k])],
                "tier": serving.tier_ids[int(serving.item_tier[k])],
            }
        region = instance.region_ids[int(instance.item_region[k])]
        rows.append(UnservedDemand(region=region, demand=float(unserved[k]), **extra))
    return rows


def _objective(
    instance: Instance, total_cost: float, rtt_term: float, unserved: float, served: float
) -> float:
    kind = instance.objective.kind
    penalty = instance.constraints.unserved_penalty if instance.constraints.allow_unserved else 0.0
    if kind == "served":
        return served
    if kind == "latency":
        total_demand = float(instance.item_demand.sum())
        return (rtt_term + penalty * unserved) / total_demand if total_demand > 0 else 0.0
    return total_cost + instance.objective.latency_weight * rtt_term + penalty * unserved


def make_plan(
    instance: Instance,
    solution: Solution,
    settings: SolveParameters | Mapping[str, Any] | None = None,
    *,
    diagnosis: Sequence[str] = (),
) -> Plan:
    """Build the plan of a solution.

    Parameters
    ----------
    instance : Instance
        The instance the solution answers.
    solution : Solution
        A backend's decisions; with status infeasible / no_solution the plan
        holds no sites and ``objective`` is None.
    settings : SolveParameters or mapping, optional
        What the solve ran with (the plan's ``solver`` block, :func:`solver_info`).
    diagnosis : sequence of str
        Why no plan exists (written to ``diagnosis``); by default an
        infeasible solution's ``notes``.

    Returns
    -------
    Plan
        ``solvers.verify.verify_plan(instance, plan.to_dict())`` checks it independently.
    """
    solver = solver_info(solution, settings)
    if solution.status not in _HAS_PLAN:
        return _empty_plan(instance, solution, solver, diagnosis, _stop_reason(solution, settings))

    new_gpus = np.rint(np.asarray(solution.new_gpus, dtype=float)).astype(np.int64)
    gpus = instance.site_existing_gpus + new_gpus
    is_open = np.asarray(solution.open_sites, dtype=bool)

    share = np.asarray(solution.pair_share, dtype=float)
    kept = np.flatnonzero(share >= TINY)
    k_region = instance.pair_region[kept]
    k_site = instance.pair_site[kept]
    k_share = share[kept]
    k_item_demand = instance.item_demand[instance.pair_item[kept]]
    k_demand = k_share * k_item_demand
    k_rtt = instance.pair_rtt_ms[kept]
    served_site = np.bincount(k_site, weights=k_demand, minlength=instance.n_sites)
    traffic = k_demand * instance.region_gbps_per_unit[k_region]
    links, max_utilisation = _links(instance, link_loads_gbps(instance, kept, traffic))

    extras: list[dict[str, Any]] = [{}] * kept.size
    if instance.serving is not None:
        extras = assignment_fields(instance, kept)
    assignments = [
        Assignment(
            region=instance.region_ids[r],
            site=instance.site_ids[s],
            share=float(sh),
            demand=float(d),
            served_demand=float(d),
            region_demand=float(whole),
            rtt_ms=float(rtt),
            **extra,
        )
        for r, s, sh, d, whole, rtt, extra in zip(
            k_region, k_site, k_share, k_demand, k_item_demand, k_rtt, extras, strict=True
        )
    ]
    unserved = _unserved(instance, np.asarray(solution.unserved, dtype=float))
    unserved_total = float(sum(u.demand for u in unserved))
    extra: dict[str, Any] = {}
    if instance.money is not None:
        lost = np.asarray(solution.unserved, dtype=float)
        lost = np.where((lost >= TINY) & penalised(instance), lost, 0.0)
        unserved_total = float(lost.sum())
        cons = instance.constraints
        penalty = cons.unserved_penalty * unserved_total if cons.allow_unserved else 0.0
        extra["bill"] = plan_bill(instance, is_open, new_gpus, share, penalty)

    fixed = float(instance.site_fixed_cost[is_open].sum())
    capex = float((new_gpus * instance.gpu_capex[None, :]).sum(axis=1) @ instance.site_cost_factor)
    total_cost = fixed + capex
    served = float(k_demand.sum())
    total_demand = float(instance.item_demand.sum())
    rtt_term = float(np.dot(k_demand, k_rtt))
    objective = _objective(instance, total_cost, rtt_term, unserved_total, served)
    if instance.objective.kind == "profit":
        objective = extra["bill"]["profit"]
    penalty = instance.constraints.unserved_penalty if instance.constraints.allow_unserved else 0.0
    bound = _finite_or_none(solution.bound)
    gap = relative_gap(objective, bound)
    plan = Plan(
        scenario=ScenarioRef(name=instance.name, sha256=instance.sha256),
        solver=solver,
        status=solution.status,
        objective=objective,
        bound=bound,
        gap=gap,
        wall_s=float(solution.wall_s),
        objective_kind=instance.objective.kind,
        solver_objective=_finite_or_none(solution.objective),
        interrupted=bool(solution.interrupted),
        stop_reason=_stop_reason(solution, settings, gap),
        kpis=Kpis(
            total_cost=total_cost,
            sites_open=int(is_open.sum()),
            gpus=_count_dict(instance.gpu_types, gpus.sum(axis=0)),
            served_fraction=served / total_demand if total_demand > 0 else 1.0,
            mean_rtt_ms=weighted_mean(k_rtt, k_demand),
            p95_rtt_ms=weighted_percentile(k_rtt, k_demand, 0.95),
            max_link_utilisation=max_utilisation,
        ),
        cost_breakdown=CostBreakdown(
            fixed=fixed,
            gpu_capex=capex,
            latency_cost=instance.objective.latency_weight * rtt_term,
            unserved_penalty=penalty * unserved_total,
        ),
        sites=tuple(_sites(instance, is_open, gpus, new_gpus, served_site, share)),
        assignments=tuple(assignments),
        unserved=tuple(unserved),
        links=tuple(links),
        diagnosis=tuple(diagnosis),
        notes=tuple(solution.notes),
        extra=extra,
    )
    return with_periods(instance, solution, plan) if instance.periods is not None else plan


def build_plan(
    instance: Instance,
    solution: Solution,
    *,
    solver_settings: SolveParameters | Mapping[str, Any] | None,
    diagnosis: Sequence[str] = (),
) -> dict[str, Any]:
    """The plan of a solution as the plan file's dict: ``make_plan(...).to_dict()``.

    For callers that hand the plan to ``solvers.verify.verify_plan`` or to
    JSON themselves; everything else takes the :class:`Plan` of :func:`make_plan`.
    """
    return make_plan(instance, solution, solver_settings, diagnosis=diagnosis).to_dict()


__all__ = ["build_plan", "link_loads_gbps", "make_plan", "relative_gap", "solver_info"]
