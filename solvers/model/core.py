"""The core decision variables every placement model has, and index helpers.

Variable blocks (names are the API constraint pieces use):

- ``open``     [S]      binary, 1 when site s is open;
- ``gpus``     [S*T]    integer >= 0, new GPUs of type t at site s, flattened
  row-major (index ``s*T + t``);
- ``share``    [P]      continuous in [0, 1], share of demand item k's demand served
  by the pair's site (binary with single sourcing), aligned with ``pair_*``;
- ``unserved`` [K]      continuous in [0, D_k], demand units left unserved;
  only present when ``allow_unserved`` or the objective is ``served``.

Demand items k are the regions (k = r) unless the scenario has serving tables;
then an item is one region's demand for one model and tier, pairs are (item,
site, deployment) triples and :mod:`solvers.constraints.serving` adds the
``replicas`` block.

Upper bounds on ``gpus`` come from power (floor(power_kw_s / (power_kw_t pue_s)))
and space (max_gpus_s); they are implied by the power and space rows and only
help backends that need finite domains. A type drawing no power at a site with
no space limit is capped at max(ceil(Σ D / (max_utilisation × throughput_t)), m):
more GPUs than that can always be removed without losing feasibility or cost.
With serving tables the cap is instead ``Σ_d gpus_per_replica_d × R_sd + m``
over the deployments d of the type, with ``R_sd`` the replica bound of
:func:`replica_upper_bounds`.

Integer-only backends quantise ``share`` in steps of ``1 / share_quanta`` and
``unserved`` in steps of ``D_r / share_quanta`` (``meta["share_quanta"]``), so the
assignment row stays exact in integers.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import CONTRACT, DEMAND, item_kinds, may_leave
from gpuplace.solvers.model.builder import ModelBuilder

__all__ = [
    "DEFAULT_SHARE_QUANTA",
    "add_core_variables",
    "diag",
    "gpu_upper_bounds",
    "has_unserved",
    "item_pair_matrix",
    "pair_demand",
    "region_pair_matrix",
    "replica_upper_bounds",
    "share_quanta",
    "site_gpu_matrix",
    "site_pair_matrix",
]

DEFAULT_SHARE_QUANTA = 1000
_BIG_GPU_CAP = 1e7


def has_unserved(instance: Instance) -> bool:
    """Whether the model has an ``unserved`` block (allow_unserved, objective served, on-demand)."""
    base = instance.constraints.allow_unserved or instance.objective.kind == "served"
    sold = instance.money is not None and bool((item_kinds(instance) != DEMAND).any())
    return bool(base or sold)


def share_quanta(instance: Instance, base: int = DEFAULT_SHARE_QUANTA) -> int:
    """Number of share quanta per region: ``base`` rounded up to a multiple of ``redundancy``."""
    k = max(1, int(instance.constraints.redundancy))
    return int(k * math.ceil(base / k))


def replica_upper_bounds(instance: Instance) -> np.ndarray:
    """Replicas per (site, deployment) that can ever be needed, float [S, D].

    ``ceil(Σ_{pairs at (s, d)} D_k / (max_utilisation × throughput_p))``: all the
    demand the pool may serve at its slowest operating point.
    """
    S, D = instance.n_sites, instance.n_deployments
    if instance.pair_throughput is None or instance.n_pairs == 0:
        return np.zeros((S, D))
    load = pair_demand(instance) / instance.pair_throughput
    pool = instance.pair_site * D + instance.pair_deployment
    total = np.bincount(pool, weights=load, minlength=S * D).reshape(S, D)
    mu = float(instance.constraints.max_utilisation)
    return np.ceil(total / mu - 1e-9)


def gpu_upper_bounds(instance: Instance) -> np.ndarray:
    """Upper bound on new GPUs per (site, type), float [S, T] (finite)."""
    pue = instance.site_pue[:, None]
    per_gpu_kw = instance.gpu_power_kw[None, :] * pue
    with np.errstate(divide="ignore", invalid="ignore"):
        by_power = np.where(
            per_gpu_kw > 0, np.floor(instance.site_power_kw[:, None] / per_gpu_kw + 1e-9), np.inf
        )
    cap = np.minimum(by_power, instance.site_max_gpus[:, None])
    total = float(instance.region_demand.sum())
    if instance.periods is not None:  # GPUs serve one period at a time: the busiest one
        total = float(instance.periods.demand.sum(axis=0).max(initial=0.0))
    mu = float(instance.constraints.max_utilisation)
    with np.errstate(divide="ignore", invalid="ignore"):
        useful = np.where(
            instance.gpu_throughput > 0,
            np.ceil(total / (mu * instance.gpu_throughput)),
            0.0,
        )
    useful = np.maximum(useful, float(instance.constraints.min_gpus_per_site))
    useful = np.broadcast_to(useful[None, :], cap.shape)
    if instance.serving is not None:
        serving = instance.serving
        gpus = replica_upper_bounds(instance) * serving.deployment_gpus_per_replica[None, :]
        to_type = np.zeros((instance.n_deployments, instance.n_types))
        to_type[np.arange(instance.n_deployments), serving.deployment_gpu] = 1.0
        useful = gpus @ to_type + float(instance.constraints.min_gpus_per_site)
    cap = np.where(np.isinf(cap), useful, cap)
    cap = cap - instance.site_existing_gpus
    return np.clip(np.minimum(cap, _BIG_GPU_CAP), 0.0, None)


def add_core_variables(model: ModelBuilder, instance: Instance, quanta: int | None = None) -> None:
    """Add the ``open``, ``gpus``, ``share`` (and ``unserved``) blocks."""
    q = share_quanta(instance) if quanta is None else int(quanta)
    model.meta["share_quanta"] = q
    S, T, P = instance.n_sites, instance.n_types, instance.n_pairs
    model.add_vars("open", S, lb=0.0, ub=1.0, integer=True)
    model.add_vars("gpus", S * T, lb=0.0, ub=gpu_upper_bounds(instance).ravel(), integer=True)
    demand = instance.item_demand
    share_ub = np.where(demand[instance.pair_item] > 0, 1.0, 0.0)
    model.add_vars("share", P, lb=0.0, ub=share_ub, step=1.0 / q)
    if has_unserved(instance):
        step = np.where(demand > 0, demand / q, 1.0)
        # contract items keep their whole range: the contracts family pins them to 0
        free = may_leave(instance) | (item_kinds(instance) == CONTRACT)
        ub = demand if instance.money is None else np.where(free, demand, 0.0)
        model.add_vars("unserved", instance.n_items, lb=0.0, ub=ub, step=step)


# Incidence helpers (vectorised; shared by pieces that add rows) --------------
def site_pair_matrix(instance: Instance, weights: np.ndarray | None = None) -> sp.csr_matrix:
    """[S, P] matrix with ``weights[p]`` (default 1) at (pair_site[p], p)."""
    P = instance.n_pairs
    w = np.ones(P) if weights is None else np.asarray(weights, dtype=float)
    return sp.csr_matrix((w, (instance.pair_site, np.arange(P))), shape=(instance.n_sites, P))


def item_pair_matrix(instance: Instance, weights: np.ndarray | None = None) -> sp.csr_matrix:
    """[K, P] matrix with ``weights[p]`` (default 1) at (pair_item[p], p)."""
    P = instance.n_pairs
    w = np.ones(P) if weights is None else np.asarray(weights, dtype=float)
    return sp.csr_matrix((w, (instance.pair_item, np.arange(P))), shape=(instance.n_items, P))


def region_pair_matrix(instance: Instance, weights: np.ndarray | None = None) -> sp.csr_matrix:
    """[R, P] matrix with ``weights[p]`` (default 1) at (pair_region[p], p)."""
    P = instance.n_pairs
    w = np.ones(P) if weights is None else np.asarray(weights, dtype=float)
    return sp.csr_matrix((w, (instance.pair_region, np.arange(P))), shape=(instance.n_regions, P))


def site_gpu_matrix(instance: Instance, weights: np.ndarray) -> sp.csr_matrix:
    """[S, S*T] matrix: row s holds ``weights[s, t]`` at column ``s*T + t``."""
    S, T = instance.n_sites, instance.n_types
    w = np.asarray(weights, dtype=float).reshape(S, T)
    rows = np.repeat(np.arange(S), T)
    return sp.csr_matrix((w.ravel(), (rows, np.arange(S * T))), shape=(S, S * T))


def diag(values: np.ndarray) -> sp.csr_matrix:
    """Square diagonal CSR matrix."""
    return sp.diags(np.asarray(values, dtype=float), format="csr")


def pair_demand(instance: Instance) -> np.ndarray:
    """Demand of each pair's item (its region's demand without serving tables), float [P]."""
    return instance.item_demand[instance.pair_item]
