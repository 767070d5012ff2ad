"""Site status: ``open`` sites (and sites holding existing GPUs) open; ``closed`` stay closed.

Formulation::

    open_s = 1   for status open, or Σ_t E_st > 0
    open_s = 0   for status closed

A closed site then has no GPUs (power rows) and serves nobody (linking rows).

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.sites.check_sites` (violations ``closed_site``, ``open_site``, ``existing_gpus``).
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import diag

__all__ = ["add", "applies", "decomposition", "name"]

name = "site_status"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"

_OPEN, _CLOSED = 1, 2


def _forced(instance) -> tuple[np.ndarray, np.ndarray]:
    must = (instance.site_status == _OPEN) | (instance.site_existing_gpus.sum(axis=1) > 0)
    never = instance.site_status == _CLOSED
    return must, never


def applies(instance) -> bool:
    must, never = _forced(instance)
    return bool(must.any() or never.any())


def add(model: ModelBuilder, instance) -> None:
    must, never = _forced(instance)
    rows = np.flatnonzero(must | never)
    value = np.where(must, 1.0, 0.0)[rows]
    model.add_rows(
        name, [(model.var("open"), diag(np.ones(instance.n_sites))[rows])], lb=value, ub=value
    )
