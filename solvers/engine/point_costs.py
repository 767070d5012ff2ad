"""What a point of the Lagrangian dual says about sites and columns, for the engine's plans.

:func:`site_scores` ranks the sites by their subproblem value; :func:`pair_costs`
prices every column at the point, shares charged their site's marginal pool cost.
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.engine.dual import DualPoint, LagrangianDual

__all__ = ["pair_costs", "site_scores"]


def site_scores(point: DualPoint) -> np.ndarray:
    """Sites by subproblem value (lower is more attractive); inf where a site cannot open."""
    return np.where(np.isfinite(point.sites.value), point.sites.value, np.inf)


def pair_costs(dual: LagrangianDual, point: DualPoint) -> np.ndarray:
    """Reduced cost of each column, shares charged their load at their site's marginal pool
    cost at the load the subproblem gives it (0 within the site's free capacity)."""
    cost = dual.reduced_costs(point.pi)
    sites, h = dual.sites, point.sites.hull
    extra = np.where(np.isfinite(sites.pool_extra), sites.pool_extra, np.inf)
    used = np.maximum(point.sites.load - extra - h.q0, 0.0)  # load beyond the free part
    ends = np.cumsum(h.length, axis=1)
    k = np.minimum((ends <= used[:, None]).sum(axis=1), h.length.shape[1] - 1)
    slope = h.slope[np.arange(h.slope.shape[0]), k]
    slope = np.where(np.isfinite(slope), slope, 0.0)
    slope = np.where(point.sites.load < extra + h.q0, 0.0, slope)
    cost[sites.item_col] += sites.item_weight * slope[sites.item_site]
    return cost
