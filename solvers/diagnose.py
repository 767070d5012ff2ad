"""Why an instance has no feasible plan, in planner terms.

:func:`diagnose` runs cheap pre-solve checks. Each message it returns is a
*proof* of infeasibility on its own (an empty list proves nothing):

- regions with demand but no site within their SLA, or none left by
  sovereignty (ids, demand, nearest RTT);
- a region whose reachable sites cannot hold its demand under power/space;
- total demand above the most capacity power and space allow (and by how much);
- budget below a lower bound on the cost of serving the demand;
- site counts (min_sites above the sites that may open, max_sites below the
  sites that must open), single sourcing with redundancy > 1, redundancy k
  above a region's candidate sites, min_gpus_per_site beyond what a site
  that must open can hold, sites that must open and are closed.

:func:`explain_infeasible` is for when the model is infeasible and the
pre-checks found nothing: each constraint family is relaxed alone (LP, then a
short MIP with HiGHS, :mod:`solvers.diagnosis`) to say which single change
admits a plan and by how much; without the instance, CP-SAT with one
enforcement literal per family names families that cannot hold together.
"""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.diagnosis import fmt
from gpuplace.solvers.diagnosis.contracts import contract_findings, must_serve_region_demand
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.topo import latency

__all__ = ["diagnose", "explain_infeasible"]

_OPEN, _CLOSED = 1, 2
_MAX_LISTED = 10


def _n(value: float, direction: str = "nearest") -> str:
    """A number for planners (thousands separators), rounded in ``direction``."""
    return fmt.number(float(value), direction)


def _ids(ids: list[str]) -> str:
    more = f" and {len(ids) - _MAX_LISTED} more" if len(ids) > _MAX_LISTED else ""
    return ", ".join(ids[:_MAX_LISTED]) + more


def _min_rtt_any_site(inst: Instance, regions: np.ndarray) -> np.ndarray:
    """Smallest RTT (ms) from each region to any non-closed site, ignoring SLA and sovereignty."""
    out = np.full(len(regions), np.inf)
    usable = np.flatnonzero(inst.site_status != _CLOSED)
    if not usable.size or not len(regions):
        return out
    for m_r, m_s, m_rtt in zip(
        inst.matrix_region, inst.matrix_site, inst.matrix_rtt_ms, strict=True
    ):
        hit = np.flatnonzero(regions == m_r)
        if hit.size and inst.site_status[m_s] != _CLOSED:
            out[hit] = np.minimum(out[hit], m_rtt)
    if inst.matrix_only or inst.topology.n_nodes == 0:
        return out
    s = inst.latency
    link_ms = latency.link_latency_ms(
        inst.topology, s.fibre_km_per_ms, s.link_route_factor, s.per_hop_ms
    )
    attach = inst.region_node[regions]
    access = latency.access_ms(
        inst.topology,
        inst.region_lat[regions],
        inst.region_lon[regions],
        attach,
        s.access_route_factor,
        s.fibre_km_per_ms,
    )
    paths = latency.shortest_paths(inst.topology, link_ms, attach)
    rows = paths.row_of(attach)
    rtt = 2.0 * (access[:, None] + paths.one_way_ms[rows][:, inst.site_node[usable]])
    return np.minimum(out, rtt.min(axis=1))


def _site_capacity(inst: Instance) -> np.ndarray:
    """Most demand each site can serve under power and space (0 if closed)."""
    mu = inst.constraints.max_utilisation
    per_gpu_kw = inst.site_pue[:, None] * inst.gpu_power_kw[None, :]
    existing = inst.site_existing_gpus
    rem_power = inst.site_power_kw - (existing * per_gpu_kw).sum(axis=1)
    rem_space = inst.site_max_gpus - existing.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_fit = np.where(per_gpu_kw > 0, np.floor(rem_power[:, None] / per_gpu_kw + 1e-9), np.inf)
    n_fit = np.clip(np.minimum(n_fit, rem_space[:, None]), 0, None)
    extra = (
        (n_fit * inst.gpu_throughput[None, :]).max(axis=1)
        if inst.n_types
        else np.zeros(inst.n_sites)
    )
    cap = mu * ((existing * inst.gpu_throughput[None, :]).sum(axis=1) + extra)
    return np.where(inst.site_status == _CLOSED, 0.0, cap)


