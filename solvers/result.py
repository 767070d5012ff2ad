"""What a backend returns: raw decisions plus status, objective and bound."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from gpuplace.solvers.cancel import CancelToken


class Status(StrEnum):
    """Termination status; FEASIBLE (stopped at a limit) is distinct from OPTIMAL."""

    OPTIMAL = "optimal"  # proven within the requested gap
    FEASIBLE = "feasible"  # a plan, not proven within the gap
    INFEASIBLE = "infeasible"  # proven that no plan exists
    NO_SOLUTION = "no_solution"  # stopped before any plan was found


@dataclass(frozen=True)
class SolveParameters:
    """Common parameters every backend honours.

    ``cancel`` is the token the solve polls (:class:`~solvers.cancel.CancelToken`,
    a fresh one by default); ``dataclasses.replace`` keeps it, so every part of
    one solve stops on the same request.
    """

    time_limit_s: float = 60.0
    gap: float = 0.01
    threads: int = 2
    seed: int = 0
    log: bool = False
    cancel: CancelToken = field(default_factory=CancelToken, compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class Solution:
    """Decisions aligned with an :class:`~scenario.instance.Instance`.

    ``pair_share`` is aligned with ``instance.pair_*``; ``unserved`` is in
    demand units per demand item (``instance.item_demand``: per region
    without serving tables). ``bound`` is a proven bound on the objective in
    the same units as ``objective`` (lower for minimisation), or None.
    """

    status: Status
    objective: float | None
    bound: float | None
    open_sites: np.ndarray  # bool [S]
    new_gpus: np.ndarray  # int [S, T]
    pair_share: np.ndarray  # float [P]
    unserved: np.ndarray  # float [K], per demand item (per region without serving tables)
    wall_s: float
    backend: str
    backend_version: str
    interrupted: bool = False
    notes: tuple[str, ...] = field(default=())


# Relative gap tolerance on top of the requested gap (round-off of objective and bound).
GAP_TOL = 1e-9


def gap_of(objective: float | None, bound: float | None) -> float | None:
    """Relative gap ``|objective - bound| / max(|objective|, 1e-9)``, or None without both.

    Examples
    --------
    >>> gap_of(100.0, 99.0)
    0.01
    >>> gap_of(100.0, None) is None
    True
    """
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def status_from_gap(objective: float | None, bound: float | None, gap: float) -> Status:
    """OPTIMAL when :func:`gap_of` is within ``gap`` (+ :data:`GAP_TOL`), FEASIBLE otherwise.

    NO_SOLUTION without an objective.

    Examples
    --------
    >>> status_from_gap(100.0, 99.0, 0.01), status_from_gap(100.0, 98.0, 0.01)
    (<Status.OPTIMAL: 'optimal'>, <Status.FEASIBLE: 'feasible'>)
    """
    if objective is None:
        return Status.NO_SOLUTION
    g = gap_of(objective, bound)
    return Status.OPTIMAL if g is not None and g <= gap + GAP_TOL else Status.FEASIBLE


__all__ = [
    "GAP_TOL",
    "SolveParameters",
    "Solution",
    "Status",
    "gap_of",
    "status_from_gap",
]
