"""The LP relaxation of a model given as arrays, solved by HiGHS until a deadline.

The rounds of the facility-location solvers (lazy linking rows, radius levels,
column generation) each solve one; only an optimal LP is of use to them.
"""

from __future__ import annotations

import time
from typing import Any

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.highs.adapter import HighsResult, solve_arrays
from gpuplace.solvers.result import Status

__all__ = ["solve_relaxation"]


def solve_relaxation(
    arrays: dict[str, Any],
    deadline: float,
    *,
    threads: int,
    cancel: CancelToken | None = None,
) -> HighsResult | None:
    """The LP relaxation of model ``arrays`` (the arguments of :func:`solve_arrays`)
    within ``deadline`` (``time.perf_counter()``); None unless it is solved to optimality."""
    result = solve_arrays(
        **{**arrays, "integer": None},
        time_limit_s=deadline - time.perf_counter(),
        threads=threads,
        cancel=cancel,
    )
    if result.values is None or result.status != Status.OPTIMAL:
        return None
    return result
