"""Single sourcing: each region is served by exactly one site.

Formulation: the share variables are binary, ``x_p ∈ {0, 1}`` (with the
assignment rows, exactly one pair per served region has x_p = 1). No rows.
"""

from __future__ import annotations

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.model.builder import ModelBuilder

name = "single_sourcing"


def applies(instance) -> bool:
    return bool(instance.constraints.single_sourcing)


def add(model: ModelBuilder, instance) -> None:
    model.set_integer(model.var("share"))


def check(instance, plan: dict) -> list[str]:
    out = []
    for r, items in _plan.shares_by_region(instance, plan).items():
        if len(items) > 1 or any(abs(share - 1.0) > 1e-6 for _, share in items):
            out.append(
                f"region {instance.region_ids[r]}: served by {len(items)} sites with shares {[s for _, s in items]}"
            )
    return out