def diagnose(instance: Instance) -> list[str]:
    """Pre-solve infeasibility checks; every message is a sufficient reason.

    Parameters
    ----------
    instance
        The instance to check.

    Returns
    -------
    list of str
        Reasons no plan can exist, in planner terms; empty when the checks
        find none (which does not prove feasibility).
    """
    inst = instance
    c = inst.constraints
    out: list[str] = []
    demand = must_serve_region_demand(inst)  # region_demand without [money]
    may_leave = c.allow_unserved or inst.objective.kind == "served"
    forced = (inst.site_status == _OPEN) | (inst.site_existing_gpus.sum(axis=1) > 0)
    closed = inst.site_status == _CLOSED
    n_pairs_r = np.bincount(inst.pair_region, minlength=inst.n_regions)
    usable_pair = ~closed[inst.pair_site] if inst.n_pairs else np.zeros(0, dtype=bool)
    n_usable_r = np.bincount(inst.pair_region[usable_pair], minlength=inst.n_regions)
    cap = _site_capacity(inst)

    bad = np.flatnonzero(forced & closed)
    if bad.size:
        out.append(
            f"sites {_ids([inst.site_ids[s] for s in bad])} have existing GPUs or status open but are closed"
        )

    if not may_leave:
        lonely = np.flatnonzero((demand > 0) & (n_usable_r == 0))
        if lonely.size:
            nearest = _min_rtt_any_site(inst, lonely)
            sla = inst.region_sla_rtt_ms[lonely]
            sov = lonely[nearest <= sla]
            far = lonely[nearest > sla]
            if far.size:
                far_set = set(far.tolist())
                parts = [
                    f"{inst.region_ids[r]} (demand {_n(demand[r])}, "
                    + (
                        f"nearest site {nearest[i]:.3g} ms > SLA {inst.region_sla_rtt_ms[r]:g} ms)"
                        if np.isfinite(nearest[i])
                        else "no path to any site: the topology is split)"
                    )
                    for i, r in enumerate(lonely)
                    if r in far_set
                ]
                out.append(
                    f"{far.size} region(s) have no site within their SLA: {_ids(parts)}; total demand {_n(demand[far].sum())}"
                )
            if sov.size:
                parts = [
                    f"{inst.region_ids[r]} (demand {_n(demand[r])}, allowed {';'.join(sorted(inst.region_allowed_countries[r] or []))})"
                    for r in sov
                ]
                out.append(
                    f"{sov.size} region(s) have sites within their SLA, but none in an allowed country (sovereignty): {_ids(parts)}"
                )
        if inst.n_pairs:
            reach = np.bincount(
                inst.pair_region, weights=cap[inst.pair_site], minlength=inst.n_regions
            )
            short = np.flatnonzero((demand > 0) & (n_usable_r > 0) & (reach < demand * (1 - 1e-9)))
            if short.size:
                parts = [
                    f"{inst.region_ids[r]} (demand {_n(demand[r])}, reachable capacity {_n(reach[r], 'up')})"
                    for r in short
                ]
                out.append(
                    f"{short.size} region(s) cannot be served by the sites within reach, even at full power and space: {_ids(parts)}"
                )
        total, most = float(demand.sum()), float(cap.sum())
        if total > most * (1 + 1e-9):
            out.append(
                f"total demand {_n(total)} exceeds the most capacity power and space allow ({_n(most, 'up')} at max_utilisation {c.max_utilisation:g}) by at least {_n(total - most, 'down')}"
            )
        if c.budget is not None and inst.n_types:
            mu = c.max_utilisation
            free = float(mu * (inst.site_existing_gpus * inst.gpu_throughput[None, :]).sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                unit = np.where(
                    inst.gpu_throughput[None, :] > 0,
                    inst.site_cost_factor[:, None]
                    * inst.gpu_capex[None, :]
                    / (mu * inst.gpu_throughput[None, :]),
                    np.inf,
                )
            cheapest = float(unit[~closed].min()) if (~closed).any() else np.inf
            lower = max(0.0, total - free) * cheapest + float(inst.site_fixed_cost[forced].sum())
            if lower > c.budget * (1 + 1e-9):
                out.append(
                    f"budget {_n(c.budget)} is below the least cost of serving the demand (at least {_n(lower, 'down')}: new GPUs at the cheapest capex per unit plus fixed costs of sites that must open)"
                )

    n_openable = int((~closed).sum())
    if c.min_sites is not None and c.min_sites > n_openable:
        out.append(f"min_sites is {c.min_sites} but only {n_openable} site(s) may open")
    if c.max_sites is not None and c.max_sites < int(forced.sum()):
        out.append(
            f"max_sites is {c.max_sites} but {int(forced.sum())} site(s) must open (status open or existing GPUs)"
        )
    if c.min_sites is not None and c.max_sites is not None and c.min_sites > c.max_sites:
        out.append(f"min_sites {c.min_sites} exceeds max_sites {c.max_sites}")
    k = int(c.redundancy)
    if k > 1 and c.single_sourcing:
        out.append(f"single_sourcing needs one site per region, redundancy {k} needs at least {k}")
    elif k > 1 and not may_leave:
        few = np.flatnonzero((demand > 0) & (n_usable_r > 0) & (n_usable_r < k))
        if few.size:
            parts = [f"{inst.region_ids[r]} ({n_usable_r[r]} site(s))" for r in few]
            out.append(
                f"redundancy {k} needs {k} sites per region; these have fewer within reach: {_ids(parts)}"
            )
    m = c.min_gpus_per_site
    if m > 0:
        per_gpu_kw = inst.site_pue[:, None] * inst.gpu_power_kw[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            n_fit = (
                np.where(
                    per_gpu_kw > 0,
                    np.floor(inst.site_power_kw[:, None] / per_gpu_kw + 1e-9),
                    np.inf,
                ).max(axis=1)
                if inst.n_types
                else np.zeros(inst.n_sites)
            )
        most_gpus = np.minimum(n_fit, inst.site_max_gpus)
        weak = np.flatnonzero(forced & (most_gpus < m))
        if weak.size:
            out.append(
                f"sites {_ids([inst.site_ids[s] for s in weak])} must open but cannot hold min_gpus_per_site = {m} GPUs"
            )
    if forced.any():
        per_gpu_kw = inst.site_pue[:, None] * inst.gpu_power_kw[None, :]
        used = (inst.site_existing_gpus * per_gpu_kw).sum(axis=1)
        over = np.flatnonzero(used > inst.site_power_kw * (1 + 1e-9))
        if over.size:
            out.append(
                f"existing GPUs exceed the power of sites {_ids([inst.site_ids[s] for s in over])}"
            )
    del n_pairs_r
    out.extend(contract_findings(inst))
    return out


def explain_infeasible(
    model: LinearModel,
    time_limit_s: float = 10.0,
    instance: Instance | None = None,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> list[str]:
    """Why an infeasible model has no plan, in planner terms.

    Parameters
    ----------
    model
        The model, proven infeasible by a backend.
    time_limit_s
        Wall-clock budget of the diagnosis
        (:func:`solvers.diagnosis.diagnosis_time_s` gives the default for a solve).
    instance
        The instance the model was built from. With it, each constraint family
        is relaxed alone (:func:`solvers.diagnosis.explain`): the messages say
        which single change admits a plan and by how much (budget short by,
        kW / GPUs / Gbit/s missing where, sites needed). Without it, CP-SAT
        names families that cannot hold together.
    seed
        Random seed of the solvers used.
    cancel
        The diagnosis stops once it is cancelled (what is proven by then is said).

    Returns
    -------
    list of str
        Messages; each states a proven fact.
    """
    from gpuplace.solvers.diagnosis.explain import conflicting_families, explain

    if instance is None:
        return conflicting_families(model, time_limit_s, cancel)
    return explain(model, instance, time_limit_s=time_limit_s, seed=seed, cancel=cancel)
