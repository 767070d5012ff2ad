"""What one bounded HiGHS run gave, and the callbacks that stop it and stream its incumbents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# ``collect(h)`` after ``h.run()`` returned: a picklable dict of what the caller needs.
Collect = Callable[[Any], dict[str, Any]]
# Called with each improving incumbent (values in the original space, dual bound).
OnIncumbent = Callable[[np.ndarray, float], None]


@dataclass
class HighsOutcome:
    """What one bounded HiGHS run gave.

    Attributes
    ----------
    finished
        HiGHS returned and ``report`` holds what ``collect`` took from it.
    report
        ``collect(h)`` after ``h.run()`` returned, or None.
    incumbent, bound
        The last improving incumbent HiGHS reported (original space) and the
        dual bound at that moment, or None.
    in_child
        The run took place in a child process.
    killed
        The child did not answer a stop request in time and was killed.
    """

    finished: bool
    report: dict[str, Any] | None
    incumbent: np.ndarray | None
    bound: float | None
    in_child: bool
    killed: bool = False


def attach(h: Any, on_check: Callable[[Any], None], on_improving: Callable[[Any], None]) -> None:
    """Call ``on_check`` at HiGHS's interrupt checks and ``on_improving`` with each incumbent."""
    h.cbMipInterrupt += on_check
    h.cbSimplexInterrupt += on_check
    h.cbIpmInterrupt += on_check
    h.cbMipImprovingSolution += on_improving


__all__ = ["Collect", "HighsOutcome", "OnIncumbent", "attach"]
