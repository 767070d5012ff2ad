"""Redundancy k: no site serves more than 1/k of any region's demand.

Formulation, for each pair p (k > 1)::

    x_p  <=  1 / k

added as an upper bound on the share variables (no rows), which keeps the
model small; the pre-solve diagnosis reports regions with fewer than k sites.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.regions.check_regions` (violations ``redundancy``).
"""

from __future__ import annotations

from gpuplace.solvers.model.builder import ModelBuilder

name = "redundancy"


def applies(instance) -> bool:
    return instance.constraints.redundancy > 1 and instance.n_pairs > 0


def add(model: ModelBuilder, instance) -> None:
    k = float(instance.constraints.redundancy)
    model.tighten_bounds(model.var("share"), ub=1.0 / k)
