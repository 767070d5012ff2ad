"""The period a plan row names (``[time] periods``), resolved by the verifier's parser."""

from __future__ import annotations

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.violation import Violation

__all__ = ["row_period"]


def row_period(instance: Instance, row: dict, where: str, out: list[Violation]) -> int | None:
    """Index of the row's ``period`` among the scenario's periods; None (and a violation)."""
    periods = instance.periods
    assert periods is not None
    name = row.get("period")
    if name not in periods.ids:
        what = "needs its period" if name is None else f"unknown period {name!r}"
        out.append(Violation("unknown_id", where, what))
        return None
    return periods.ids.index(name)
