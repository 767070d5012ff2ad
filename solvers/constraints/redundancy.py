"""Redundancy k: no site serves more than 1/k of any region's demand.

Formulation, for each pair p (k > 1)::

    x_p  <=  1 / k

added as an upper bound on the share variables (no rows), which keeps the
model small; the pre-solve diagnosis reports regions with fewer than k sites.
"""

from __future__ import annotations

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.model.builder import ModelBuilder

name = "redundancy"


def applies(instance) -> bool:
    return instance.constraints.redundancy > 1 and instance.n_pairs > 0


def add(model: ModelBuilder, instance) -> None:
    k = float(instance.constraints.redundancy)
    model.tighten_bounds(model.var("share"), ub=1.0 / k)


def check(instance, plan: dict) -> list[str]:
    k = instance.constraints.redundancy
    return [
        f"region {instance.region_ids[r]}: site {instance.site_ids[s]} serves share {share:g} > 1/{k}"
        for r, s, share in _plan.assignments(instance, plan)
        if share > 1.0 / k + 1e-6
    ]
