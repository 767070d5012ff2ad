"""The backend interface and the code every backend shares to report a Solution.

A backend declares what it can do (``supports_warm_start``, ``integer_only``,
``proves_bound``, ``honours_threads``, ``interruptible``, ``deterministic``),
says cheaply whether it is installed, and turns a
:class:`~solvers.model.LinearModel` into a :class:`~solvers.result.Solution`.
Backends report decisions; the objective is recomputed in float from them
(:func:`make_solution`), so all backends are comparable.

Stopping: ``params.time_limit_s`` is the wall-clock budget of the backend's
``solve`` call, measured from its start. Every backend also polls
:func:`solvers.cancel.cancel_requested` and then returns its best plan so far
with ``interrupted=True``. :func:`run_bounded` runs a blocking solver call in a
helper thread, asks it to stop and, if it does not within
:data:`ABANDON_GRACE_S`, leaves it behind; at interpreter exit such threads are
waited for (see :func:`_wait_for_solvers_at_exit`). HiGHS instead runs in a
child process that can be killed (:mod:`solvers.backends.highs_process`), except
on the smallest models.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from types import TracebackType

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.cancel import (
    QUIT_EXIT_STATUS,
    cancel_requested,
    quit_requested,
    request_cancel,
)
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.objective import objective_value
from gpuplace.solvers.result import Solution, SolveParameters, Status

SHARE_EPS = 1e-9
# How often watchdogs look at the clock and the cancellation token.
WATCH_POLL_S = 0.05
# Seconds a solver may run past its deadline (or a cancel request) before it is left behind.
ABANDON_GRACE_S = 2.0
# At interpreter exit, how long to wait for solver threads left behind to stop.
EXIT_WAIT_S = 60.0
# Exit status when a solver thread still runs after EXIT_WAIT_S (the process is ended hard).
EXIT_STUCK_SOLVER = 70

_RUNNING: set[threading.Thread] = set()
_RUNNING_LOCK = threading.Lock()


class Backend(ABC):
    """One way of solving a placement model."""

    name: str = ""
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


def no_plan(
    model: LinearModel,
    instance: Instance,
    status: Status,
    started: float,
    backend: str,
    version: str,
    *,
    interrupted: bool = False,
    notes: Sequence[str] = (),
) -> Solution:
    """A Solution without a plan (infeasible, or stopped before finding one)."""
    return make_solution(
        model, instance, None, status, None, started, backend, version, interrupted, tuple(notes)
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


def deadline_of(params: SolveParameters, started: float) -> float:
    """``time.perf_counter()`` value at which a solve begun at ``started`` must stop."""
    return started + max(0.0, float(params.time_limit_s))


def remaining_s(deadline: float, floor_s: float = 0.0) -> float:
    """Seconds left until ``deadline`` (never below ``floor_s``)."""
    return max(floor_s, deadline - time.perf_counter())


def should_stop(deadline: float) -> bool:
    """True once a cancel was requested or ``deadline`` has passed."""
    return cancel_requested() or time.perf_counter() >= deadline


class Watchdog:
    """Call ``stop()`` once, from a helper thread, on a cancel request or at ``deadline``.

    Use as a context manager around a blocking solver call that releases the GIL
    and offers a thread-safe way to stop (CP-SAT's and model_builder's
    ``stop_search``). ``cancelled`` tells whether a cancel request fired it.

    Examples
    --------
    >>> import time
    >>> stopped = []
    >>> with Watchdog(lambda: stopped.append(True), time.perf_counter() + 0.1) as dog:
    ...     time.sleep(0.5)
    >>> stopped, dog.fired, dog.cancelled
    ([True], True, False)
    """

    def __init__(self, stop: Callable[[], None], deadline: float) -> None:
        self._stop = stop
        self._deadline = deadline
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="gpuplace-watchdog", daemon=True)
        self.fired = False
        self.cancelled = False

    def _watch(self) -> None:
        while not self._done.wait(WATCH_POLL_S):
            cancelled = cancel_requested()
            if cancelled or time.perf_counter() >= self._deadline:
                self.fired, self.cancelled = True, cancelled
                self._stop()
                return

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()


def stop_reason() -> str:
    """``"cancel request"`` or ``"time limit"``: why a solve is stopping (for notes)."""
    return "cancel request" if cancel_requested() else "time limit"


def fallback_solution(
    model: LinearModel,
    instance: Instance,
    warm: Solution | None,
    started: float,
    backend: str,
    version: str,
    notes: list[str],
) -> Solution:
    """What a stopped backend returns without a plan of its own, marked interrupted.

    The warm start (re-evaluated, status FEASIBLE, no bound) when there is one
    and it satisfies every row of ``model`` (a caller's hint may not), else
    NO_SOLUTION.
    """
    broken: dict[str, float] = {}
    if warm is not None and warm.objective is not None:
        broken = model.violations(warm_start_vector(model, instance, warm), tol=1e-6)
        if broken:
            notes = [*notes, "the warm start breaks " + ", ".join(sorted(broken))]
    if warm is None or warm.objective is None or broken:
        return make_solution(
            model,
            instance,
            None,
            Status.NO_SOLUTION,
            None,
            started,
            backend,
            version,
            True,
            tuple(notes),
        )
    values = warm_start_vector(model, instance, warm)
    notes = [*notes, f"the {warm.backend} warm start is returned"]
    return make_solution(
        model,
        instance,
        values,
        Status.FEASIBLE,
        None,
        started,
        backend,
        version,
        True,
        tuple(notes),
    )


def run_bounded(
    work: Callable[[], None],
    deadline: float,
    stop: Callable[[], None] | None = None,
    grace_s: float = ABANDON_GRACE_S,
) -> bool:
    """Run ``work()`` in a helper thread; give up waiting ``grace_s`` after a stop.

    ``stop()`` (thread-safe, e.g. a solver's ``stop_search``) is called once on a
    cancel request or at ``deadline``. Returns True when ``work`` returned, False
    when it was left running: it must then not be touched again, and ends at its
    solver's next stop check. An exception raised by ``work`` is re-raised here.
    """
    done = threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:  # re-raised in the waiting thread
            failure.append(error)
        finally:
            done.set()
            with _RUNNING_LOCK:
                _RUNNING.discard(threading.current_thread())

    thread = threading.Thread(target=target, name="gpuplace-solver", daemon=True)
    with _RUNNING_LOCK:
        _RUNNING.add(thread)
    thread.start()
    give_up: float | None = None
    while not done.wait(WATCH_POLL_S):
        now = time.perf_counter()
        if give_up is None and (cancel_requested() or now >= deadline):
            give_up = now + grace_s
            if stop is not None:
                stop()
        if give_up is not None and now >= give_up:
            return False
    if failure:
        raise failure[0]
    return True


@atexit.register
def _wait_for_solvers_at_exit() -> None:
    """Let solver threads left behind stop before the interpreter finalises.

    A thread inside a solver's C++ code that re-acquires the GIL (returning, or
    calling a Python callback) once the interpreter is finalising is ended with
    ``pthread_exit``, which aborts the process through C++ code (status 134). So
    at exit a stop is requested and those threads are joined (HiGHS and CP-SAT
    stop at their next check); one still running after :data:`EXIT_WAIT_S` ends
    the process with :data:`EXIT_STUCK_SOLVER` after flushing output. After
    :func:`solvers.cancel.request_quit` (second Ctrl-C) there is no wait: the
    process ends at once with :data:`solvers.cancel.QUIT_EXIT_STATUS`.
    """
    with _RUNNING_LOCK:
        running = [t for t in _RUNNING if t.is_alive()]
    if not running:
        return
    if quit_requested():
        _hard_exit(QUIT_EXIT_STATUS)
    request_cancel()
    give_up = time.perf_counter() + EXIT_WAIT_S
    for thread in running:
        thread.join(max(0.0, give_up - time.perf_counter()))
    if any(t.is_alive() for t in running):
        _hard_exit(EXIT_STUCK_SOLVER)


def _hard_exit(status: int) -> None:
    """Flush the standard streams and end the process without finalisation."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)
