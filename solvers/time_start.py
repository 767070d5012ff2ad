"""A plan for a scenario with periods of the day from the plan sized for each region's peak.

The peak-sized scenario (:func:`gpuplace.scenario.time.peak_sized`, no phases)
gives each region its own peak demand. Its plan is a plan of the periodic
scenario too: keep the GPUs and serve every period with the same shares, so a
site serves at most ``Σ_r peak_r x_rs`` in any period and every link carries at
most its peak-sized load. :func:`lift` writes it for the periodic instance, the
warm start of its solve (so a solve with periods never ends worse than the
peak-sized plan it is compared with).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.model.objective import objective_value
from gpuplace.solvers.result import Solution, Status

__all__ = ["lift"]


def lift(instance: Instance, peak: Instance, solution: Solution) -> Solution | None:
    """``solution`` of ``peak`` as a Solution of ``instance`` (None without a plan or with phases)."""
    periods = instance.periods
    if periods is None or periods.phases is not None:
        return None
    if solution.status not in (Status.OPTIMAL, Status.FEASIBLE):
        return None
    S = instance.n_sites
    base_key = peak.pair_region.astype(np.int64) * S + peak.pair_site
    key = instance.pair_region.astype(np.int64) * S + instance.pair_site
    at = np.searchsorted(base_key, key)
    if np.any(at >= base_key.size) or np.any(base_key[np.minimum(at, base_key.size - 1)] != key):
        return None
    share = np.asarray(solution.pair_share, dtype=float)[at]
    W = periods.n_periods
    demand = periods.demand  # [R, W]
    peak_demand = np.asarray(peak.region_demand, dtype=float)
    left = np.asarray(solution.unserved, dtype=float)  # [R]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(peak_demand > 0, left / peak_demand, 0.0)
    unserved = (demand * fraction[:, None]).reshape(instance.n_regions * W)
    if unserved.any() and not (
        instance.constraints.allow_unserved or instance.objective.kind == "served"
    ):
        return None
    value = objective_value(instance, solution.open_sites, solution.new_gpus, share, unserved)
    return replace(
        solution,
        status=Status.FEASIBLE,
        objective=value,
        bound=None,
        pair_share=share,
        unserved=unserved,
        notes=("the plan sized for each region's own peak, every period served alike",),
    )
