"""Assignment: every unit of demand is served (or, where allowed, left unserved).

Formulation, for each region r with D_r > 0::

    Σ_{p of r} x_p  (+ u_r / D_r)  = 1

``u_r`` exists only when ``allow_unserved`` or the objective is ``served``.
Regions with demand 0 need nothing (their shares are fixed to 0). A region
with no candidate pair and no ``u_r`` makes the row empty, hence infeasible.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import diag, region_pair_matrix

name = "assignment"
# rows of one region each: kept apart by the engine's decomposition
decomposition = "region"


def applies(instance) -> bool:
    return True


def add(model: ModelBuilder, instance) -> None:
    demand = instance.region_demand
    rows = np.flatnonzero(demand > 0)
    if rows.size == 0:
        return
    terms = [(model.var("share"), region_pair_matrix(instance)[rows])]
    if model.has_var("unserved"):
        inv = np.where(demand > 0, 1.0 / np.where(demand > 0, demand, 1.0), 0.0)
        terms.append((model.var("unserved"), diag(inv)[rows]))
    else:
        terms.append((model.var("share"), sp.csr_matrix((rows.size, instance.n_pairs))))
    model.add_rows(name, terms, lb=1.0, ub=1.0)


def check(instance, plan: dict) -> list[str]:
    shares = np.zeros(instance.n_regions)
    for r, _s, share in _plan.assignments(instance, plan):
        shares[r] += share
    unserved = _plan.unserved(instance, plan)
    c = instance.constraints
    may_leave = c.allow_unserved or instance.objective.kind == "served"
    out = []
    for r, rid in enumerate(instance.region_ids):
        d = float(instance.region_demand[r])
        if d <= 0:
            continue
        if unserved[r] > _plan.TOL * d and not may_leave:
            out.append(
                f"region {rid}: {unserved[r]:g} demand units unserved but allow_unserved is false"
            )
        total = shares[r] + unserved[r] / d
        if abs(total - 1.0) > 1e-5:
            out.append(f"region {rid}: shares + unserved cover {total:.6f} of its demand, not 1")
    return out
