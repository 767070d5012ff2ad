"""Budget on total cost.

Formulation::

    Σ_s fixed_cost_s open_s + Σ_{s,t} capex_t cost_factor_s g_st  <=  budget

Existing GPUs are free.
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.model.builder import ModelBuilder

name = "budget"


def applies(instance) -> bool:
    return instance.constraints.budget is not None


def add(model: ModelBuilder, instance) -> None:
    capex = (instance.site_cost_factor[:, None] * instance.gpu_capex[None, :]).ravel()
    model.add_rows(
        name,
        [
            (model.var("open"), instance.site_fixed_cost[None, :]),
            (model.var("gpus"), capex[None, :]),
        ],
        ub=float(instance.constraints.budget),
    )


def check(instance, plan: dict) -> list[str]:
    new = _plan.gpu_counts(instance, plan, key="new_gpus")
    opened = _plan.open_sites(instance, plan)
    cost = float(np.dot(instance.site_fixed_cost, opened)) + float(
        (new * instance.gpu_capex[None, :] * instance.site_cost_factor[:, None]).sum()
    )
    budget = float(instance.constraints.budget)
    return (
        [f"total cost {cost:.6g} exceeds budget {budget:.6g}"]
        if _plan.exceeds(cost, budget)
        else []
    )
