"""Carbon cap: the year's emissions of the sites' energy stay under ``[money] carbon_cap_t``.

Formulation (tonnes CO2e a year; terms of :mod:`gpuplace.solvers.model.bill`)::

    Σ_{s,t} c_st g_st + Σ_p c_p x_p  <=  carbon_cap_t − C_existing

with ``c_st = g_s × idle × power_kw_t × pue_s × hours / 10⁶`` per GPU,
``c_p = g_s × (1 − idle) × D_k w_p × pue_s × hours / 10⁶`` per unit of share, and
``C_existing`` the idle emissions of the GPUs already installed. One row over all
sites: a coupling row of the engine's decomposition (no ``decomposition``).

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.money.check_money` (violation ``carbon_cap``).
"""

from __future__ import annotations

from gpuplace.solvers.model.bill import bill_terms
from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "name"]

name = "carbon_cap"


def applies(instance) -> bool:
    return instance.money is not None and instance.money.carbon_cap_t is not None


def add(model: ModelBuilder, instance) -> None:
    terms = bill_terms(instance)
    model.add_rows(
        name,
        [
            (model.var("gpus"), terms.carbon_gpus[None, :]),
            (model.var("share"), terms.carbon_share[None, :]),
        ],
        ub=float(instance.money.carbon_cap_t) - terms.carbon_constant,
    )
