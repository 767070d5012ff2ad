"""HiGHS in a forked child process that can always be stopped: killed when it does not answer.

HiGHS checks its time limit and interrupt callbacks only between phases: on
world models presolve, symmetry detection, probing and the feasibility-jump
heuristic each run seconds without a check (the longest stretch without a
callback was 8.2 s on the 71,714-column world model with 300 regions, 9.5 s on a
21,000-column random model). A thread cannot be killed, so such a run used to be
left behind, burning CPU, and the interpreter waited for it at exit (up to
60 s): ``gpuplace solve`` of world-1000 with ``--time-limit 10`` exited after
39 s. Here HiGHS runs in a child process that can be killed; the same command
exits after 15 s (3 s of loading, the 10 s limit, 2 s of grace; the solve
itself 12.1 s), and world-2000 with ``--time-limit 30`` after 35 s.

How the child is started, by measurement (2-core machine shared with other
jobs, so CPU time is the figure to trust; ``threads=1``; medians of 30-60 runs
of a 29-column model):

=====================================  ==========================  ==========================
start                                  overhead per HiGHS run       notes
=====================================  ==========================  ==========================
helper thread in this process          none (0.5 ms run in all)     cannot be killed
``os.fork`` of this process            CPU +12 ms, wall +15-40 ms   model inherited, nothing
                                       (fork 4-18 ms, child set-up  re-imported; copy-on-write
                                       10 ms, exit and reaping      faults grow with the
                                       4-10 ms); +25 ms wall in a   parent's size
                                       process holding 1 GB
``multiprocessing`` forkserver, warm   2.6 s to start the server;   every child re-runs the
                                       the model pickled per run    caller's ``__main__``
fresh interpreter (as for SCIP)        CPU +1.0 s, wall +1-2 s      re-imports numpy, highspy
=====================================  ==========================  ==========================

So the child is a plain ``os.fork`` taken after the model is passed to HiGHS:
it inherits the built ``Highs`` object and starts solving at once. The
forkserver was rejected because its children re-run the caller's main module
(the whole CLI, or a user's script) on every start. A model with at most
:data:`~solvers.highs.run.SMALL_MODEL_NNZ` nonzeros runs in a helper thread instead: on such
models every HiGHS phase is short (a 1,361-column model with 5,259 nonzeros
solved to optimality in 0.4 s, never more than 0.16 s between callbacks), so
they stop on time without a child and skip its cost. On OR-Library cap41,
cap71, cap101 and cap131, forking every run cost 20 ms of CPU per ``highs``
solve and 18 ms per ``fast`` HiGHS run; with the threshold only cap131's
``highs`` model (above it) forks.

The child:

- runs HiGHS in a fresh thread (HiGHS keeps its task scheduler per thread, so
  none is inherited half-alive from the parent);
- sends every improving incumbent to the parent through a pipe, the newest one
  only when several arrive faster than the parent reads, so a killed run keeps
  its best plan;
- ignores SIGINT and lives in its own session (a terminal's Ctrl-C reaches only
  the parent, which decides);
- stops HiGHS through its interrupt callbacks when the parent asks (a byte on
  a second pipe) or at the deadline, and ends at once when the parent is gone
  (that pipe at end of file, ``PR_SET_PDEATHSIG`` on Linux, or a changed
  parent pid).

The parent asks the child to stop when its cancel token is cancelled or at the
deadline and
kills it (SIGKILL) :data:`~solvers.runtime.ABANDON_GRACE_S` later if it
has not answered; it always reaps the child before returning, and an exit
handler kills children still running when the interpreter exits (a solve
running in a daemon thread), so no orphan and no zombie is left.

Without ``os.fork`` (Windows) every model runs in the helper thread.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe
from typing import Any

import numpy as np

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.highs.events import Collect, HighsOutcome, OnIncumbent, attach
from gpuplace.solvers.runtime import WATCH_POLL_S, should_stop

# Exit status of a child whose parent went away.
_ORPHANED = 3

_CHILDREN: set[int] = set()
_CHILDREN_LOCK = threading.Lock()


def fork_available() -> bool:
    """True where HiGHS can run in a forked child (``os.fork`` exists)."""
    return hasattr(os, "fork")


def running_children() -> list[int]:
    """Process ids of HiGHS children not yet reaped (for diagnostics and tests)."""
    with _CHILDREN_LOCK:
        return sorted(_CHILDREN)


def _fork() -> int:
    """``os.fork`` with SIGINT blocked in this thread, so the child never runs a Python handler."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        with warnings.catch_warnings():
            # Python >= 3.12 warns about forking a process with threads; the child
            # touches no lock another thread may hold (see the module docstring).
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        raise
    if pid != 0:  # the child unblocks SIGINT once it ignores it
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return pid


