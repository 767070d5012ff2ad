"""Deadlines and the threads solvers run in: stop on a cancel token or a deadline, never hang.

A blocking solver call (CP-SAT's ``solve``, HiGHS's ``run`` in this process)
runs in a helper thread through :func:`run_bounded`: the caller watches its
:class:`~solvers.cancel.CancelToken` and the deadline, asks the solver to stop
(a thread-safe call such as ``stop_search``) and, if it has not stopped
:data:`ABANDON_GRACE_S` later, leaves it behind. A thread left behind ends at
its solver's next stop check; until then it is listed by
:func:`solver_threads`, and :func:`stop_solver_threads` asks every such thread
to stop and waits for it (the command line's exit handler does this, see
:func:`gpuplace.commands.shutdown.install_exit_handler`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.result import SolveParameters

# How often waiting loops look at the clock and the cancel token.
WATCH_POLL_S = 0.05
# Seconds a solver may run past its deadline (or a cancel request) before it is left behind.
ABANDON_GRACE_S = 2.0


@dataclass(frozen=True, eq=False)
class _SolverThread:
    thread: threading.Thread
    cancel: CancelToken
    stop: Callable[[], None] | None

    def ask_to_stop(self) -> None:
        self.cancel.cancel()
        if self.stop is not None:
            self.stop()


_RUNNING: dict[threading.Thread, _SolverThread] = {}
_RUNNING_LOCK = threading.Lock()


def usable_threads(requested: int) -> int:
    """Solver threads to start: ``requested``, at most the cores this process may use, at least 1.

    HiGHS started about 15,600 threads for ``threads = 1000000`` and aborted; a
    solver never gains from more threads than cores.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(int(requested), cores))


def deadline_of(params: SolveParameters, started: float) -> float:
    """``time.perf_counter()`` value at which a solve begun at ``started`` must stop."""
    return started + max(0.0, float(params.time_limit_s))


def remaining_s(deadline: float, floor_s: float = 0.0) -> float:
    """Seconds left until ``deadline`` (never below ``floor_s``)."""
    return max(floor_s, deadline - time.perf_counter())


def should_stop(deadline: float, cancel: CancelToken) -> bool:
    """True once ``cancel`` is cancelled or ``deadline`` has passed."""
    return cancel.cancelled or time.perf_counter() >= deadline


def stop_reason(cancel: CancelToken) -> str:
    """``"cancel request"`` or ``"time limit"``: why a solve is stopping (for notes)."""
    return "cancel request" if cancel.cancelled else "time limit"


def run_bounded(
    work: Callable[[], None],
    deadline: float,
    cancel: CancelToken,
    stop: Callable[[], None] | None = None,
    grace_s: float = ABANDON_GRACE_S,
) -> bool:
    """Run ``work()`` in a helper thread; give up waiting ``grace_s`` after a stop.

    ``stop()`` (thread-safe, e.g. a solver's ``stop_search``) is called once when
    ``cancel`` is cancelled or at ``deadline``. Returns True when ``work``
    returned, False when it was left running: it must then not be touched again,
    and ends at its solver's next stop check. An exception raised by ``work`` is
    re-raised here.
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
                _RUNNING.pop(threading.current_thread(), None)

    thread = threading.Thread(target=target, name="gpuplace-solver", daemon=True)
    with _RUNNING_LOCK:
        _RUNNING[thread] = _SolverThread(thread, cancel, stop)
    thread.start()
    give_up: float | None = None
    while not done.wait(WATCH_POLL_S):
        now = time.perf_counter()
        if give_up is None and (cancel.cancelled or now >= deadline):
            give_up = now + grace_s
            if stop is not None:
                stop()
        if give_up is not None and now >= give_up:
            return False
    if failure:
        raise failure[0]
    return True


def solver_threads() -> list[threading.Thread]:
    """Threads of :func:`run_bounded` still running (solving, or left behind)."""
    with _RUNNING_LOCK:
        return [t for t in _RUNNING if t.is_alive()]


def stop_solver_threads(wait_s: float) -> bool:
    """Ask every solver thread to stop (its token and its solver) and wait up to ``wait_s``.

    Returns True when none is left running.
    """
    with _RUNNING_LOCK:
        running = [entry for entry in _RUNNING.values() if entry.thread.is_alive()]
    for entry in running:
        entry.ask_to_stop()
    give_up = time.perf_counter() + wait_s
    for entry in running:
        entry.thread.join(max(0.0, give_up - time.perf_counter()))
    return not any(entry.thread.is_alive() for entry in running)


__all__ = [
    "ABANDON_GRACE_S",
    "WATCH_POLL_S",
    "deadline_of",
    "remaining_s",
    "run_bounded",
    "should_stop",
    "solver_threads",
    "stop_solver_threads",
    "stop_reason",
    "usable_threads",
]
