"""The rules of a plan with periods of the day (``[time] periods``), recomputed per period.

GPUs are built once; shares, capacity and link loads hold in every period. The
demand of region r in period w is recomputed here from the scenario's inputs
(the regions' demand and time zones, the profile, the explicit factors) with
this module's own code, and checked against the instance's; then

- capacity per site at its busiest period (``capacity``), the reported
  ``served_demand``, ``utilisation`` (busiest period) and ``period_served``;
- shares and unserved demand per (region, period), RTT, SLA and sovereignty of
  every assignment (the per-item rules of :mod:`solvers.verify.regions`);
- link loads and capacities per period (:func:`solvers.verify.links.check_links`
  on each period's assignments and link rows);
- KPIs and the objective with each period weighted by its share of the day;
- the plan's ``periods`` rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.links import check_links, reported_max_utilisation
from gpuplace.solvers.verify.network import Network
from gpuplace.solvers.verify.parsed import ParsedPlan
from gpuplace.solvers.verify.phases import check_phases
from gpuplace.solvers.verify.regions import check_assignments, check_regions
from gpuplace.solvers.verify.sites import check_sites
from gpuplace.solvers.verify.tolerance import differs
from gpuplace.solvers.verify.totals import check_totals, total_cost
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_periods", "demand_by_period"]

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def _offset_h(tz: str, day: str) -> float:
    text = tz.strip()
    if text.upper() in ("", "UTC", "GMT", "Z"):  # empty: phases only, no clock read
        return 0.0
    fixed = _OFFSET.match(text)
    if fixed:
        hours = int(fixed.group(2)) + int(fixed.group(3) or 0) / 60.0
        return -hours if fixed.group(1) == "-" else hours
    noon = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    offset = noon.astimezone(ZoneInfo(text)).utcoffset() or timedelta(0)
    return offset.total_seconds() / 3600.0


def demand_by_period(instance: Instance) -> np.ndarray:
    """Demand of each region in each period, float [R, W], from the scenario's inputs."""
    periods = instance.periods
    assert periods is not None
    out = np.zeros((instance.n_regions, periods.n_periods))
    for r in range(instance.n_regions):
        offset = _offset_h(periods.region_tz[r], periods.reference_date)
        for w in range(periods.n_periods):
            factor = float(periods.explicit[r, w])
            if math.isnan(factor):
                local = (float(periods.utc_hour[w]) + offset) % 24.0
                factor = float(periods.profile[int(math.floor(local + 1e-9)) % 24])
            if periods.phases is not None and periods.slot_phase is not None:
                factor *= float(periods.phases.demand_factor[int(periods.slot_phase[w])])
            out[r, w] = float(periods.base_demand[r]) * factor
    return out


