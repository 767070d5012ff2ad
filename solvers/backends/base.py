"""The backend interface and the code every backend shares to report a Solution.

A backend declares what it can do (``supports_warm_start``, ``integer_only``,
``proves_bound``), says cheaply whether it is installed, and turns a
:class:`~solvers.model.LinearModel` into a :class:`~solvers.result.Solution`.
Backends report decisions; the objective is recomputed in float from them
(:func:`make_solution`), so all backends are comparable.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

import numpy as np

from scenario.instance import Instance
from solvers.model.builder import LinearModel
from solvers.model.objective import objective_value
from solvers.result import Solution, SolveParameters, Status

SHARE_EPS = 1e-9


class Backend(ABC):
    """One way of solving a placement model."""

    name: str = ""
    supports_warm_start: bool = False
    integer_only: bool = False
    proves_bound: bool = True
    handles_continuous: bool = True

    @classmethod
    @abstractmethod
    def is_available(cls) -> bool:
        """Whether the backend's library is importable and usable (cheap)."""

    @classmethod
    @abstractmethod
    def version(cls) -> str:
        """Version string of the underlying solver."""

    @abstractmethod
    def solve(
        self,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        warm_start: Solution | None = None,
    ) -> Solution:
        """Solve ``model`` (built from ``instance``) and report a Solution."""


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
    """(open [S] bool, new_gpus [S, T] int, pair_share [P], unserved [R]) from a value vector.

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
        unserved = np.clip(model.values(v, "unserved"), 0.0, instance.region_demand)
        unserved[unserved < SHARE_EPS * np.maximum(instance.region_demand, 1.0)] = 0.0
    else:
        unserved = np.zeros(instance.n_regions)
    used = gpus.sum(axis=1) > 0
    if instance.n_pairs:
        used |= np.bincount(instance.pair_site, weights=share, minlength=S) > 0
    open_v = open_v | used
    return open_v, gpus, share, unserved


def gap_of(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-9), or None."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


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
    notes: tuple[str, ...] = (),
) -> Solution:
    """Build a Solution from a value vector; the objective is recomputed in float.

    ``bound`` is clipped so it never lies on the wrong side of the objective
    (a proven bound minus numerical noise).
    """
    if v is None:
        return empty_solution(
            instance,
            status,
            started,
            backend,
            version,
            bound=bound,
            interrupted=interrupted,
            notes=notes,
        )
    open_v, gpus, share, unserved = decisions(model, instance, v)
    objective = objective_value(instance, open_v, gpus, share, unserved)
    if bound is not None and np.isfinite(bound):
        bound = min(bound, objective) if model.sense == "min" else max(bound, objective)
    else:
        bound = None
    return Solution(
        status=status,
        objective=objective,
        bound=bound,
        open_sites=open_v,
        new_gpus=gpus,
        pair_share=share,
        unserved=unserved,
        wall_s=time.perf_counter() - started,
        backend=backend,
        backend_version=version,
        interrupted=interrupted,
        notes=tuple(notes),
    )


def empty_solution(
    instance: Instance,
    status: Status,
    started: float,
    backend: str,
    version: str,
    bound: float | None = None,
    interrupted: bool = False,
    notes: tuple[str, ...] = (),
) -> Solution:
    """A Solution without decisions (infeasible, or nothing found)."""
    return Solution(
        status=status,
        objective=None,
        bound=bound if bound is not None and np.isfinite(bound) else None,
        open_sites=np.zeros(instance.n_sites, dtype=bool),
        new_gpus=np.zeros((instance.n_sites, instance.n_types), dtype=np.int64),
        pair_share=np.zeros(instance.n_pairs),
        unserved=np.zeros(instance.n_regions),
        wall_s=time.perf_counter() - started,
        backend=backend,
        backend_version=version,
        interrupted=interrupted,
        notes=tuple(notes),
    )


def status_from_gap(objective: float | None, bound: float | None, gap: float) -> Status:
    """OPTIMAL when the relative gap is within ``gap``, else FEASIBLE."""
    g = gap_of(objective, bound)
    return Status.OPTIMAL if g is not None and g <= gap + 1e-9 else Status.FEASIBLE
