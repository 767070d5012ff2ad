"""``index.html``: the KPIs, the embedded map, the plots, the downloads and extra sections."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gpuplace.planning.plans import as_float, gpu_totals, objective_parts, stopped_by
from gpuplace.solvers.plan import Plan

__all__ = ["ReportSection", "index_html", "kpi_rows"]


@dataclass(frozen=True)
class ReportSection:
    """A section another analysis adds to the report (e.g. failure impact).

    Attributes
    ----------
    title : str
        Heading of the section (plain text).
    html : str
        Body of the section: trusted HTML, inserted as is. It may refer to its
        ``files`` by their relative names (``<img src="failures/loss.png">``).
    files : mapping of str to bytes or str
        Files written into the report folder, by relative path (``/``
        separated, no ``..``); str is written as UTF-8.
    """

    title: str
    html: str
    files: Mapping[str, bytes | str] = field(default_factory=dict)


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em; }
h1 { margin-bottom: 0.2em; } .sub { color: #555; margin-top: 0; }
table.kpis { border-collapse: collapse; } table.kpis td, table.kpis th {
  border-bottom: 1px solid #ddd; padding: 3px 12px 3px 0; text-align: left; }
table.kpis td.num { text-align: right; font-variant-numeric: tabular-nums; }
iframe.map { width: 100%; height: 600px; border: 1px solid #ccc; }
img.plot { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
.warning { background: #fff3cd; border: 1px solid #e0c36c; padding: 0.5em; }
"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def kpi_rows(plan: Plan) -> list[tuple[str, str]]:
    """(label, formatted value) rows of the KPI table."""
    kpis = plan.kpis

    def num(value: Any, spec: str, suffix: str = "") -> str:
        number = as_float(value)
        return "-" if number is None else f"{number:{spec}}{suffix}"

    rows = [
        ("status", plan.status.value),
        ("stopped by", stopped_by(plan)),
        ("solver", f"{plan.solver.name} {plan.solver.version}".strip()),
        ("objective", num(plan.objective, ",.6g")),
        *((f"\u2003{label}", num(value, ",.0f")) for label, value in objective_parts(plan)),
        ("bound", num(plan.bound, ",.6g")),
        ("gap", num(plan.gap, ".2%")),
        ("wall time", num(plan.wall_s, ".2f", " s")),
        ("total cost", num(kpis.total_cost, ",.0f")),
        ("sites open", num(kpis.sites_open, ".0f")),
    ]
    for gpu_type, count in sorted(gpu_totals(plan).items()):
        rows.append((f"GPUs {gpu_type}", f"{count:,}"))
    rows += [
        ("served fraction", num(kpis.served_fraction, ".2%")),
        ("mean RTT", num(kpis.mean_rtt_ms, ".2f", " ms")),
        ("p95 RTT", num(kpis.p95_rtt_ms, ".2f", " ms")),
        ("max link utilisation", num(kpis.max_link_utilisation, ".1%")),
    ]
    return rows


def index_html(
    *,
    scenario_name: str,
    plan: Plan,
    map_file: str,
    plots: Sequence[tuple[str, str]],
    downloads: Sequence[tuple[str, str]],
    sections: Sequence[ReportSection],
    warnings: Sequence[str] = (),
) -> str:
    """The report's front page.

    Parameters
    ----------
    scenario_name : str
        Shown in the title.
    plan : Plan
        The plan reported (KPIs, status, diagnosis).
    map_file : str
        Relative name of the map, embedded in an iframe and linked.
    plots : sequence of (file, title)
        PNGs shown in order.
    downloads : sequence of (file, description)
        Data files listed with links.
    sections : sequence of ReportSection
        Extra sections appended after the plots.
    warnings : sequence of str
        Shown at the top.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc(scenario_name)}: plan report</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Plan report: {_esc(scenario_name)}</h1>",
    ]
    sha = plan.scenario.sha256
    if sha:
        parts.append(f'<p class="sub">scenario sha256 <code>{_esc(sha)}</code></p>')
    parts.extend(f'<p class="warning">{_esc(w)}</p>' for w in warnings)

    parts.append('<h2 id="kpis">Key figures</h2><table class="kpis">')
    for label, value in kpi_rows(plan):
        parts.append(f'<tr><th>{_esc(label)}</th><td class="num">{_esc(value)}</td></tr>')
    parts.append("</table>")
    diagnosis = plan.diagnosis
    if diagnosis:
        parts.append("<h3>Diagnosis</h3><ul>")
        parts.extend(f"<li>{_esc(line)}</li>" for line in diagnosis)
        parts.append("</ul>")

    parts.append(
        f'<h2 id="map">Map</h2><p><a href="{_esc(map_file)}">Open the map on its own page</a>. '
        "Sites are sized by GPUs and coloured by utilisation, regions coloured by mean RTT, "
        "dashed lines join regions to the sites serving them, links are coloured by load.</p>"
        f'<iframe class="map" src="{_esc(map_file)}" title="plan map"></iframe>'
    )
    parts.append('<h2 id="plots">Plots</h2>')
    for file, title in plots:
        parts.append(f"<h3>{_esc(title)}</h3>")
        parts.append(f'<img class="plot" src="{_esc(file)}" alt="{_esc(title)}">')
    for section in sections:
        parts.append(f"<h2>{_esc(section.title)}</h2>")
        parts.append(section.html)
    parts.append('<h2 id="data">Data</h2><ul>')
    parts.extend(
        f'<li><a href="{_esc(file)}">{_esc(file)}</a>: {_esc(text)}</li>'
        for file, text in downloads
    )
    parts.append("</ul></body></html>\n")
    return "\n".join(parts)
