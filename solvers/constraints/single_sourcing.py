"""Single sourcing: each region is served by exactly one site.

Formulation: the share variables are binary, ``x_p ∈ {0, 1}`` (with the
assignment rows, exactly one pair per served region has x_p = 1). No rows.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.regions.check_regions` (violations ``single_sourcing``).
"""

from __future__ import annotations

from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "name"]

name = "single_sourcing"


def applies(instance) -> bool:
    return bool(instance.constraints.single_sourcing)


def add(model: ModelBuilder, instance) -> None:
    model.set_integer(model.var("share"))
