"""Assignment: every unit of demand is served (or, where allowed, left unserved).

Formulation, for each demand item k with D_k > 0 (each region r without serving
tables; each region's demand for one model and tier with them)::

    Σ_{p of k} x_p  (+ u_k / D_k)  = 1

``u_k`` exists only when ``allow_unserved`` or the objective is ``served``.
Items with demand 0 need nothing (their shares are fixed to 0). An item
with no candidate pair and no ``u_k`` makes the row empty, hence infeasible.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.regions.check_regions` (violations ``share_sum``, ``unserved``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import diag, item_pair_matrix

__all__ = ["add", "applies", "decomposition", "name"]

name = "assignment"
# rows of one region each: kept apart by the engine's decomposition
decomposition = "region"


def applies(instance) -> bool:
    return True


def add(model: ModelBuilder, instance) -> None:
    demand = instance.item_demand
    rows = np.flatnonzero(demand > 0)
    if rows.size == 0:
        return
    terms = [(model.var("share"), item_pair_matrix(instance)[rows])]
    if model.has_var("unserved"):
        inv = np.where(demand > 0, 1.0 / np.where(demand > 0, demand, 1.0), 0.0)
        terms.append((model.var("unserved"), diag(inv)[rows]))
    else:
        terms.append((model.var("share"), sp.csr_matrix((rows.size, instance.n_pairs))))
    model.add_rows(name, terms, lb=1.0, ub=1.0)
