"""Repair a plan into a survivable one by adding GPUs greedily (an incumbent for the cut loop).

Given a plan (typically the optimum of a relaxation that lacks some failover
cuts), keep its assignment and add GPUs until every single-site failure is
survived:

1. for every site f the plan uses, find the violated capacity cuts of losing f
   (:func:`gpuplace.resilience.cuts.separate`): region sets R' whose failover sites
   N lack ``deficit = Σ_{R'} served − Σ_N cap`` demand units;
2. cover each deficit at the cheapest sites of N per demand unit
   (``capex_t × cost_factor_s / throughput_t``, plus the fixed cost and
   ``min_gpus_per_site`` GPUs when the site is not open yet), within each site's
   power and space;
3. repeat until a pass over every used site finds nothing (added capacity never
   breaks a survived failure, so this ends unless a site runs out of room).

The result is checked against every row of the base model (budget, power,
site counts, ...); a repair that breaks one is dropped. The plan it returns is
survivable by construction, and the caller certifies it with the failover LP.
"""

from __future__ import annotations

import time

import numpy as np

from gpuplace.resilience.cuts import separate
from gpuplace.scenario.instance import Instance, SiteStatus
from gpuplace.solvers.backends.solution import warm_start_vector
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.objective import objective_value
from gpuplace.solvers.reachable import ReachablePairs
from gpuplace.solvers.result import Solution, Status

__all__ = ["repair_survivable"]

_MAX_PASSES = 25


def repair_survivable(
    instance: Instance,
    base_model: LinearModel,
    solution: Solution,
    pairs: ReachablePairs,
    *,
    max_passes: int = _MAX_PASSES,
) -> Solution | None:
    """The plan of ``solution`` with GPUs added so that it survives every single-site loss.

    Parameters
    ----------
    instance : Instance
        The scenario.
    base_model : LinearModel
        The model of ``instance`` without failover rows (the rows the repair must keep).
    solution : Solution
        A plan aligned with ``instance`` (its assignment is kept).
    pairs : ReachablePairs
        Pairs within the failover SLA.
    max_passes : int
        Safety stop on passes over the used sites.

    Returns
    -------
    Solution or None
        FEASIBLE with the repaired GPUs (``bound`` None); None when some deficit
        cannot be covered or the repaired plan breaks a row of ``base_model``.
    """
    started = time.perf_counter()
    if solution.objective is None:
        return None
    S, T = instance.n_sites, instance.n_types
    thr = np.asarray(instance.gpu_throughput, dtype=float)
    new = np.asarray(solution.new_gpus, dtype=np.int64).copy()
    opened = np.asarray(solution.open_sites, dtype=bool).copy()
    served = np.maximum(instance.region_demand - solution.unserved, 0.0)
    upper = np.floor(base_model.values(base_model.col_ub, "gpus").reshape(S, T) + 1e-9)
    room = _Room(instance, upper)
    added = False
    for _ in range(max_passes):
        found = False
        total = instance.site_existing_gpus + new
        used = np.flatnonzero(opened | (total.sum(axis=1) > 0))
        for f in used.tolist():
            capacity = (instance.site_existing_gpus + new) @ thr
            for regions, sites in separate(capacity, served, f, pairs):
                deficit = float(served[list(regions)].sum() - capacity[list(sites)].sum())
                if not _cover(instance, room, new, opened, np.array(sites), deficit):
                    return None
                capacity = (instance.site_existing_gpus + new) @ thr
                found = added = True
        if not found:
            break
    else:
        return None
    if not added:
        return solution
    share, unserved = solution.pair_share, solution.unserved
    opened = opened | ((instance.site_existing_gpus + new).sum(axis=1) > 0)
    repaired = Solution(
        status=Status.FEASIBLE,
        objective=objective_value(instance, opened, new, share, unserved),
        bound=None,
        open_sites=opened,
        new_gpus=new,
        pair_share=share,
        unserved=unserved,
        wall_s=time.perf_counter() - started,
        backend=solution.backend,
        backend_version=solution.backend_version,
        notes=("repaired to survive every single-site failure",),
    )
    broken = base_model.violations(warm_start_vector(base_model, instance, repaired), tol=1e-7)
    return None if broken else repaired


class _Room:
    """How many more GPUs of each type a site can take (power, space, variable bounds)."""

    def __init__(self, instance: Instance, upper_new: np.ndarray) -> None:
        self.instance = instance
        self.upper_new = upper_new
        self.kw_per_gpu = instance.gpu_power_kw[None, :] * instance.site_pue[:, None]

    def more(self, new: np.ndarray, s: int, t: int) -> int:
        inst = self.instance
        total = inst.site_existing_gpus[s] + new[s]
        by_bound = self.upper_new[s, t] - new[s, t]
        by_space = float(inst.site_max_gpus[s]) - float(total.sum())
        kw = float(self.kw_per_gpu[s, t])
        spare_kw = float(inst.site_power_kw[s]) - float(total @ self.kw_per_gpu[s])
        by_power = np.floor(spare_kw / kw + 1e-9) if kw > 0 else np.inf
        return int(max(0.0, min(by_bound, by_space, by_power)))


def _cover(
    instance: Instance,
    room: _Room,
    new: np.ndarray,
    opened: np.ndarray,
    sites: np.ndarray,
    deficit: float,
) -> bool:
    """Add GPUs at ``sites`` worth ``deficit`` demand units, cheapest per unit first.

    Updates ``new`` and ``opened`` in place; False when the sites run out of room.
    """
    thr = instance.gpu_throughput
    min_gpus = int(instance.constraints.min_gpus_per_site)
    while deficit > 1e-9:
        best = None
        for s in sites.tolist():
            if instance.site_status[s] == int(SiteStatus.CLOSED):
                continue
            is_open = bool(opened[s]) or (instance.site_existing_gpus[s] + new[s]).sum() > 0
            for t in range(instance.n_types):
                if thr[t] <= 0:
                    continue
                limit = room.more(new, s, t)
                want = int(np.ceil(deficit / thr[t] - 1e-9))
                if not is_open:
                    want = max(want, min_gpus - int(instance.site_existing_gpus[s].sum()))
                count = min(limit, want)
                if count <= 0:
                    continue
                price = count * instance.gpu_capex[t] * instance.site_cost_factor[s]
                if not is_open:
                    price += instance.site_fixed_cost[s]
                per_unit = price / min(count * thr[t], deficit)
                if best is None or per_unit < best[0]:
                    best = (per_unit, s, t, count)
        if best is None:
            return False
        _, s, t, count = best
        new[s, t] += count
        opened[s] = True
        deficit -= count * thr[t]
    return True
