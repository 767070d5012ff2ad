"""One bounded HiGHS run: in a forked child for large models, in a helper thread for small ones.

HiGHS checks its time limit and interrupt callbacks only between phases, so a
large model runs in a child process that can be killed
(:mod:`solvers.highs.child`, where the choice is measured); a model with at
most :data:`SMALL_MODEL_NNZ` nonzeros runs in a helper thread of this process
(:func:`solvers.runtime.run_bounded`), stopped through the interrupt
callbacks and left behind if it overruns. Either way HiGHS is asked to stop
when the cancel token is cancelled or at the deadline, and every improving
incumbent reaches the caller as it is found.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.highs import child
from gpuplace.solvers.highs.events import Collect, HighsOutcome, OnIncumbent, attach
from gpuplace.solvers.runtime import ABANDON_GRACE_S, run_bounded, should_stop

# Models with at most this many nonzeros in the constraint matrix run in a helper thread.
SMALL_MODEL_NNZ = 10_000


def use_child(nnz: int) -> bool:
    """Whether a model with ``nnz`` nonzeros runs in a child process (see the module doc)."""
    return child.fork_available() and nnz > SMALL_MODEL_NNZ


def run_highs(
    h: Any,
    deadline: float,
    cancel: CancelToken,
    collect: Collect,
    *,
    in_child: bool,
    grace_s: float = ABANDON_GRACE_S,
    on_incumbent: OnIncumbent | None = None,
) -> HighsOutcome:
    """Run ``h.run()`` (a model already passed) until it returns or is stopped.

    Parameters
    ----------
    h
        A ``highspy.Highs`` holding the model, options and any start solution.
    deadline
        ``time.perf_counter()`` value at which HiGHS is asked to stop.
    cancel
        HiGHS is asked to stop once this token is cancelled.
    collect
        Called with ``h`` after ``run()`` returns (in the child when
        ``in_child``); returns a picklable dict of what the caller needs.
    in_child
        Run in a forked child process (else in a helper thread; also when no
        child can be started).
    grace_s
        Seconds HiGHS has to answer a stop before it is killed (a child) or
        left behind (a thread).
    on_incumbent
        Called in this process with each incumbent (values, dual bound) as it
        arrives.

    Returns
    -------
    HighsOutcome
    """
    if in_child and child.fork_available():
        outcome = child.run_in_child(h, deadline, cancel, collect, grace_s, on_incumbent)
        if outcome is not None:
            return outcome
    return _run_in_thread(h, deadline, cancel, collect, grace_s, on_incumbent)


def _run_in_thread(
    h: Any,
    deadline: float,
    cancel: CancelToken,
    collect: Collect,
    grace_s: float,
    on_incumbent: OnIncumbent | None,
) -> HighsOutcome:
    """``h.run()`` in a helper thread, interrupted through callbacks, left behind if it overruns."""
    outcome = HighsOutcome(False, None, None, None, in_child=False)
    stop = threading.Event()

    def on_check(event: Any) -> None:
        if stop.is_set() or should_stop(deadline, cancel):
            event.interrupt()

    def on_improving(event: Any) -> None:
        outcome.incumbent = np.array(event.data_out.mip_solution, dtype=float)
        outcome.bound = float(event.data_out.mip_dual_bound)
        if on_incumbent is not None:
            on_incumbent(outcome.incumbent, outcome.bound)

    attach(h, on_check, on_improving)
    report: list[dict[str, Any]] = []

    def work() -> None:
        try:
            h.run()
            report.append(collect(h))
        finally:
            # HiGHS keeps one task scheduler per calling thread; shut this thread's
            # down before the thread ends (highspy's own threaded solve does the same).
            type(h).resetThreadScheduler(True)

    finished = run_bounded(work, deadline, cancel, stop.set, grace_s=grace_s)
    outcome.finished = finished and bool(report)
    outcome.report = report[0] if outcome.finished else None
    return outcome


__all__ = ["SMALL_MODEL_NNZ", "run_highs", "use_child"]
