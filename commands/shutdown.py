"""Process control of the command line: the second Ctrl-C, and an exit that never aborts.

The library stops on a cancel token (:class:`gpuplace.solvers.cancel.CancelToken`)
and never ends the process; what the process does when it ends is decided
here. :func:`install_exit_handler` is installed by ``gpuplace`` itself
(:func:`gpuplace.cli.main`); the ``solve`` command's Ctrl-C handler calls
:func:`request_quit` on the second Ctrl-C.
"""

from __future__ import annotations

import atexit
import threading

from gpuplace.commands.quit import QUIT_EXIT_STATUS, hard_exit
from gpuplace.solvers.runtime import solver_threads, stop_solver_threads

# At interpreter exit, how long to wait for solver threads still running to stop.
EXIT_WAIT_S = 60.0
# Exit status when a solver thread still runs after EXIT_WAIT_S (the process is ended hard).
EXIT_STUCK_SOLVER = 70

_QUIT = threading.Event()
_INSTALLED = threading.Event()


def request_quit() -> None:
    """The user wants out now (second Ctrl-C): at exit, do not wait for solver threads."""
    _QUIT.set()


def clear_quit() -> None:
    """Forget an earlier :func:`request_quit` (a new command starts in this process)."""
    _QUIT.clear()


def install_exit_handler() -> None:
    """At interpreter exit, stop solver threads still running before Python finalises.

    A thread inside a solver's C++ code (CP-SAT's search, HiGHS in this
    process) that re-acquires the GIL once the interpreter is finalising is
    ended with ``pthread_exit``, which aborts the process through C++ code
    (status 134). The handler asks every solver thread of
    :func:`gpuplace.solvers.runtime.run_bounded` to stop (its cancel token and
    its solver) and waits up to :data:`EXIT_WAIT_S` for them; one still
    running then ends the process with :data:`EXIT_STUCK_SOLVER`, output
    flushed. After :func:`request_quit` it does not wait: the process ends at
    once with :data:`QUIT_EXIT_STATUS`. Installing twice installs once.

    ``gpuplace`` installs it at start. A library caller wants it when its
    process may end while a solve still runs in another thread (a daemon
    thread, a server shutting down) or after a stopped CP-SAT or HiGHS search
    was left behind (``run_bounded`` returned False): call it once, from the
    program's entry point. HiGHS children are not concerned: they end with
    their parent (:mod:`gpuplace.solvers.highs.child`).
    """
    if not _INSTALLED.is_set():
        _INSTALLED.set()
        atexit.register(_stop_solvers_at_exit)


def _stop_solvers_at_exit() -> None:
    if not solver_threads():
        return
    if _QUIT.is_set():
        hard_exit(QUIT_EXIT_STATUS)
    try:
        stopped = stop_solver_threads(EXIT_WAIT_S)
    except KeyboardInterrupt:  # Ctrl-C while waiting (a library caller's default handler)
        hard_exit(QUIT_EXIT_STATUS)
    if not stopped:
        hard_exit(EXIT_STUCK_SOLVER)


__all__ = [
    "EXIT_STUCK_SOLVER",
    "EXIT_WAIT_S",
    "QUIT_EXIT_STATUS",
    "clear_quit",
    "install_exit_handler",
    "request_quit",
]
