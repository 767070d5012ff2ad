"""Assignment: every unit of demand is served (or, where allowed, left unserved).

Formulation, for each region r with D_r > 0::

    Σ_{p of r} x_p  (+ u_r / D_r)  = 1

``u_r`` exists only when ``allow_unserved`` or the objective is ``served``.
Regions with demand 0 need nothing (their shares are fixed to 0). A region
with no candidate pair and no ``u_r`` makes the row empty, hence infeasible.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.regions.check_regions` (violations ``share_sum``, ``unserved``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

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
