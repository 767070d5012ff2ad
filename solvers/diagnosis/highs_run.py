"""LPs and MIPs in matrix form, solved with HiGHS (``highspy``) under a time limit.

The diagnosis solves many variants of one model; :class:`Runner` runs each
through the HiGHS adapter and reports it as an :class:`Outcome` with only *proven* facts: a status,
the objective of the point found, and the solver's proven bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.result import Status

__all__ = ["FEASIBLE", "INFEASIBLE", "MatrixProblem", "OPTIMAL", "Outcome", "Runner", "UNKNOWN"]

INFEASIBLE, OPTIMAL, FEASIBLE, UNKNOWN = "infeasible", "optimal", "feasible", "unknown"


@dataclass(frozen=True, eq=False)
class MatrixProblem:
    """``sense`` c·v subject to row_lb <= A v <= row_ub, col_lb <= v <= col_ub, v_j integer."""

    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    c: np.ndarray
    sense: str = "min"

    @property
    def n_vars(self) -> int:
        return int(self.col_lb.shape[0])


@dataclass(frozen=True, eq=False)
class Outcome:
    """One run: status (``infeasible``, ``optimal``, ``feasible``, ``unknown``).

    ``objective`` is that of ``x`` (None without a point); ``bound`` is a
    proven bound on the optimum (lower when minimising), or None.
    """

    status: str
    objective: float | None
    bound: float | None
    x: np.ndarray | None
    wall_s: float
    detail: str = ""

    @property
    def point(self) -> np.ndarray:
        """``x`` of an outcome that found a point."""
        assert self.x is not None, f"a {self.status} run has no point"
        return self.x

    @property
    def found(self) -> bool:
        return self.x is not None


class Runner:
    """Solve :class:`MatrixProblem` s one after the other with HiGHS.

    Each run goes through :func:`solvers.highs.adapter.solve_arrays` with a
    fresh ``Highs`` object (HiGHS measures ``time_limit`` on a clock that keeps
    running across the runs of one object) and stops once ``cancel`` is
    cancelled.

    Parameters
    ----------
    seed
        HiGHS ``random_seed``.
    gap
        ``mip_rel_gap`` of MIP runs.
    cancel
        The diagnosis's cancel token (None: only the time limits stop runs).
    """

    def __init__(self, seed: int = 0, gap: float = 1e-6, cancel: CancelToken | None = None) -> None:
        if not adapter.available():
            raise ImportError("highspy is not installed (pip install 'gpuplace[mip]')")
        self._seed = int(seed)
        self._gap = float(gap)
        self._cancel = cancel

    def run(self, problem: MatrixProblem, time_limit_s: float, relax: bool = False) -> Outcome:
        """Solve ``problem`` (its LP relaxation when ``relax``) within ``time_limit_s``."""
        result = adapter.solve_arrays(
            problem.c,
            problem.A,
            problem.row_lb,
            problem.row_ub,
            problem.col_lb,
            problem.col_ub,
            None if relax else problem.integer,
            maximize=problem.sense == "max",
            time_limit_s=max(0.05, float(time_limit_s)),
            gap=self._gap,
            threads=1,
            seed=self._seed,
            cancel=self._cancel,
        )
        if result.status == Status.INFEASIBLE:
            return Outcome(INFEASIBLE, None, None, None, result.wall_s, result.detail)
        x = result.values
        objective = float(np.dot(problem.c, x)) if x is not None else None
        bound = result.bound
        if bound is not None and objective is not None:
            bound = min(bound, objective) if problem.sense == "min" else max(bound, objective)
        state = FEASIBLE if x is not None else UNKNOWN
        if x is not None and result.status == Status.OPTIMAL:
            state = OPTIMAL
        return Outcome(state, objective, bound, x, result.wall_s, result.detail)
