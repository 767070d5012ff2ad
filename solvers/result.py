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


class StopReason(StrEnum):
    """Why a solve stopped (the plan's ``stop_reason``), beside its :class:`Status`.

    A plan stopped by its time limit is FEASIBLE with TIME_LIMIT; one stopped by
    a cancel request (Ctrl-C on the command line) is INTERRUPTED; neither is
    OPTIMAL unless its gap was reached first.
    """

    OPTIMAL = "optimal"  # proven optimal (gap 0)
    GAP_REACHED = "gap_reached"  # proven within the requested gap
    TIME_LIMIT = "time_limit"  # the time limit ran out
    INTERRUPTED = "interrupted"  # a cancel request (Ctrl-C)
    NODE_LIMIT = "node_limit"  # a node, iteration or solution limit of the solver
    MEMORY_LIMIT = "memory_limit"  # the solver ran out of memory
    FINISHED = "finished"  # the search ended without proving the gap (a heuristic)
    INFEASIBLE = "infeasible"  # proven that no plan exists


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
    stop_reason: StopReason | None = None  # None: inferred (:func:`stop_reason_of`)


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


def stop_reason_of(
    solution: Solution,
    *,
    time_limit_s: float | None = None,
    cancelled: bool = False,
    gap: float | None = None,
) -> StopReason:
    """Why ``solution`` stopped: its own ``stop_reason``, else read from its status and clock.

    OPTIMAL -> OPTIMAL at a zero gap (within :data:`GAP_TOL`; also with no bound to
    measure it, as the backend proved it), else GAP_REACHED (``gap`` if given, else
    that of the solution's objective and bound);
    INFEASIBLE -> INFEASIBLE; otherwise INTERRUPTED when ``cancelled``,
    TIME_LIMIT when the solution says it was stopped or used the time limit
    (``time_limit_s``, within 2 %), else FINISHED.

    Examples
    --------
    >>> import numpy as np
    >>> empty = np.zeros(0)
    >>> s = Solution(Status.FEASIBLE, 10.0, 9.0, empty, empty, empty, empty, 5.0, "x", "1")
    >>> stop_reason_of(s, time_limit_s=5.0).value, stop_reason_of(s, time_limit_s=60.0).value
    ('time_limit', 'finished')
    >>> stop_reason_of(s, cancelled=True).value
    'interrupted'
    """
    if solution.stop_reason is not None:
        return solution.stop_reason
    if solution.status == Status.INFEASIBLE:
        return StopReason.INFEASIBLE
    if solution.status == Status.OPTIMAL:
        g = gap_of(solution.objective, solution.bound) if gap is None else gap
        return StopReason.OPTIMAL if g is None or g <= GAP_TOL else StopReason.GAP_REACHED
    if cancelled:
        return StopReason.INTERRUPTED
    used_limit = time_limit_s is not None and solution.wall_s >= 0.98 * time_limit_s
    if solution.interrupted or used_limit:
        return StopReason.TIME_LIMIT
    return StopReason.FINISHED


__all__ = [
    "GAP_TOL",
    "SolveParameters",
    "Solution",
    "Status",
    "StopReason",
    "gap_of",
    "status_from_gap",
    "stop_reason_of",
]
