"""Power: GPU power × PUE fits the site's power, and is 0 at a closed site.

Formulation, for each site s::

    Σ_t power_kw_t × pue_s × (E_st + g_st)  <=  power_kw_s × open_s

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.sites.check_sites` (violations ``power``).
"""

from __future__ import annotations

import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import diag, site_gpu_matrix

__all__ = ["add", "applies", "decomposition", "name"]

name = "power"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"


def applies(instance) -> bool:
    return instance.n_sites > 0


def add(model: ModelBuilder, instance) -> None:
    per_gpu = instance.site_pue[:, None] * instance.gpu_power_kw[None, :]
    existing = (instance.site_existing_gpus * per_gpu).sum(axis=1)
    model.add_rows(
        name,
        [
            (model.var("gpus"), site_gpu_matrix(instance, per_gpu)),
            (model.var("open"), sp.csr_matrix(diag(-instance.site_power_kw))),
        ],
        ub=-existing,
    )
