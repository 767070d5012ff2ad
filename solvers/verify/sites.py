"""Per-site rules: GPU counts, status, power, space, capacity, reported site numbers."""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Instance, SiteStatus
from gpuplace.solvers.verify.parsed import ParsedPlan
from gpuplace.solvers.verify.tolerance import differs, excess
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_sites", "served_per_site"]


def served_per_site(instance: Instance, parsed: ParsedPlan) -> np.ndarray:
    """Demand served at each site, from shares x demand of the item (the region's demand)."""
    served = np.zeros(instance.n_sites)
    for a in parsed.assignments:
        served[a.site] += a.share * float(instance.item_demand[a.item])
    return served


def check_sites(
    instance: Instance, parsed: ParsedPlan, served: np.ndarray, tolerance: float
) -> list[Violation]:
    """GPU integrality and existing GPUs, site status, min GPUs, power, space, capacity.

    With serving models, capacity and the reported utilisation are those of the
    replicas (:func:`gpuplace.solvers.verify.serving.check_serving`), not of
    ``throughput`` per GPU.
    """
    out: list[Violation] = []
    cons = instance.constraints
    existing = instance.site_existing_gpus.astype(float)
    types = instance.gpu_types
    for s, sid in enumerate(instance.site_ids):
        gpus, new = parsed.gpus[s], parsed.new_gpus[s]
        total = float(gpus.sum())
        if np.any(gpus != np.round(gpus)) or np.any(gpus < 0):
            out.append(Violation("gpus_integer", sid, f"GPU counts must be integers >= 0: {gpus}"))
        for t in np.flatnonzero(gpus < existing[s]):
            out.append(
                Violation(
                    "existing_gpus",
                    sid,
                    f"{types[t]}: {gpus[t]:g} GPUs but {existing[s, t]:g} are installed "
                    "and are never removed",
                    float(existing[s, t] - gpus[t]),
                )
            )
        if parsed.listed[s] and np.any(np.abs(new - (gpus - existing[s])) > 0.5):
            out.append(
                Violation(
                    "new_gpus",
                    sid,
                    f"new_gpus {new.tolist()} != gpus - existing {(gpus - existing[s]).tolist()}",
                )
            )
        status = int(instance.site_status[s])
        if status == SiteStatus.CLOSED and (parsed.is_open[s] or total > 0 or served[s] > 0):
            out.append(Violation("closed_site", sid, "status closed, but the site is used"))
        if status == SiteStatus.OPEN and not parsed.is_open[s]:
            out.append(Violation("open_site", sid, "status open (must open), but it is not open"))
        if not parsed.is_open[s] and (total > 0 or served[s] > 0):
            out.append(
                Violation("open_flag", sid, "holds GPUs or serves demand but is not marked open")
            )
        if parsed.is_open[s] and total < cons.min_gpus_per_site:
            out.append(
                Violation(
                    "min_gpus_per_site",
                    sid,
                    f"open with {total:g} GPUs, below min_gpus_per_site = {cons.min_gpus_per_site}",
                    cons.min_gpus_per_site - total,
                )
            )
        power = float(gpus @ instance.gpu_power_kw) * float(instance.site_pue[s])
        over = excess(power, float(instance.site_power_kw[s]), tolerance)
        if over:
            out.append(
                Violation(
                    "power",
                    sid,
                    f"GPU power x pue = {power:g} kW exceeds power_kw = "
                    f"{instance.site_power_kw[s]:g}",
                    over,
                )
            )
        over = excess(total, float(instance.site_max_gpus[s]), tolerance)
        if over:
            out.append(
                Violation(
                    "space",
                    sid,
                    f"{total:g} GPUs exceed max_gpus = {instance.site_max_gpus[s]:g}",
                    over,
                )
            )
        capacity = float(gpus @ instance.gpu_throughput)
        limit = cons.max_utilisation * capacity
        over = excess(float(served[s]), limit, tolerance) if instance.serving is None else 0.0
        if over:
            out.append(
                Violation(
                    "capacity",
                    sid,
                    f"serves {served[s]:g}, above max_utilisation x capacity = "
                    f"{cons.max_utilisation:g} x {capacity:g}",
                    over,
                )
            )
        if s in parsed.site_rows:
            out.extend(
                _check_reported(
                    sid,
                    parsed.site_rows[s],
                    power,
                    served[s],
                    None if instance.serving is not None else capacity,
                    tolerance,
                )
            )
        elif total > 0:
            out.append(Violation("missing_site", sid, f"holds {total:g} GPUs but has no site row"))
    return out


def _check_reported(
    sid: str, row: dict, power: float, served: float, capacity: float | None, tolerance: float
) -> list[Violation]:
    """Reported power, served demand and (``capacity`` None: left to the serving rules) utilisation."""
    out = []
    checked = [("power_kw", power), ("served_demand", served)]
    if capacity is not None:
        checked.append(("utilisation", served / capacity if capacity > 0 else 0.0))
    for key, value in checked:
        if differs(float(row[key]), value, tolerance):
            out.append(
                Violation("site_report", sid, f"{key} is {row[key]:g}, recomputed {value:g}")
            )
    return out
