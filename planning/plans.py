"""Reading plan files (PLAN.md, ``gpuplace.plan/1``) and simple views of a :class:`Plan`."""

from __future__ import annotations

import math
import os
from typing import Any

from gpuplace.solvers.plan import Plan

__all__ = ["as_float", "gpu_totals", "load_plan", "primary_sites", "site_gpus"]


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
