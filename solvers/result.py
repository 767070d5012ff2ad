"""What a backend returns: raw decisions plus status, objective and bound."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    """Termination status; FEASIBLE (stopped at a limit) is distinct from OPTIMAL."""

    OPTIMAL = "optimal"  # proven within the requested gap
    FEASIBLE = "feasible"  # a plan, not proven within the gap
    INFEASIBLE = "infeasible"  # proven that no plan exists
    NO_SOLUTION = "no_solution"  # stopped before any plan was found


@dataclass(frozen=True)
class SolveParameters:
    """Common parameters every backend honours."""

    time_limit_s: float = 60.0
    gap: float = 0.01
    threads: int = 2
    seed: int = 0
    log: bool = False


@dataclass(frozen=True, eq=False)
class Solution:
    """Decisions aligned with an :class:`~scenario.instance.Instance`.

    ``pair_share`` is aligned with ``instance.pair_*``; ``unserved`` is in
    demand units per region. ``bound`` is a proven bound on the objective in
    the same units as ``objective`` (lower for minimisation), or None.
    """

    status: Status
    objective: float | None
    bound: float | None
    open_sites: np.ndarray  # bool [S]
    new_gpus: np.ndarray  # int [S, T]
    pair_share: np.ndarray  # float [P]
    unserved: np.ndarray  # float [R]
    wall_s: float
    backend: str
    backend_version: str
    interrupted: bool = False
    notes: tuple[str, ...] = field(default=())
