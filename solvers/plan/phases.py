"""What a plan with a phased roll-out builds in each phase (PLAN.md, "Phases").

Backends return the plan's final GPUs; the phase in which each is installed is
recomputed here from the decisions, by a small integer programme over the sites
that build (scipy's HiGHS MILP): ``h_stq >= 0`` GPUs of type t installed at site
s in phase q, with

- ``Σ_q h_stq = new GPUs of (s, t)``, and ``h_stq = 0`` before the site's first phase;
- in every slot of phase q the site's served demand fits the GPUs installed by q:
  ``served_sw <= max_utilisation × Σ_t thr_t (E_st + Σ_{q' <= q} h_stq')``;
- per phase, ``Σ h <= max_new_gpus_q`` and ``Σ capex × cost_factor × h <= budget_q``;

installing as late as the phases allow (the solver's own split satisfies these
rows, so one always exists).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan.value import Plan

__all__ = ["phase_split", "with_phases"]

_LIMIT_S = 30.0


def phase_split(instance: Instance, new_gpus: np.ndarray, served: np.ndarray) -> np.ndarray | None:
    """New GPUs per (site, type, phase), int [S, T, N]; None when no split fits (a defect).

    ``served`` is the demand each site serves in each slot, float [S, W].
    """
    periods = instance.periods
    assert periods is not None and periods.phases is not None
    phases = periods.phases
    S, T, N = instance.n_sites, instance.n_types, phases.n_phases
    out = np.zeros((S, T, N), dtype=np.int64)
    build = np.flatnonzero(new_gpus.sum(axis=1) > 0)
    if build.size == 0:
        return out
    n = build.size
    V = n * T * N
    col = np.arange(V).reshape(n, T, N)
    first = phases.site_first_phase[build]
    ub = np.where(np.arange(N)[None, None, :] >= first[:, None, None], np.inf, 0.0)
    ub = np.broadcast_to(ub, (n, T, N)).ravel()
    rows: list[sp.csr_matrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    # all phases together: the site's new GPUs of each type
    rows.append(
        sp.csr_matrix((np.ones(V), (np.repeat(np.arange(n * T), N), col.ravel())), shape=(n * T, V))
    )
    total = new_gpus[build].ravel().astype(float)
    lo.append(total)
    hi.append(total)
    # every slot: served demand within the GPUs installed by its phase
    mu = float(instance.constraints.max_utilisation)
    thr = instance.gpu_throughput
    slot_phase = periods.phase_of_slot
    existing = mu * (instance.site_existing_gpus[build] @ thr)
    r, c, v = [], [], []
    need: list[float] = []
    for i in range(n):
        for w in np.flatnonzero(served[build[i]] > 0):
            for t in range(T):
                for q in range(int(slot_phase[w]) + 1):
                    r.append(len(need))
                    c.append(int(col[i, t, q]))
                    v.append(mu * float(thr[t]))
            need.append(float(served[build[i], w]) - existing[i])
    if need:
        rows.append(sp.csr_matrix((v, (r, c)), shape=(len(need), V)))
        lo.append(np.array(need) - 1e-6 * np.maximum(1.0, np.abs(need)))
        hi.append(np.full(len(need), np.inf))
    capex = (instance.site_cost_factor[build, None] * instance.gpu_capex[None, :]).ravel()
    for limit, weight in ((phases.max_new_gpus, np.ones(n * T)), (phases.budget, capex)):
        for q in np.flatnonzero(np.isfinite(limit)).tolist():
            rows.append(
                sp.csr_matrix(
                    (weight, (np.zeros(n * T, dtype=int), col[:, :, q].ravel())), shape=(1, V)
                )
            )
            lo.append(np.array([-np.inf]))
            hi.append(np.array([float(limit[q]) * (1 + 1e-9)]))
    # as late as the phases allow
    cost = np.broadcast_to(-np.arange(N, dtype=float)[None, None, :], (n, T, N)).ravel()
    result = milp(
        cost,
        constraints=LinearConstraint(
            sp.vstack(rows).tocsr(), np.concatenate(lo), np.concatenate(hi)
        ),
        integrality=np.ones(V),
        bounds=Bounds(np.zeros(V), ub),
        options={"time_limit": _LIMIT_S},
    )
    if result.x is None:
        return None
    out[build] = np.rint(result.x).astype(np.int64).reshape(n, T, N)
    return out


def with_phases(instance: Instance, plan: Plan, served: np.ndarray) -> Plan:
    """The plan with what each site builds in each phase and the roll-out's ``phases`` rows."""
    periods = instance.periods
    assert periods is not None and periods.phases is not None
    phases = periods.phases
    index = {sid: s for s, sid in enumerate(instance.site_ids)}
    new = np.zeros((instance.n_sites, instance.n_types), dtype=np.int64)
    for row in plan.sites:
        for t, gpu_type in enumerate(instance.gpu_types):
            new[index[row.id], t] = int(row.new_gpus.get(gpu_type, 0))
    split = phase_split(instance, new, served)
    if split is None:
        return replace(plan, notes=(*(plan.notes or ()), "no phase split of the plan's GPUs fits"))
    types = instance.gpu_types
    sites = []
    for row in plan.sites:
        s = index[row.id]
        by_phase: dict[str, Any] = {}
        for q, pid in enumerate(phases.ids):
            counts = {
                types[t]: int(split[s, t, q]) for t in range(instance.n_types) if split[s, t, q] > 0
            }
            if counts:
                by_phase[pid] = counts
        sites.append(replace(row, phase_new_gpus=by_phase))
    capex = instance.site_cost_factor[:, None, None] * instance.gpu_capex[None, :, None] * split
    slot_phase = periods.phase_of_slot
    rows = []
    for q, pid in enumerate(phases.ids):
        in_phase = slot_phase == q
        rows.append(
            {
                "id": pid,
                "demand_factor": float(phases.demand_factor[q]),
                "new_gpus": {
                    types[t]: int(split[:, t, q].sum())
                    for t in range(instance.n_types)
                    if split[:, t, q].sum() > 0
                },
                "capex": float(capex[:, :, q].sum()),
                "budget": float(phases.budget[q]) if np.isfinite(phases.budget[q]) else None,
                "max_new_gpus": int(phases.max_new_gpus[q])
                if np.isfinite(phases.max_new_gpus[q])
                else None,
                "sites_building": sorted(
                    instance.site_ids[s] for s in np.flatnonzero(split[:, :, q].sum(axis=1) > 0)
                ),
                "peak_served": float(served[:, in_phase].sum(axis=0).max(initial=0.0)),
            }
        )
    return replace(plan, sites=tuple(sites), extra={**plan.extra, "phases": rows})
