"""Serving: replicas of deployments carry the demand they serve and occupy whole GPUs.

Active when the scenario has serving tables (then the throughput ``capacity``
family is not). Candidate pairs are triples p = (k, s, d): demand item k (D_k
output tokens/s), site s, deployment d, with ``thr_p`` the output tokens/s of one
replica at the pair's operating point (:mod:`gpuplace.scenario.serving_pairs`).

Variables: ``replicas`` [S × D], integer >= 0, column ``s × D + d`` = R_sd, the
replicas of deployment d at site s (``model.meta["block_site"]["replicas"]``
gives each column's site).

Formulation:

- pool, per (s, d) with a candidate pair (replicas run at the operating point
  of the demand they serve, so a share x_p takes ``D_k x_p / thr_p`` replicas)::

      Σ_{p at (s, d)} (D_k / thr_p) x_p  −  max_utilisation × R_sd  <=  0

- open, per replica column that may be positive (a closed site holds none)::

      R_sd − U_sd open_s  <=  0        (U_sd: the column's upper bound)

- GPUs, per (s, t) with a deployment of type t::

      Σ_{d of type t} gpus_per_replica_d R_sd − g_st  <=  E_st

  with E the existing and g the new GPUs; power, space, budget, minimum GPUs and
  the objective stay on g as without serving tables.

Every row touches one site only (``decomposition = "site"``). The rule is checked
once, by the verifier: :mod:`gpuplace.solvers.verify.serving` (violations
``replica_capacity``, ``replica_gpus``, ``operating_point``, ``ttft``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import gpu_upper_bounds, pair_demand, replica_upper_bounds

__all__ = ["BLOCK", "add", "applies", "decomposition", "name", "replica_bounds"]

name = "serving"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"

BLOCK = "replicas"


def applies(instance) -> bool:
    return instance.serving is not None and instance.n_sites > 0


def replica_bounds(instance) -> np.ndarray:
    """Upper bound of each replica column, float [S, D]: demand it may serve, GPUs that fit."""
    serving = instance.serving
    gpr = serving.deployment_gpus_per_replica.astype(float)
    gpus = instance.site_existing_gpus + gpu_upper_bounds(instance)
    fit = np.floor(gpus[:, serving.deployment_gpu] / gpr[None, :] + 1e-9)
    return np.minimum(replica_upper_bounds(instance), fit)


def add(model: ModelBuilder, instance) -> None:
    serving = instance.serving
    S, D, T = instance.n_sites, instance.n_deployments, instance.n_types
    ub = replica_bounds(instance).ravel()
    replicas = model.add_vars(BLOCK, S * D, lb=0.0, ub=ub, integer=True)
    model.meta.setdefault("block_site", {})[BLOCK] = np.repeat(np.arange(S), D)
    mu = float(instance.constraints.max_utilisation)

    # pool rows: one per (s, d) that some pair uses
    pool = instance.pair_site * D + instance.pair_deployment
    used, row_of = np.unique(pool, return_inverse=True)
    load = pair_demand(instance) / instance.pair_throughput
    share_part = sp.csr_matrix(
        (load, (row_of.ravel(), np.arange(instance.n_pairs))), shape=(used.size, instance.n_pairs)
    )
    replica_part = sp.csr_matrix(
        (np.full(used.size, -mu), (np.arange(used.size), used)), shape=(used.size, S * D)
    )
    model.add_rows(
        name,
        [(model.var("share"), share_part), (replicas, replica_part)],
        ub=0.0,
        name="serving_pool",
    )

    # open rows: R_sd - U_sd open_s <= 0
    live = np.flatnonzero(ub > 0)
    model.add_rows(
        name,
        [
            (
                replicas,
                sp.csr_matrix(
                    (np.ones(live.size), (np.arange(live.size), live)), shape=(live.size, S * D)
                ),
            ),
            (
                model.var("open"),
                sp.csr_matrix((-ub[live], (np.arange(live.size), live // D)), shape=(live.size, S)),
            ),
        ],
        ub=0.0,
        name="serving_open",
    )

    # GPU rows: per (s, t) with a deployment of type t
    site, dep = live // D, live % D
    cell = site * T + serving.deployment_gpu[dep]
    cells, row_of = np.unique(cell, return_inverse=True)
    gpr = serving.deployment_gpus_per_replica[dep].astype(float)
    model.add_rows(
        name,
        [
            (
                replicas,
                sp.csr_matrix((gpr, (row_of.ravel(), live)), shape=(cells.size, S * D)),
            ),
            (
                model.var("gpus"),
                sp.csr_matrix(
                    (-np.ones(cells.size), (np.arange(cells.size), cells)),
                    shape=(cells.size, S * T),
                ),
            ),
        ],
        ub=instance.site_existing_gpus.ravel()[cells].astype(float),
        name="serving_gpus",
    )
