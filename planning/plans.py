"""Reading plan files (PLAN.md, ``gpuplace.plan/1``) and simple views of a plan dict."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any


def load_plan(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and structurally check one plan file (``solvers.planio.read_plan``).

    Parameters
    ----------
    path : path-like
        A JSON plan written by ``gpuplace solve``.

    Returns
    -------
    dict
        The plan as written.

    Raises
    ------
    InputError
        When the file cannot be read, is not JSON, or is not a plan; each
        problem names the file and the key.
    """
    from gpuplace.solvers.planio import read_plan

    return read_plan(path)


def as_float(value: Any) -> float | None:
    """A finite float, or None for null, NaN and non-numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def scenario_sha(plan: Mapping[str, Any]) -> str | None:
    scenario = plan.get("scenario") or {}
    return scenario.get("sha256") if isinstance(scenario, dict) else None


def site_gpus(plan: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """``{site id: {GPU type: count}}`` for the sites the plan lists."""
    result: dict[str, dict[str, int]] = {}
    for site in plan.get("sites", []):
        gpus = site.get("gpus") or {}
        result[str(site["id"])] = {str(t): int(n) for t, n in gpus.items()}
    return result


def primary_sites(plan: Mapping[str, Any]) -> dict[str, str]:
    """The site serving the largest share of each region (ties: smallest site id)."""
    best: dict[str, tuple[float, str]] = {}
    for row in plan.get("assignments", []):
        region, site = str(row["region"]), str(row["site"])
        share = as_float(row.get("share")) or 0.0
        current = best.get(region)
        if current is None or share > current[0] or (share == current[0] and site < current[1]):
            best[region] = (share, site)
    return {region: site for region, (_, site) in best.items()}


def gpu_totals(plan: Mapping[str, Any]) -> dict[str, int]:
    """GPUs by type: the plan's ``kpis.gpus`` or, when absent, the sum over its sites."""
    kpis = plan.get("kpis") or {}
    if isinstance(kpis.get("gpus"), dict):
        return {str(t): int(n) for t, n in kpis["gpus"].items()}
    totals: dict[str, int] = {}
    for gpus in site_gpus(plan).values():
        for gpu_type, count in gpus.items():
            totals[gpu_type] = totals.get(gpu_type, 0) + count
    return totals
