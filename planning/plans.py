"""Reading plan files (PLAN.md, ``gpuplace.plan/1``) and simple views of a :class:`Plan`."""

from __future__ import annotations

import math
import os
from typing import Any

from gpuplace.solvers.plan import Plan

__all__ = [
    "OBJECTIVE_PARTS",
    "STOPPED_BY",
    "as_float",
    "gpu_totals",
    "load_plan",
    "objective_parts",
    "primary_sites",
    "site_gpus",
    "stopped_by",
]

# What each stop_reason (PLAN.md) means, as the summary says it.
STOPPED_BY = {
    "optimal": "proven optimal",
    "gap_reached": "gap reached",
    "time_limit": "time limit",
    "interrupted": "interrupted (Ctrl-C)",
    "node_limit": "node limit",
    "memory_limit": "memory limit",
    "finished": "search ended, gap not proven",
    "infeasible": "proven infeasible",
}
# The objective's terms (cost_breakdown), in the order they add up.
OBJECTIVE_PARTS = (
    ("fixed", "fixed site costs"),
    ("gpu_capex", "GPU capex"),
    ("latency_cost", "latency term"),
    ("unserved_penalty", "unserved penalty"),
)


def stopped_by(plan: Plan) -> str:
    """Why the solve stopped, in words; plans without ``stop_reason`` say what they recorded."""
    if plan.stop_reason is not None:
        return STOPPED_BY.get(plan.stop_reason, plan.stop_reason)
    return "interrupted" if plan.interrupted else "-"


def objective_parts(plan: Plan) -> list[tuple[str, float]]:
    """The objective's terms that add up to it (objective kind cost), as (label, value)."""
    breakdown = plan.cost_breakdown
    if breakdown is None or (plan.objective_kind or "cost") != "cost":
        return []
    values = breakdown.to_dict()
    return [(label, values[key]) for key, label in OBJECTIVE_PARTS if key in values]


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read and check one plan file (:meth:`solvers.plan.Plan.read`).

    Parameters
    ----------
    path : path-like
        A JSON plan written by ``gpuplace solve``.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        When the file cannot be read, is not JSON, or is not a plan; each
        problem names the file and the key.
    """
    return Plan.read(path)


def as_float(value: Any) -> float | None:
    """A finite float, or None for null, NaN and non-numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def site_gpus(plan: Plan) -> dict[str, dict[str, int]]:
    """``{site id: {GPU type: count}}`` for the sites the plan lists."""
    result: dict[str, dict[str, int]] = {}
    for site in plan.sites:
        result[site.id] = {str(t): int(n) for t, n in site.gpus.items()}
    return result


def primary_sites(plan: Plan) -> dict[str, str]:
    """The site serving the largest share of each region (ties: smallest site id)."""
    best: dict[str, tuple[float, str]] = {}
    for row in plan.assignments:
        share = as_float(row.share) or 0.0
        current = best.get(row.region)
        if current is None or share > current[0] or (share == current[0] and row.site < current[1]):
            best[row.region] = (share, row.site)
    return {region: site for region, (_, site) in best.items()}


def gpu_totals(plan: Plan) -> dict[str, int]:
    """GPUs by type (the plan's ``kpis.gpus``)."""
    return {str(t): int(n) for t, n in plan.kpis.gpus.items()}
