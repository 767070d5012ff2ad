"""The facility-location core of a model, read from its rows: p-median by any other name.

A model is an uncapacitated facility-location problem when, after the engine's
decomposition (:mod:`structure <gpuplace.solvers.engine.structure>`,
:mod:`site_model <gpuplace.solvers.engine.site_model>`):

- it minimises, and every column is an ``open``, a share or a pool (GPU) column;
- the pool columns cost nothing (``latency`` objective, or free GPUs), and every
  site that may open can hold enough of them to serve all demand (its largest
  capacity, less one unit of every pool column for rounding, covers the demand);
- each region row is ``Σ_p x_p = 1``, every share of a region weighs that region's
  demand in its site's pool row and may take the whole demand;
- the only other rows count open sites (``min_open <= Σ open <= max_open``).

Then the model is ``min Σ_s f_s y_s + Σ_p c_p x_p`` over the pairs, which the
facility-location methods solve with proven bounds: p-median branch-and-bound
when fixed costs are 0 and at most p sites may open (with free sites, an optimal
plan opens exactly p, so "at most" and "exactly" have the same optimum), the radius
formulation otherwise (:mod:`gpuplace.solvers.fast`). The GPUs of the plan come
from the restricted model with those sites and shares fixed (any row-feasible,
whole-GPU mix: they cost nothing).
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.engine.pool_hull import Vertices
from gpuplace.solvers.engine.site_model import SiteModel
from gpuplace.solvers.engine.structure import Structure
from gpuplace.solvers.fast.flp import FacilityProblem

__all__ = ["facility_problem"]

_TOL = 1e-9


def facility_problem(
    structure: Structure, sites: SiteModel, vx: Vertices, n_regions: int
) -> tuple[FacilityProblem, np.ndarray] | None:
    """The uncapacitated facility-location problem of the module docstring, or None.

    Returns the problem and, for each of its pairs, the model's share column.
    """
    model = structure.model
    if model.sense != "min":
        return None
    col_site, col_region = structure.col_site, structure.col_region
    if np.any(col_site < 0):  # unserved demand or blocks of no site
        return None
    A = model.A.tocsr()
    open_mask = np.zeros(model.n_vars, dtype=bool)
    open_mask[sites.open_col] = True
    # other rows: only counts of open sites
    rows = np.concatenate([structure.coupling_rows, sites.demoted_rows])
    min_open, max_open = 0, None
    for row in rows:
        cols = A.indices[A.indptr[row] : A.indptr[row + 1]]
        vals = A.data[A.indptr[row] : A.indptr[row + 1]]
        if not (open_mask[cols].all() and np.allclose(vals, 1.0)):
            return None
        if np.isfinite(model.row_lb[row]):
            min_open = max(min_open, int(np.ceil(model.row_lb[row] - _TOL)))
        if np.isfinite(model.row_ub[row]):
            ub = int(np.floor(model.row_ub[row] + _TOL))
            max_open = ub if max_open is None else min(max_open, ub)
    if np.any(np.abs(model.c[sites.z_col]) > 0):
        return None
    # region rows: sum of shares = 1
    for row in structure.region_rows[: min(structure.region_rows.size, 64)]:
        vals = A.data[A.indptr[row] : A.indptr[row + 1]]
        if not np.allclose(vals, 1.0) or model.row_lb[row] != 1.0 or model.row_ub[row] != 1.0:
            return None
    item_region = col_region[sites.item_col]
    weight = sites.item_weight
    demand = np.zeros(n_regions)
    np.maximum.at(demand, item_region, weight)
    if np.any(np.abs(weight - demand[item_region]) > 1e-9 * np.maximum(1.0, demand[item_region])):
        return None
    if np.any(sites.item_ub < 1.0 - _TOL):
        return None
    # enough free capacity everywhere: the largest capacity less one unit per pool column
    n_z = np.diff(sites.z_start)
    slack = np.add.reduceat(np.append(sites.z_cap, 0.0), sites.z_start[:-1]) * (n_z > 0)
    extra = np.where(np.isfinite(sites.pool_extra), sites.pool_extra, np.inf)
    cap = extra + np.where(vx.feasible, vx.cap.max(axis=1, initial=0.0), -np.inf) - slack
    may_open = (sites.open_ub >= 1) & vx.feasible
    if np.any(cap[may_open] < demand.sum() * (1 + 1e-9)):
        return None
    fixed = model.c[sites.open_col].astype(float)
    if max_open is not None and not np.any(fixed[may_open] > 0):
        min_open = max(min_open, min(max_open, int(may_open.sum())))
    order = np.lexsort((sites.item_site, item_region))
    return FacilityProblem(
        fixed_cost=fixed,
        capacity=np.full(sites.n_sites, np.inf),
        demand=demand,
        pair_client=item_region[order],
        pair_site=sites.item_site[order],
        pair_cost=model.c[sites.item_col][order].astype(float),
        open_lb=sites.open_lb >= 1,
        open_ub=may_open,
        min_open=min_open,
        max_open=max_open,
        cost_offset=float(model.c0),
    ), sites.item_col[order]
