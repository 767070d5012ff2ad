"""Failure analysis as CSV, JSON and a report section."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from gpuplace.planning.failures import FailureImpact, RedundancyGuarantee
from gpuplace.untrusted import csv_text

__all__ = [
    "CSV_COLUMNS",
    "failures_csv",
    "failures_dict",
    "failures_json",
    "failures_section",
    "impact_row",
    "slo_text",
]

CSV_COLUMNS = (
    "kind",
    "name",
    "failed",
    "unserved_demand",
    "unserved_fraction",
    "kept_demand",
    "affected_regions",
    "unserved_regions",
    "worst_rtt_ms",
    "mean_rtt_ms",
    "overloaded_links",
    "repair_status",
    "repair_cost",
    "repair_new_sites",
    "repair_gpus",
)


def slo_text(impact: FailureImpact, limit: int = 3) -> str:
    """The lowest SLO attainments of a case, worst first (``model/tier 47%, ...``); "" without."""
    worst = sorted(impact.slo_attainment.items(), key=lambda item: (item[1], item[0]))
    text = ", ".join(f"{key} {value:.0%}" for key, value in worst[:limit])
    return text + (", ..." if len(worst) > limit else "")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def impact_row(impact: FailureImpact) -> dict[str, str]:
    """One flat CSV row; lists are ``;``-separated."""
    links = ";".join(
        f"{o.source}->{o.target}:{o.load_gbps:.6g}/{o.capacity_gbps:.6g}"
        for o in impact.overloaded_links
    )
    gpus = ";".join(
        f"{site}:{gpu_type}={count}"
        for site, counts in impact.repair_gpus.items()
        for gpu_type, count in counts.items()
    )
    values = {
        "kind": impact.kind,
        "name": impact.name,
        "failed": ";".join(impact.failed),
        "unserved_demand": impact.unserved_demand,
        "unserved_fraction": impact.unserved_fraction,
        "kept_demand": impact.kept_demand,
        "affected_regions": ";".join(impact.affected_regions),
        "unserved_regions": ";".join(impact.unserved_regions),
        "worst_rtt_ms": impact.worst_rtt_ms,
        "mean_rtt_ms": impact.mean_rtt_ms,
        "overloaded_links": links,
        "repair_status": impact.repair_status,
        "repair_cost": impact.repair_cost,
        "repair_new_sites": ";".join(impact.repair_new_sites),
        "repair_gpus": gpus,
    }
    if impact.slo_attainment:
        values["slo_attainment"] = ";".join(
            f"{key}:{value:.6g}" for key, value in impact.slo_attainment.items()
        )
    return {key: _cell(value) for key, value in values.items()}


def failures_csv(impacts: Sequence[FailureImpact]) -> str:
    """CSV with one row per failure case, worst first (columns :data:`CSV_COLUMNS`).

    With serving models a last column ``slo_attainment`` holds ``model/tier:fraction``
    pairs, ``;``-separated.
    """
    columns = CSV_COLUMNS + (("slo_attainment",) if any(i.slo_attainment for i in impacts) else ())
    rows = ({**dict.fromkeys(columns, ""), **impact_row(impact)} for impact in impacts)
    return csv_text(columns, ([row[c] for c in columns] for row in rows))


def failures_dict(
    impacts: Sequence[FailureImpact],
    guarantee: RedundancyGuarantee,
    *,
    mode: str,
    scenario: str = "",
) -> dict[str, Any]:
    """JSON-ready summary: the redundancy guarantee and every case, worst first."""
    return {
        "schema": "gpuplace.failures/1",
        "scenario": scenario,
        "mode": mode,
        "demand_total": guarantee.demand_total,
        "redundancy": guarantee.to_dict(),
        "worst_unserved_demand": max((i.unserved_demand for i in impacts), default=0.0),
        "cases": [impact.to_dict() for impact in impacts],
    }


def failures_json(
    impacts: Sequence[FailureImpact],
    guarantee: RedundancyGuarantee,
    *,
    mode: str,
    scenario: str = "",
) -> str:
    """:func:`failures_dict` as indented JSON text."""
    data = failures_dict(impacts, guarantee, mode=mode, scenario=scenario)
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def failures_section(
    impacts: Sequence[FailureImpact],
    guarantee: RedundancyGuarantee,
    *,
    mode: str = "rehome",
    top: int = 20,
) -> Any:
    """A ``planning.report`` section: summary, the worst ``top`` cases, CSV and JSON files.

    Pass it to ``planning.report.build_report(..., extra_sections=[section])``.
    """
    from gpuplace.planning.report.index import ReportSection

    total = guarantee.demand_total
    serving = any(i.slo_attainment for i in impacts)
    rows = []
    for impact in impacts[:top]:
        cells = [
            html.escape(impact.kind),
            html.escape(impact.name),
            f"{impact.unserved_demand:,.4g}",
            f"{impact.unserved_fraction:.1%}",
            f"{impact.kept_demand / total:.1%}" if total > 0 else "-",
            str(len(impact.affected_regions)),
            "-" if impact.worst_rtt_ms is None else f"{impact.worst_rtt_ms:.1f}",
            str(len(impact.overloaded_links)),
        ]
        if mode == "resolve":
            cells.append("-" if impact.repair_cost is None else f"{impact.repair_cost:,.0f}")
        if serving:
            cells.append(html.escape(slo_text(impact)) or "-")
        rows.append(
            "<tr>"
            + "".join(
                f'<td class="num">{c}</td>' if i >= 2 else f"<td>{c}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    headers = [
        "kind",
        "failure",
        "unserved",
        "unserved %",
        "kept w/o re-homing",
        "regions affected",
        "worst RTT ms",
        "links over capacity",
    ]
    if mode == "resolve":
        headers.append("repair cost")
    if serving:
        headers.append("lowest SLO attainment")
    breaking = sum(1 for i in impacts if i.unserved_demand > 0)
    body = (
        f"<p>{len(impacts)} failure cases ({mode}); {breaking} leave demand unserved after "
        f"re-homing. Demand guaranteed by redundancy alone (k = {guarantee.k}): "
        f"{guarantee.guaranteed_demand:,.4g} of {total:,.4g} "
        f"({guarantee.guaranteed_fraction:.1%}).</p>"
        '<table class="kpis"><tr>'
        + "".join(f"<th>{h}</th>" for h in headers)
        + "</tr>"
        + "".join(rows)
        + "</table>"
        + (f"<p>Showing the worst {top} of {len(impacts)}.</p>" if len(impacts) > top else "")
        + '<p>All cases: <a href="failures/failures.csv">failures.csv</a>, '
        '<a href="failures/failures.json">failures.json</a>.</p>'
    )
    return ReportSection(
        title="Failure impact",
        html=body,
        files={
            "failures/failures.csv": failures_csv(impacts),
            "failures/failures.json": failures_json(impacts, guarantee, mode=mode),
        },
    )
