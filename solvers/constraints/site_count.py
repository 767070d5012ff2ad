"""Number of open sites.

Formulation::

    min_sites  <=  Σ_s open_s  <=  max_sites

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.totals.check_totals` (violations ``max_sites``, ``min_sites``).
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "name"]

name = "site_count"


def applies(instance) -> bool:
    c = instance.constraints
    return c.max_sites is not None or (c.min_sites is not None and c.min_sites > 0)


def add(model: ModelBuilder, instance) -> None:
    c = instance.constraints
    lb = float(c.min_sites) if c.min_sites is not None else -np.inf
    ub = float(c.max_sites) if c.max_sites is not None else np.inf
    model.add_rows(name, [(model.var("open"), np.ones((1, instance.n_sites)))], lb=lb, ub=ub)
