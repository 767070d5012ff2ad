"""The backend interface: what a backend declares, and the opening every solve shares.

A backend declares what it can do (``supports_warm_start``, ``integer_only``,
``proves_bound``, ``honours_threads``, ``interruptible``, ``deterministic``),
says cheaply whether it is installed (:meth:`Backend.is_available`) and which
solver it runs (:meth:`Backend.version`), and turns a
:class:`~solvers.model.LinearModel` into a :class:`~solvers.result.Solution`.

:meth:`Backend.solve` is the same for every backend: it starts the clock,
fixes the deadline (``params.time_limit_s`` is the wall-clock budget of the
call), keeps the warm start only when it holds a plan for this instance, and
returns the fallback (:func:`~solvers.backends.solution.fallback_solution`)
when the solve is stopped before it starts. Then it hands a :class:`Run` to
the backend's one abstract method, :meth:`Backend._solve`. Backends poll
``run.params.cancel`` (:class:`~solvers.cancel.CancelToken`) and the deadline
and then return their best plan so far with ``interrupted=True``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.solution import fallback_solution, make_solution
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import Solution, SolveParameters, Status, status_from_gap
from gpuplace.solvers.runtime import deadline_of, remaining_s, should_stop, stop_reason


@dataclass(eq=False)
class Run:
    """One call of :meth:`Backend.solve`: its inputs, clock, deadline, warm start and notes.

    ``warm`` is the caller's warm start when it holds a plan (else None);
    ``notes`` collects what the Solution will say, in order.
    """

    backend: str
    version: str
    model: LinearModel
    instance: Instance
    params: SolveParameters
    started: float
    deadline: float
    warm: Solution | None
    notes: list[str] = field(default_factory=list)

    @property
    def cancel(self) -> CancelToken:
        """The token this solve polls (``params.cancel``)."""
        return self.params.cancel

    def should_stop(self) -> bool:
        """True once the token is cancelled or the deadline has passed."""
        return should_stop(self.deadline, self.params.cancel)

    def stop_reason(self) -> str:
        """``"cancel request"`` or ``"time limit"`` (for notes)."""
        return stop_reason(self.params.cancel)

    def remaining_s(self, floor_s: float = 0.0) -> float:
        """Seconds left until the deadline (never below ``floor_s``)."""
        return remaining_s(self.deadline, floor_s)

    def note_warm_start(self) -> None:
        """Say that the warm start was handed to the solver (when there is one)."""
        if self.warm is not None:
            self.notes.append(
                f"warm start from {self.warm.backend} (objective {self.warm.objective:.6g})"
            )

    def solution(
        self,
        values: np.ndarray | None,
        status: Status,
        bound: float | None = None,
        *,
        interrupted: bool = False,
        notes: Sequence[str] | None = None,
    ) -> Solution:
        """:func:`~solvers.backends.solution.make_solution` with this run's fields.

        ``notes`` replaces the run's notes when given.
        """
        return make_solution(
            self.model,
            self.instance,
            values,
            status,
            bound,
            self.started,
            self.backend,
            self.version,
            interrupted,
            self.notes if notes is None else notes,
        )

    def plan(
        self,
        values: np.ndarray,
        bound: float | None,
        *,
        optimal: bool = False,
        interrupted: bool = False,
    ) -> Solution:
        """The Solution of a plan: OPTIMAL when the solver proved it, else by the gap.

        The gap is that of the recomputed objective to the (clipped) bound
        (:func:`~solvers.result.status_from_gap`).
        """
        sol = self.solution(values, Status.FEASIBLE, bound, interrupted=interrupted)
        if optimal:
            return replace(sol, status=Status.OPTIMAL)
        return replace(sol, status=status_from_gap(sol.objective, sol.bound, self.params.gap))

    def fallback(self) -> Solution:
        """What a stopped backend returns without a plan of its own (see the module doc)."""
        return fallback_solution(
            self.model,
            self.instance,
            self.warm,
            self.started,
            self.backend,
            self.version,
            self.notes,
        )


class Backend(ABC):
    """One way of solving a placement model."""

    name: str = ""
    # How notes name the solver ("HiGHS not started: ..."); ``name`` when None.
    label: str | None = None
    supports_warm_start: bool = False
    integer_only: bool = False
    proves_bound: bool = True
    handles_continuous: bool = True
    # ``params.threads`` changes how many threads the solver uses.
    honours_threads: bool = True
    # Stops within about a second of a cancel request or the time limit.
    interruptible: bool = True
    # Same inputs, seed and threads give the same plan, at any thread count, when the
    # solve ends before the time limit and no cancel arrives (both cut runs at wall-clock
    # moments, so a stopped run is never repeatable).
    deterministic: bool = True
    # Builds a plan of its own even when stopped before it starts (a quick construction
    # comes first), so the opening does not turn an early stop into the fallback.
    plans_when_stopped: bool = False

    @classmethod
    def features(cls) -> dict[str, bool]:
        """What the backend declares it can do, by feature name."""
        return {
            "warm_start": cls.supports_warm_start,
            "bound": cls.proves_bound,
            "threads": cls.honours_threads,
            "interrupt": cls.interruptible,
            "deterministic": cls.deterministic,
        }

    @classmethod
    @abstractmethod
    def is_available(cls) -> bool:
        """Whether the backend's library is importable and usable (cheap)."""

    @classmethod
    @abstractmethod
    def version(cls) -> str:
        """Version string of the underlying solver."""

    def solve(
        self,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        warm_start: Solution | None = None,
    ) -> Solution:
        """Solve ``model`` (built from ``instance``) and report a Solution.

        Parameters
        ----------
        model, instance
            The model and the instance it was built from.
        params
            Time limit (wall clock, from this call), gap, threads, seed, log and
            the cancel token.
        warm_start
            A plan of the same instance, handed to the solver where supported
            (kept only when it has an objective).

        Raises
        ------
        ValueError
            ``warm_start`` does not have the sizes of ``instance``.
        """
        started = time.perf_counter()
        run = Run(
            backend=self.name,
            version=self.version(),
            model=model,
            instance=instance,
            params=params,
            started=started,
            deadline=deadline_of(params, started),
            warm=usable_warm_start(instance, warm_start),
        )
        if not self.plans_when_stopped and run.should_stop():
            run.note_warm_start()
            run.notes.append(f"{self.label or self.name} not started: {run.stop_reason()}")
            return run.fallback()
        return self._solve(run)

    @abstractmethod
    def _solve(self, run: Run) -> Solution:
        """The backend's own work, after the opening of :meth:`solve`."""


def usable_warm_start(instance: Instance, warm: Solution | None) -> Solution | None:
    """``warm`` when it holds a plan of ``instance``'s size, None when it holds no plan.

    Raises
    ------
    ValueError
        The plan's arrays do not have the sizes of ``instance``.
    """
    if warm is None or warm.objective is None:
        return None
    expected = {
        "open_sites": (instance.n_sites,),
        "new_gpus": (instance.n_sites, instance.n_types),
        "pair_share": (instance.n_pairs,),
        "unserved": (instance.n_items,),
    }
    for name, shape in expected.items():
        size = np.size(getattr(warm, name))
        if size != int(np.prod(shape)):
            raise ValueError(f"warm start {name} holds {size} values, the instance needs {shape}")
    return warm


__all__ = ["Backend", "Run", "usable_warm_start"]
