"""Capacity: served demand at a site fits its GPUs' throughput.

Formulation, for each site s::

    Σ_{p at s} D_r x_p  <=  max_utilisation × Σ_t throughput_t (E_st + g_st)

with E the existing GPUs (constant) and g the new ones. Not with serving
tables: there :mod:`solvers.constraints.serving` sizes replicas instead.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.sites.check_sites` (violations ``capacity``).
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import pair_demand, site_gpu_matrix, site_pair_matrix

__all__ = ["add", "applies", "decomposition", "name"]

name = "capacity"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"


def applies(instance) -> bool:
    # with serving tables, replicas of deployments carry the demand (solvers.constraints.serving)
    # with periods, rows per (site, period) instead (solvers.constraints.periods)
    return instance.n_sites > 0 and instance.serving is None and instance.periods is None


def add(model: ModelBuilder, instance) -> None:
    mu = float(instance.constraints.max_utilisation)
    thr = np.broadcast_to(instance.gpu_throughput[None, :], (instance.n_sites, instance.n_types))
    existing = mu * (instance.site_existing_gpus * thr).sum(axis=1)
    model.add_rows(
        name,
        [
            (model.var("share"), site_pair_matrix(instance, pair_demand(instance))),
            (model.var("gpus"), site_gpu_matrix(instance, -mu * thr)),
        ],
        ub=existing,
    )
