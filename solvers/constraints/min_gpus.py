"""Minimum GPUs per open site (existing GPUs count).

Formulation, for each site s::

    Σ_t (E_st + g_st)  >=  min_gpus_per_site × open_s

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.sites.check_sites` (violations ``min_gpus_per_site``).
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import diag, site_gpu_matrix

__all__ = ["add", "applies", "decomposition", "name"]

name = "min_gpus"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"


def applies(instance) -> bool:
    return instance.constraints.min_gpus_per_site > 0 and instance.n_sites > 0


def add(model: ModelBuilder, instance) -> None:
    m = float(instance.constraints.min_gpus_per_site)
    ones = np.ones((instance.n_sites, instance.n_types))
    model.add_rows(
        name,
        [
            (model.var("gpus"), site_gpu_matrix(instance, ones)),
            (model.var("open"), diag(np.full(instance.n_sites, -m))),
        ],
        lb=-instance.site_existing_gpus.sum(axis=1).astype(float),
    )
