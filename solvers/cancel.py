"""A process-wide cancellation token that long-running solves poll.

The command line sets it on the first Ctrl-C; backends check
:func:`cancel_requested` (or pass :data:`CANCEL_EVENT` to a solver callback)
and stop with the best plan found so far, marking the solution
``interrupted``. Library callers may use it the same way from another thread.

Examples
--------
>>> from gpuplace.solvers import cancel
>>> cancel.reset()
>>> cancel.cancel_requested()
False
>>> cancel.request_cancel()
>>> cancel.cancel_requested()
True
>>> cancel.reset()
"""

from __future__ import annotations

import threading

CANCEL_EVENT = threading.Event()
QUIT_EVENT = threading.Event()
# Exit status when the user asked to quit at once (128 + SIGINT).
QUIT_EXIT_STATUS = 130


def request_cancel() -> None:
    """Ask the running solve to stop at its next check, keeping its best plan."""
    CANCEL_EVENT.set()


def cancel_requested() -> bool:
    """True once a stop was requested and not yet :func:`reset`."""
    return CANCEL_EVENT.is_set()


def request_quit() -> None:
    """The user wants out now (second Ctrl-C): stop, and let the process end at once.

    Besides cancelling, this tells the exit handler of :mod:`solvers.backends.base`
    not to wait for solver threads still inside C++ code but to end the process
    with :data:`QUIT_EXIT_STATUS` as soon as the interpreter begins to exit.
    """
    CANCEL_EVENT.set()
    QUIT_EVENT.set()


def quit_requested() -> bool:
    """True once :func:`request_quit` was called and not yet :func:`reset`."""
    return QUIT_EVENT.is_set()


def reset() -> None:
    """Clear previous requests (done before each solve)."""
    CANCEL_EVENT.clear()
    QUIT_EVENT.clear()


__all__ = [
    "CANCEL_EVENT",
    "QUIT_EVENT",
    "QUIT_EXIT_STATUS",
    "cancel_requested",
    "quit_requested",
    "request_cancel",
    "request_quit",
    "reset",
]
