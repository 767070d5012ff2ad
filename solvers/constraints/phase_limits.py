"""Phase limits: GPU supply and budget of each phase of the roll-out.

Active with ``[time] phases`` when some phase has a ``max_new_gpus`` or a
``budget``. With h_stq the GPUs installed in phase q (:mod:`solvers.constraints.phases`),
per phase q with a finite limit::

    Σ_{s,t} h_stq                            <=  max_new_gpus_q
    Σ_{s,t} capex_t × cost_factor_s × h_stq  <=  budget_q

The rows couple sites (handled by the engine as coupling rows).
The rule is checked once, by the verifier: :mod:`gpuplace.solvers.verify.phases`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "name"]

name = "phase_limits"


def applies(instance) -> bool:
    periods = instance.periods
    if periods is None or periods.phases is None or instance.n_sites == 0:
        return False
    phases = periods.phases
    return bool(np.isfinite(phases.max_new_gpus).any() or np.isfinite(phases.budget).any())


def add(model: ModelBuilder, instance) -> None:
    phases = instance.periods.phases
    S, T, N = instance.n_sites, instance.n_types, phases.n_phases
    block = model.var("phase_gpus")
    column_phase = np.tile(np.arange(N), S * T)
    capex = (instance.site_cost_factor[:, None] * instance.gpu_capex[None, :]).ravel()
    column_capex = np.repeat(capex, N)
    for limit, weight, row_name in (
        (phases.max_new_gpus, np.ones(S * T * N), "phase_supply"),
        (phases.budget, column_capex, "phase_budget"),
    ):
        live = np.flatnonzero(np.isfinite(limit))
        if live.size == 0:
            continue
        row_of = np.full(N, -1)
        row_of[live] = np.arange(live.size)
        keep = row_of[column_phase] >= 0
        cols = np.flatnonzero(keep)
        matrix = sp.csr_matrix(
            (weight[cols], (row_of[column_phase[cols]], cols)), shape=(live.size, S * T * N)
        )
        model.add_rows(name, [(block, matrix)], ub=limit[live], name=row_name)