def run_in_child(
    h: Any,
    deadline: float,
    cancel: CancelToken,
    collect: Collect,
    grace_s: float,
    on_incumbent: OnIncumbent | None,
) -> HighsOutcome | None:
    """Fork; the child solves and streams incumbents; this process watches and reaps.

    The child is asked to stop when ``cancel`` is cancelled or at ``deadline``
    and killed ``grace_s`` later. None when no child could be started (no
    memory or process slot): the caller runs HiGHS here instead.
    """
    outcome = HighsOutcome(False, None, None, None, in_child=True)
    reader, writer = Pipe(duplex=False)
    stop_r, stop_w = os.pipe()
    parent_pid = os.getpid()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        pid = _fork()
    except OSError:  # no memory or process slot for a child
        reader.close()
        writer.close()
        os.close(stop_r)
        os.close(stop_w)
        return None
    if pid == 0:  # the child: never returns
        status = 1
        try:
            reader.close()
            os.close(stop_w)
            status = _child(h, deadline, collect, writer, stop_r, parent_pid)
        finally:
            os._exit(status)
    with _CHILDREN_LOCK:
        _CHILDREN.add(pid)
    writer.close()
    os.close(stop_r)
    reaped = False
    give_up: float | None = None
    try:
        while True:
            message = _receive(reader)
            if message is _ENDED:
                break
            if message is not None:
                kind = message[0]
                if kind == "incumbent":
                    outcome.incumbent, outcome.bound = message[1], message[2]
                    if on_incumbent is not None:
                        on_incumbent(outcome.incumbent, outcome.bound)
                elif kind == "done":
                    outcome.report, outcome.finished = message[1], True
                    break
                elif kind == "error":
                    raise RuntimeError(f"HiGHS failed in its child process: {message[1]}")
            now = time.perf_counter()
            if give_up is None and should_stop(deadline, cancel):
                give_up = now + grace_s
                with contextlib.suppress(OSError):
                    os.write(stop_w, b"s")
            if give_up is not None and now >= give_up:
                outcome.killed = True
                break
            if message is None and os.waitpid(pid, os.WNOHANG)[0] == pid:
                reaped = True  # ended without a word (killed from outside, crashed)
                break
    finally:
        if not reaped:
            _end_child(pid, kill=not outcome.finished)
        with _CHILDREN_LOCK:
            _CHILDREN.discard(pid)
        reader.close()
        os.close(stop_w)
    return outcome


_ENDED = object()


def _receive(reader: Connection) -> Any:
    """The next message, None when none arrived within the poll interval, ``_ENDED`` at EOF."""
    try:
        if not reader.poll(WATCH_POLL_S):
            return None
        return reader.recv()
    except (EOFError, OSError):
        return _ENDED


def _end_child(pid: int, kill: bool) -> None:
    """Kill (when asked) and reap child ``pid``."""
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _child(
    h: Any, deadline: float, collect: Collect, writer: Connection, stop_r: int, parent_pid: int
) -> int:
    """The child's whole life: detach, solve in a fresh thread, report; returns the exit status."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    with contextlib.suppress(OSError):
        os.setsid()
    _die_with_parent()
    if os.getppid() != parent_pid:
        return _ORPHANED
    stop = threading.Event()
    # The solver thread wakes this one (a byte on a pipe) when an incumbent is found and at its end.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    latest: list[tuple[np.ndarray, float]] = []
    lock = threading.Lock()

    def wake() -> None:
        with contextlib.suppress(BlockingIOError):
            os.write(wake_w, b"w")

    def on_check(event: Any) -> None:
        if stop.is_set() or time.perf_counter() >= deadline:
            event.interrupt()

    def on_improving(event: Any) -> None:
        values = np.array(event.data_out.mip_solution, dtype=float)
        with lock:
            latest[:] = [(values, float(event.data_out.mip_dual_bound))]
        wake()

    attach(h, on_check, on_improving)
    result: list[tuple[str, Any]] = []

    def work() -> None:
        try:
            h.run()
            result.append(("done", collect(h)))
        except BaseException as error:  # reported to the parent
            result.append(("error", f"{type(error).__name__}: {error}"))
        finally:
            wake()

    solver = threading.Thread(target=work, name="gpuplace-highs", daemon=True)
    solver.start()
    watched = [stop_r, wake_r]
    while solver.is_alive():
        ready, _, _ = select.select(watched, [], [], WATCH_POLL_S)
        if stop_r in ready:
            if not os.read(stop_r, 1):
                return _ORPHANED  # the parent is gone
            stop.set()
            watched = [wake_r]
        if wake_r in ready:
            os.read(wake_r, 4096)
            _send_latest(writer, latest, lock)
        if os.getppid() != parent_pid:
            return _ORPHANED
    solver.join()
    _send_latest(writer, latest, lock)
    writer.send(result[0] if result else ("error", "HiGHS ended without a result"))
    writer.close()
    return 0


def _send_latest(writer: Connection, latest: list, lock: threading.Lock) -> None:
    with lock:
        item = latest.pop() if latest else None
    if item is not None:
        writer.send(("incumbent", item[0], item[1]))


def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` on Linux (resolved here, before forking: loading it costs ~6 ms)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: have the kernel kill this process when the thread that forked it ends."""
    if _PRCTL is not None:
        with contextlib.suppress(Exception):
            _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


@atexit.register
def _kill_children_at_exit() -> None:
    """Kill and reap HiGHS children still running when the interpreter exits."""
    for pid in running_children():
        _end_child(pid, kill=True)
    with _CHILDREN_LOCK:
        _CHILDREN.clear()


__all__ = ["fork_available", "run_in_child", "running_children"]
