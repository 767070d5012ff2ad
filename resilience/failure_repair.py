"""The cheapest repair after a failure (``failures --mode resolve``).

The repair problem is the scenario itself, re-solved on the failed network with
the plan's GPUs installed as existing ones:

- ``site_existing_gpus`` = the plan's GPUs (existing + new), zero at a failed site,
  which is closed;
- sites the plan opened cost no fixed cost again;
- failed links are removed, candidate pairs recomputed on the remaining topology
  (with serving models, the (item, site, deployment) triples and their operating
  points too);
- ``budget`` is dropped (it bounds the original build, not the repair),
  ``allow_unserved`` and ``survive_site_failure`` are off, and the objective is
  pure cost, so the optimum is the cost of GPUs to add plus sites to open.

When a failure disrupts no assignment and overloads no link, the plan is still
feasible as it is and the repair costs nothing (no solve).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gpuplace.resilience.failure_cases import FailureCase
from gpuplace.resilience.plan_arrays import PlanArrays
from gpuplace.scenario.instance import Instance, Objective, SiteStatus
from gpuplace.scenario.serving_pairs import expand_pairs
from gpuplace.solvers.api import solve
from gpuplace.solvers.reachable import reachable_pairs
from gpuplace.topo.graph import Topology

__all__ = ["repair", "repair_instance"]


def repair_instance(
    instance: Instance, arrays: PlanArrays, case: FailureCase, topology: Topology
) -> Instance:
    """The instance whose cheapest plan is the cheapest repair of ``case``.

    Parameters
    ----------
    instance : Instance
        The scenario.
    arrays : PlanArrays
        The plan's GPUs and assignment.
    case : FailureCase
        What failed.
    topology : Topology
        The network after the failure (links of ``case`` removed).

    Returns
    -------
    Instance
    """
    existing = arrays.gpus.copy()
    status = instance.site_status.copy()
    fixed = instance.site_fixed_cost.copy()
    plan_open = arrays.gpus.sum(axis=1) > 0
    fixed[plan_open] = 0.0
    for s in case.sites:
        existing[s] = 0
        status[s] = int(SiteStatus.CLOSED)
    pairs = reachable_pairs(instance, topology=topology)
    region, site, rtt, pair_serving = pairs.region, pairs.site, pairs.rtt_ms, None
    if instance.serving is not None:
        base, pair_serving = expand_pairs(instance.serving, region, site, rtt, instance.n_regions)
        region, site, rtt = region[base], site[base], rtt[base]
    constraints = dataclasses.replace(
        instance.constraints,
        budget=None,
        allow_unserved=False,
        survive_site_failure=False,
    )
    return dataclasses.replace(
        instance,
        name=f"{instance.name} repair {case.kind} {case.name}",
        topology=topology,
        site_existing_gpus=existing,
        site_status=status,
        site_fixed_cost=fixed,
        pair_region=region,
        pair_site=site,
        pair_rtt_ms=rtt,
        pair_serving=pair_serving,
        constraints=constraints,
        objective=Objective(kind="cost", latency_weight=0.0),
    )


def repair(
    instance: Instance,
    arrays: PlanArrays,
    case: FailureCase,
    impact: Any,
    *,
    topology: Topology,
    disrupted: bool,
    solver: str = "auto",
    params: Any = None,
) -> Any:
    """``impact`` with ``repair_status``, ``repair_cost``, ``repair_gpus``, ``repair_new_sites``."""
    if not disrupted:
        return dataclasses.replace(impact, repair_status="not_needed", repair_cost=0.0)
    derived = repair_instance(instance, arrays, case, topology)
    solution = solve(derived, solver=solver, params=params)
    status = getattr(solution.status, "value", str(solution.status))
    if status not in ("optimal", "feasible"):
        return dataclasses.replace(impact, repair_status=status)
    new = np.asarray(solution.new_gpus, dtype=np.int64)
    opened = (new.sum(axis=1) > 0) & ~(arrays.gpus.sum(axis=1) > 0)
    capex = (new * instance.gpu_capex[None, :]).sum(axis=1) * instance.site_cost_factor
    cost = float(capex.sum() + instance.site_fixed_cost[opened].sum())
    gpus = {
        instance.site_ids[s]: {
            instance.gpu_types[t]: int(new[s, t]) for t in np.flatnonzero(new[s] > 0)
        }
        for s in np.flatnonzero(new.sum(axis=1) > 0)
    }
    return dataclasses.replace(
        impact,
        repair_status=status,
        repair_cost=cost,
        repair_gpus=gpus,
        repair_new_sites=tuple(instance.site_ids[s] for s in np.flatnonzero(opened)),
    )
