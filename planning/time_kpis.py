"""Figures of plans with periods of the day: the follow-the-sun saving, busiest hours.

Read from the plan alone (its ``follow_the_sun`` block, ``periods`` rows and each
site's ``period_served``); empty for plans without periods.
"""

from __future__ import annotations

from typing import Any

from gpuplace.solvers.plan import Plan

__all__ = ["TIME_LABELS", "hourly_utilisation", "time_metrics", "time_rows"]

TIME_LABELS = {
    "follow_the_sun.saving": "follow-the-sun saving",
    "follow_the_sun.saving_fraction": "follow-the-sun saving (%)",
    "follow_the_sun.peak_sized_cost": "cost sized for each region's peak",
    "follow_the_sun.peak_sized_gpus": "GPUs sized for each region's peak",
    "periods.busiest": "busiest period",
    "periods.mean_utilisation": "mean site utilisation over the day",
}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def hourly_utilisation(plan: Plan) -> tuple[list[str], dict[str, list[float]]]:
    """(period ids, utilisation of each site in each period) from the plan's rows.

    A site's utilisation in a period is its served demand then over the demand its
    GPUs hold (``served_demand / utilisation``, its busiest period's figures).
    """
    rows = plan.extra.get("periods")
    if not isinstance(rows, list):
        return [], {}
    ids = [str(row.get("id")) for row in rows if isinstance(row, dict)]
    out: dict[str, list[float]] = {}
    for site in plan.sites:
        served = site.period_served
        if not served:
            continue
        peak, utilisation = float(site.served_demand), float(site.utilisation)
        holds = peak / utilisation if utilisation > 0 else 0.0
        out[site.id] = [float(v) / holds if holds > 0 else 0.0 for v in served]
    return ids, out


def time_metrics(plan: Plan) -> dict[str, Any]:
    """Flat figures for ``compare`` (keys of :data:`TIME_LABELS`); empty without periods."""
    out: dict[str, Any] = {}
    block = plan.extra.get("follow_the_sun")
    if isinstance(block, dict):
        for key in ("saving", "saving_fraction", "peak_sized_cost", "peak_sized_gpus"):
            out[f"follow_the_sun.{key}"] = _number(block.get(key))
    rows = plan.extra.get("periods")
    if isinstance(rows, list) and rows:
        busiest = max(rows, key=lambda row: _number(row.get("served")) or 0.0)
        out["periods.busiest"] = str(busiest.get("id"))
        ids, per_site = hourly_utilisation(plan)
        weights = [_number(row.get("weight_h")) or 0.0 for row in rows]
        total = sum(weights) * len(per_site)
        if total > 0:
            out["periods.mean_utilisation"] = (
                sum(
                    sum(w * u for w, u in zip(weights, values, strict=False))
                    for values in per_site.values()
                )
                / total
            )
    return out


def time_rows(plan: Plan) -> list[tuple[str, str]]:
    """(label, value) rows for ``solve``'s summary: the saving against peak sizing."""
    block = plan.extra.get("follow_the_sun")
    if not isinstance(block, dict):
        return []
    saving, fraction = _number(block.get("saving")), _number(block.get("saving_fraction"))
    peak = _number(block.get("peak_sized_cost"))
    if saving is None or fraction is None or peak is None:
        return [("follow-the-sun saving", f"- (peak-sized: {block.get('peak_sized_status')})")]
    return [
        ("follow-the-sun saving", f"{saving:,.0f} ({fraction:.1%})"),
        ("  cost sized for each region's peak", f"{peak:,.0f}"),
    ]
