"""CSV tables of a plan: one row per plan site, assignment and link.

Numbers are shown to 10 significant digits, so the binary noise of sums and
ratios (``0.8500000000000001``) does not show; the plan file keeps every digit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from gpuplace.planning.report.data import ReportData
from gpuplace.untrusted import csv_text

__all__ = ["SHOWN_DIGITS", "assignments_csv", "links_csv", "shown", "sites_csv"]


SHOWN_DIGITS = 10


def shown(value: Any) -> Any:
    """A cell as shown: a float to :data:`SHOWN_DIGITS` significant digits, None empty.

    >>> shown(0.8500000000000001), shown(16119000.000000002), shown(None), shown(3)
    (0.85, 16119000.0, '', 3)
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{SHOWN_DIGITS}g}")
    return value


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text; formula-like cells neutralised (:func:`gpuplace.untrusted.csv_cell`)."""
    return csv_text(header, ([shown(value) for value in row] for row in rows))


def sites_csv(data: ReportData) -> str:
    """One row per site the plan lists; a column per GPU type (all GPUs, then new ones)."""
    types = data.gpu_types
    header = [
        "id", "node", "lat", "lon", "gpus_total",
        *[f"gpus_{t}" for t in types], *[f"new_gpus_{t}" for t in types],
        "power_kw", "power_limit_kw", "served_demand", "utilisation", "fixed_cost", "gpu_cost",
        "total_cost",
    ]  # fmt: skip
    rows = [
        [
            s.id,
            s.node,
            s.lat,
            s.lon,
            s.gpus_total,
            *[s.gpus.get(t, 0) for t in types],
            *[s.new_gpus.get(t, 0) for t in types],
            s.power_kw,
            s.power_limit_kw,
            s.served_demand,
            s.utilisation,
            s.fixed_cost,
            sum(s.gpu_cost.values()),
            s.total_cost,
        ]  # fmt: skip
        for s in data.sites
        if s.in_plan
    ]
    return _csv(header, rows)


def assignments_csv(data: ReportData) -> str:
    """One row per plan assignment."""
    header = ["region", "site", "share", "demand", "rtt_ms", "sla_rtt_ms", "within_sla"]
    rows = [
        [
            a.region,
            a.site,
            a.share,
            a.demand,
            a.rtt_ms,
            a.sla_rtt_ms,
            None if a.rtt_ms is None or a.sla_rtt_ms is None else a.rtt_ms <= a.sla_rtt_ms,
        ]
        for a in data.assignments
    ]
    return _csv(header, rows)


def links_csv(data: ReportData) -> str:
    """One row per loaded link direction of the plan."""
    header = ["source", "target", "load_gbps", "capacity_gbps", "utilisation"]
    rows = [
        [link.source, link.target, link.load_gbps, link.capacity_gbps, link.utilisation]
        for link in data.links
    ]
    return _csv(header, rows)
