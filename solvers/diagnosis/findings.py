"""What each relaxation proved, as data: :class:`Finding`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding", "NOT_ALONE", "RESTORES", "SHORT", "UNDECIDED"]

# Verdicts, from most to least useful to a planner.
RESTORES = "restores"  # removing the family alone admits a plan (one was found)
SHORT = "short"  # proven it must be loosened by at least ``least``; no plan found in time
NOT_ALONE = "not_alone"  # removing the family alone still leaves no plan (proven)
UNDECIDED = "undecided"  # not decided within the time allowed


@dataclass(frozen=True)
class Finding:
    """The outcome of relaxing one family.

    Attributes
    ----------
    key, label
        Family key (``budget``, ``power``, ``site_count:max``, ...) and its planner name.
    verdict
        One of ``restores``, ``short``, ``not_alone``, ``undecided``.
    limit
        The family's current value where it has one (budget, max_sites, ...).
    least
        Proven bound on the optimum of the relaxation: the least cost (budget),
        the fewest (max_sites) or most (min_sites) open sites, the least total
        slack (elastic families, in ``unit``); None when nothing was proven.
    plan
        The same quantity at the plan found, or None.
    optimal
        Whether ``plan`` is proven optimal (``least`` equals it).
    details
        Per site or link amounts of the plan found: (id, amount in ``unit``).
    message
        The planner-facing sentence.
    """

    key: str
    label: str
    verdict: str
    message: str
    unit: str = ""
    limit: float | None = None
    least: float | None = None
    plan: float | None = None
    optimal: bool = False
    details: tuple[tuple[str, float], ...] = ()
