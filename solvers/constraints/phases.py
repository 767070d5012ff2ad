"""Phases: the roll-out builds GPUs phase by phase, and installed GPUs stay.

Active with ``[time] phases``. Variables: ``phase_gpus`` [S × T × N], integer
>= 0, column ``(s × T + t) × N + q`` = h_stq, the GPUs of type t installed at
site s in phase q; 0 before the site's first phase (its power connection).
Formulation, per (s, t)::

    Σ_q h_stq − g_st = 0

so the plan's new GPUs are those of all phases, and GPUs installed in phase q
serve every later phase: the capacity of site s in a slot of phase q
(:mod:`solvers.constraints.periods`) is ``Σ_t thr_t (E_st + Σ_{q' <= q} h_stq')``.
Every row touches one site (``decomposition = "site"``); the GPU supply and the
budget of each phase are :mod:`solvers.constraints.phase_limits`.

The rule is checked once, by the verifier: :mod:`gpuplace.solvers.verify.phases`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import gpu_upper_bounds

__all__ = ["BLOCK", "add", "applies", "decomposition", "installed_by_phase", "name"]

name = "phases"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"

BLOCK = "phase_gpus"


def applies(instance) -> bool:
    periods = instance.periods
    return periods is not None and periods.phases is not None and instance.n_sites > 0


def add(model: ModelBuilder, instance) -> None:
    phases = instance.periods.phases
    S, T, N = instance.n_sites, instance.n_types, phases.n_phases
    cap = gpu_upper_bounds(instance).ravel()  # [S*T]
    allowed = np.arange(N)[None, :] >= phases.site_first_phase[:, None]  # [S, N]
    ub = np.where(np.repeat(allowed, T, axis=0), cap[:, None], 0.0).ravel()
    block = model.add_vars(BLOCK, S * T * N, lb=0.0, ub=ub, integer=True)
    model.meta.setdefault("block_site", {})[BLOCK] = np.repeat(np.arange(S), T * N)
    cells = np.arange(S * T)
    model.add_rows(
        name,
        [
            (
                block,
                sp.csr_matrix(
                    (np.ones(S * T * N), (np.repeat(cells, N), np.arange(S * T * N))),
                    shape=(S * T, S * T * N),
                ),
            ),
            (
                model.var("gpus"),
                sp.csr_matrix((-np.ones(S * T), (cells, cells)), shape=(S * T, S * T)),
            ),
        ],
        lb=0.0,
        ub=0.0,
    )


def installed_by_phase(
    instance, site: np.ndarray, phase: np.ndarray, weights: np.ndarray
) -> sp.csr_matrix:
    """[n, S*T*N]: row i holds ``weights[i, t]`` at every column (site_i, t, q) with q <= phase_i."""
    S, T, N = instance.n_sites, instance.n_types, instance.periods.phases.n_phases
    n = site.size
    row = np.repeat(np.arange(n), T * N)
    t = np.tile(np.repeat(np.arange(T), N), n)
    q = np.tile(np.arange(N), n * T)
    keep = q <= phase[row]
    row, t, q = row[keep], t[keep], q[keep]
    cols = (site[row] * T + t) * N + q
    return sp.csr_matrix((weights[row, t], (row, cols)), shape=(n, S * T * N))
