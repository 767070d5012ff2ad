"""Periods: served demand fits a site's GPUs in every period of the day.

Active with ``[time] periods`` (then the static ``capacity`` family is not).
Pairs carry one period each (``instance.pair_period``); GPUs are built once.
Formulation, for each site s and period w with a candidate pair::

    Σ_{p at s, period w} D_k x_p  <=  max_utilisation × Σ_t throughput_t (E_st + g_st)

D_k the demand of the pair's item (its region in period w). With phases the
periods are slots of a phase q and the GPUs those installed by phase q
(:mod:`solvers.constraints.phases`). Every row touches one site
(``decomposition = "site"``).

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.periods.check_periods` (violations ``capacity``,
per site at its busiest period).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.constraints import phases
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import pair_demand

__all__ = ["add", "applies", "decomposition", "name", "site_period_rows"]

name = "period_capacity"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"


def applies(instance) -> bool:
    return instance.periods is not None and instance.n_sites > 0 and instance.n_pairs > 0


def site_period_rows(instance) -> tuple[np.ndarray, np.ndarray]:
    """(the (site, period) cells with a pair, as ``s × W + w``; each pair's row among them)."""
    cell = instance.pair_site * instance.n_periods + instance.pair_period
    cells, row_of = np.unique(cell, return_inverse=True)
    return cells, row_of.ravel()


def add(model: ModelBuilder, instance) -> None:
    S, T, P, W = instance.n_sites, instance.n_types, instance.n_pairs, instance.n_periods
    mu = float(instance.constraints.max_utilisation)
    thr = np.broadcast_to(instance.gpu_throughput[None, :], (S, T))
    existing = mu * (instance.site_existing_gpus * thr).sum(axis=1)
    cells, row_of = site_period_rows(instance)
    site = cells // W
    share_part = sp.csr_matrix(
        (pair_demand(instance), (row_of, np.arange(P))), shape=(cells.size, P)
    )
    if model.has_var(phases.BLOCK):  # a phased roll-out: the GPUs installed by the slot's phase
        phase = instance.periods.phase_of_slot[cells % W]
        gpu_part = phases.installed_by_phase(instance, site, phase, -mu * thr[site])
        gpu_block = model.var(phases.BLOCK)
    else:
        rows = np.repeat(np.arange(cells.size), T)
        cols = (site[:, None] * T + np.arange(T)[None, :]).ravel()
        gpu_part = sp.csr_matrix(
            ((-mu * thr[site]).ravel(), (rows, cols)), shape=(cells.size, S * T)
        )
        gpu_block = model.var("gpus")
    model.add_rows(
        name,
        [(model.var("share"), share_part), (gpu_block, gpu_part)],
        ub=existing[site],
    )