def check_periods(
    instance: Instance,
    plan: dict,
    parsed: ParsedPlan,
    network: Network,
    rtts: list[float],
    tolerance: float,
) -> list[Violation]:
    """Every rule of a plan with periods (module docstring)."""
    periods = instance.periods
    assert periods is not None
    W = periods.n_periods
    names = periods.ids
    out: list[Violation] = []
    demand = demand_by_period(instance)
    given = np.asarray(instance.item_demand).reshape(instance.n_regions, W)
    for r, w in zip(
        *np.nonzero(np.abs(given - demand) > tolerance * np.maximum(demand, 1.0)), strict=True
    ):
        out.append(
            Violation(
                "period_demand",
                f"{instance.region_ids[r]}@{names[w]}",
                f"the instance's demand is {given[r, w]:g}, the inputs give {demand[r, w]:g}",
            )
        )

    served = np.zeros((instance.n_sites, W))
    for a, w in zip(parsed.assignments, parsed.assignment_period, strict=True):
        served[a.site, w] += a.share * float(demand[a.region, w])
    peak = served.max(axis=1) if W else np.zeros(instance.n_sites)
    out.extend(check_sites(instance, parsed, peak, tolerance))
    if periods.phases is not None:
        out.extend(check_phases(instance, plan, parsed, served, tolerance))
    for s, row in parsed.site_rows.items():
        reported = row.get("period_served")
        sid = instance.site_ids[s]
        if not isinstance(reported, list) or len(reported) != W:
            out.append(Violation("site_report", sid, f"period_served must list {W} numbers"))
            continue
        for w, value in enumerate(reported):
            if differs(float(value), float(served[s, w]), tolerance):
                out.append(
                    Violation(
                        "site_report",
                        sid,
                        f"period_served in {names[w]} is {value:g}, recomputed {served[s, w]:g}",
                    )
                )
    out.extend(check_assignments(instance, parsed, network, rtts, tolerance))
    out.extend(check_regions(instance, parsed, tolerance))

    max_link = 0.0
    for w in range(W):
        kept = [
            a for a, p in zip(parsed.assignments, parsed.assignment_period, strict=True) if p == w
        ]
        links = parsed.period_links.get(w, {})
        if not kept and not links:
            continue
        part = replace(parsed, assignments=kept, links=links)
        for violation in check_links(instance, part, network, tolerance):
            out.append(replace(violation, subject=f"{violation.subject}@{names[w]}"))
        max_link = max(max_link, reported_max_utilisation(instance, part, network))

    weight = np.tile(periods.weight_h / float(periods.weight_h.sum()), instance.n_regions)
    out.extend(check_totals(instance, plan, parsed, rtts, max_link, tolerance, weight))
    out.extend(_check_period_rows(plan, periods.ids, periods.weight_h, demand, served, tolerance))
    out.extend(_check_follow_the_sun(plan, total_cost(instance, parsed), parsed, tolerance))
    return out


def _check_follow_the_sun(
    plan: dict, cost: float, parsed: ParsedPlan, tolerance: float
) -> list[Violation]:
    """The saving adds up: this plan's cost and GPUs, peak-sized cost minus this cost.

    The peak-sized cost itself comes from another solve (verified when it ran).
    """
    block = plan.get("follow_the_sun")
    if block is None:
        return []
    if not isinstance(block, dict):
        return [Violation("follow_the_sun", "follow_the_sun", "must be an object")]
    out = []
    expected: dict[str, float | None] = {"cost": cost, "gpus": float(parsed.gpus.sum())}
    peak = block.get("peak_sized_cost")
    if isinstance(peak, int | float):
        expected["saving"] = float(peak) - cost
        expected["saving_fraction"] = (float(peak) - cost) / float(peak) if peak > 0 else 0.0
    for key, value in expected.items():
        got = block.get(key)
        if not isinstance(got, int | float) or differs(float(got), float(value or 0.0), tolerance):
            out.append(
                Violation(
                    "follow_the_sun", f"follow_the_sun.{key}", f"is {got}, recomputed {value:g}"
                )
            )
    return out


def _check_period_rows(
    plan: dict,
    ids: tuple[str, ...],
    weight_h: np.ndarray,
    demand: np.ndarray,
    served: np.ndarray,
    tolerance: float,
) -> list[Violation]:
    rows = plan.get("periods")
    if not isinstance(rows, list) or [
        r.get("id") if isinstance(r, dict) else None for r in rows
    ] != list(ids):
        return [Violation("periods", "periods", f"must list the periods {', '.join(ids)} in order")]
    out = []
    expected = {
        "weight_h": weight_h,
        "demand": demand.sum(axis=0),
        "served": served.sum(axis=0),
    }
    for w, row in enumerate(rows):
        for key, values in expected.items():
            value = row.get(key)
            if not isinstance(value, int | float) or differs(
                float(value), float(values[w]), tolerance
            ):
                out.append(
                    Violation(
                        "periods", f"periods[{w}].{key}", f"is {value}, recomputed {values[w]:g}"
                    )
                )
    return out
