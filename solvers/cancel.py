"""A process-wide cancellation token that long-running solves poll.

The command line sets it on the first Ctrl-C; backends check
:func:`cancel_requested` (or pass :data:`CANCEL_EVENT` to a solver callback)
and stop with the best plan found so far, marking the solution
``interrupted``. Library callers may use it the same way from another thread.

Examples
--------
>>> from solvers import cancel
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


def request_cancel() -> None:
    """Ask the running solve to stop at its next check, keeping its best plan."""
    CANCEL_EVENT.set()


def cancel_requested() -> bool:
    """True once a stop was requested and not yet :func:`reset`."""
    return CANCEL_EVENT.is_set()


def reset() -> None:
    """Clear a previous request (done before each solve)."""
    CANCEL_EVENT.clear()


__all__ = ["CANCEL_EVENT", "cancel_requested", "request_cancel", "reset"]
