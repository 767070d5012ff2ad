"""A Solution from a backend's values: decisions cleaned, objective recomputed in float.

Backends report decisions; :func:`make_solution` recomputes the objective from
them (:func:`solvers.model.objective.objective_value`), so all backends are
comparable. A stopped backend without a plan of its own returns
:func:`fallback_solution`: the caller's warm start when it satisfies every row.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.objective import objective_value
from gpuplace.solvers.result import Solution, Status

SHARE_EPS = 1e-9


def warm_start_vector(model: LinearModel, instance: Instance, warm: Solution) -> np.ndarray:
    """A full value vector for ``model`` from a previous Solution (for hints)."""
    v = np.zeros(model.n_vars)
    blocks = model.var_blocks
    S, T = instance.n_sites, instance.n_types
    v[blocks["open"].start : blocks["open"].stop] = warm.open_sites.astype(float)
    v[blocks["gpus"].start : blocks["gpus"].stop] = np.asarray(warm.new_gpus, dtype=float).reshape(
        S * T
    )
    v[blocks["share"].start : blocks["share"].stop] = warm.pair_share
    if "unserved" in blocks:
        v[blocks["unserved"].start : blocks["unserved"].stop] = warm.unserved
    return v


def decisions(model: LinearModel, instance: Instance, v: np.ndarray) -> tuple[np.ndarray, ...]:
    """(open [S] bool, new_gpus [S, T] int, pair_share [P], unserved [K]) from a value vector.

    Numerical noise is cleaned: shares clipped to [0, 1] (exactly 0/1 within
    1e-9 and, with single sourcing, rounded), GPUs rounded, a site serving
    demand or holding GPUs marked open.
    """
    S, T = instance.n_sites, instance.n_types
    open_v = model.values(v, "open") > 0.5
    gpus = np.rint(model.values(v, "gpus")).astype(np.int64).reshape(S, T)
    gpus = np.maximum(gpus, 0)
    share = np.clip(model.values(v, "share"), 0.0, 1.0)
    share[share < SHARE_EPS] = 0.0
    share[share > 1.0 - SHARE_EPS] = 1.0
    if instance.constraints.single_sourcing:
        share = np.rint(share)
    if "unserved" in model.var_blocks:
        unserved = np.clip(model.values(v, "unserved"), 0.0, instance.item_demand)
        unserved[unserved < SHARE_EPS * np.maximum(instance.item_demand, 1.0)] = 0.0
    else:
        unserved = np.zeros(instance.n_items)
    used = gpus.sum(axis=1) > 0
    if instance.n_pairs:
        used |= np.bincount(instance.pair_site, weights=share, minlength=S) > 0
    open_v = open_v | used
    return open_v, gpus, share, unserved


def make_solution(
    model: LinearModel,
    instance: Instance,
    v: np.ndarray | None,
    status: Status,
    bound: float | None,
    started: float,
    backend: str,
    version: str,
    interrupted: bool = False,
    notes: Sequence[str] = (),
) -> Solution:
    """Build a Solution from a value vector; the objective is recomputed in float.

    ``bound`` is clipped so it never lies on the wrong side of the objective
    (a proven bound minus numerical noise).
    """
    if v is None:
        return empty_solution(
            instance, status, started, backend, version, bound, interrupted, notes
        )
    open_v, gpus, share, unserved = decisions(model, instance, v)
    objective = objective_value(instance, open_v, gpus, share, unserved)
    if bound is not None and np.isfinite(bound):
        bound = min(bound, objective) if model.sense == "min" else max(bound, objective)
    else:
        bound = None
    return replace(
        empty_solution(instance, status, started, backend, version, None, interrupted, notes),
        objective=objective,
        bound=bound,
        open_sites=open_v,
        new_gpus=gpus,
        pair_share=share,
        unserved=unserved,
    )


def empty_solution(
    instance: Instance,
    status: Status,
    started: float,
    backend: str,
    version: str,
    bound: float | None = None,
    interrupted: bool = False,
    notes: Sequence[str] = (),
) -> Solution:
    """A Solution without decisions (infeasible, or nothing found)."""
    return Solution(
        status=status,
        objective=None,
        bound=bound if bound is not None and np.isfinite(bound) else None,
        open_sites=np.zeros(instance.n_sites, dtype=bool),
        new_gpus=np.zeros((instance.n_sites, instance.n_types), dtype=np.int64),
        pair_share=np.zeros(instance.n_pairs),
        unserved=np.zeros(instance.n_items),
        wall_s=time.perf_counter() - started,
        backend=backend,
        backend_version=version,
        interrupted=interrupted,
        notes=tuple(notes),
    )


def fallback_solution(
    model: LinearModel,
    instance: Instance,
    warm: Solution | None,
    started: float,
    backend: str,
    version: str,
    notes: Sequence[str],
) -> Solution:
    """What a stopped backend returns without a plan of its own, marked interrupted.

    The warm start (re-evaluated, status FEASIBLE, no bound) when there is one
    and it satisfies every row of ``model`` (a caller's hint may not), else
    NO_SOLUTION.
    """
    notes = list(notes)
    values = None
    if warm is not None and warm.objective is not None:
        values = warm_start_vector(model, instance, warm)
        broken = model.violations(values, tol=1e-6)
        if broken:
            notes.append("the warm start breaks " + ", ".join(sorted(broken)))
            values = None
        else:
            notes.append(f"the {warm.backend} warm start is returned")
    status = Status.NO_SOLUTION if values is None else Status.FEASIBLE
    return make_solution(
        model, instance, values, status, None, started, backend, version, True, notes
    )


__all__ = [
    "SHARE_EPS",
    "decisions",
    "empty_solution",
    "fallback_solution",
    "make_solution",
    "warm_start_vector",
]
