"""A cancel token: one solve's request to stop, passed in, never global.

Every :class:`~solvers.result.SolveParameters` carries a fresh token
(``params.cancel``); backends, the HiGHS adapter, the facility-location
solvers and the diagnosis poll the token they were given and then return
their best plan so far, marked ``interrupted``. Whoever runs a solve and may
want to stop it (the command line on Ctrl-C, a server on a client's request)
makes the token, passes it in and cancels it from any thread; two solves with
different tokens never stop each other.

Examples
--------
>>> token = CancelToken()
>>> token.cancelled
False
>>> token.cancel()
>>> token.cancelled, token.wait(0.0)
(True, True)
"""

from __future__ import annotations

import threading


class CancelToken:
    """A thread-safe, one-way flag: once cancelled, always cancelled.

    A copy made by pickling (a task sent to a worker process) starts in the
    state the token had then; cancelling one afterwards does not reach the other.
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask whatever polls this token to stop at its next check, keeping its best plan."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._event.is_set()

    def is_set(self) -> bool:
        """:attr:`cancelled` as a call, for code that takes ``stop: Callable[[], bool]``."""
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until cancelled or ``timeout`` seconds passed; True when cancelled."""
        return self._event.wait(timeout)

    def __reduce__(self) -> tuple:
        return (_token_in_state, (self.cancelled,))

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"


def _token_in_state(cancelled: bool) -> CancelToken:
    token = CancelToken()
    if cancelled:
        token.cancel()
    return token


__all__ = ["CancelToken"]
