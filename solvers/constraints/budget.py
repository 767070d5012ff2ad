"""Budget on total cost.

Formulation::

    Σ_s fixed_cost_s open_s + Σ_{s,t} capex_t cost_factor_s g_st  <=  budget

Existing GPUs are free.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.totals.check_totals` (violations ``budget``).
"""

from __future__ import annotations

from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "name"]

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
