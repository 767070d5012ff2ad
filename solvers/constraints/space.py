"""Space: at most ``max_gpus_s`` GPUs at an open site (rows only where finite).

Formulation, for each site s with finite max_gpus::

    Σ_t (E_st + g_st)  <=  max_gpus_s × open_s

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.sites.check_sites` (violations ``space``).
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import diag, site_gpu_matrix

__all__ = ["add", "applies", "decomposition", "name"]

name = "space"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"


def applies(instance) -> bool:
    return bool(np.isfinite(instance.site_max_gpus).any())


def add(model: ModelBuilder, instance) -> None:
    rows = np.flatnonzero(np.isfinite(instance.site_max_gpus))
    ones = np.ones((instance.n_sites, instance.n_types))
    existing = instance.site_existing_gpus.sum(axis=1)
    max_gpus = np.where(np.isfinite(instance.site_max_gpus), instance.site_max_gpus, 0.0)
    model.add_rows(
        name,
        [
            (model.var("gpus"), site_gpu_matrix(instance, ones)[rows]),
            (model.var("open"), diag(-max_gpus)[rows]),
        ],
        ub=-existing[rows],
    )
