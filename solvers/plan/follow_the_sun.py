"""The follow-the-sun saving of a plan with periods of the day (PLAN.md, "Periods").

The baseline is *solved*, not estimated: the same scenario with each region's
demand its own peak over the day and no periods
(:func:`gpuplace.scenario.time.peak_sized`), by the same solver and settings, and
verified like every plan. The saving is what sharing GPUs across the day takes
off the cost of sizing every region for its own peak::

    saving = total_cost(peak-sized plan) − total_cost(plan)
    saving_fraction = saving / total_cost(peak-sized plan)

Both plans' ``status`` and ``gap`` are reported with it: a saving between two
plans proven within a gap is known within those gaps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gpuplace.solvers.plan.value import Plan

__all__ = ["FOLLOW_THE_SUN", "follow_the_sun", "with_follow_the_sun"]

FOLLOW_THE_SUN = "follow_the_sun"


def _gpus(plan: Plan) -> int:
    return int(sum(plan.kpis.gpus.values()))


def follow_the_sun(plan: Plan, peak_plan: Plan) -> dict[str, Any]:
    """The plan's ``follow_the_sun`` block (module docstring)."""
    cost = float(plan.kpis.total_cost or 0.0)
    block: dict[str, Any] = {
        "method": "solved",
        "cost": cost,
        "gpus": _gpus(plan),
        "peak_sized_status": peak_plan.status.value,
        "peak_sized_gap": peak_plan.gap,
    }
    if not peak_plan.has_decisions or peak_plan.kpis.total_cost is None:
        return {
            **block,
            "peak_sized_cost": None,
            "peak_sized_gpus": None,
            "saving": None,
            "saving_fraction": None,
        }
    peak = float(peak_plan.kpis.total_cost)
    return {
        **block,
        "peak_sized_cost": peak,
        "peak_sized_gpus": _gpus(peak_plan),
        "saving": peak - cost,
        "saving_fraction": (peak - cost) / peak if peak > 0 else 0.0,
    }


def with_follow_the_sun(plan: Plan, peak_plan: Plan) -> Plan:
    """``plan`` with its ``follow_the_sun`` block."""
    return replace(plan, extra={**plan.extra, FOLLOW_THE_SUN: follow_the_sun(plan, peak_plan)})
