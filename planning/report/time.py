"""The report's time pieces: per-period utilisation of each site (a heat map) and the roll-out.

Only for plans of scenarios with ``[time] periods`` or ``phases`` (site rows with
``period_served``, a ``phases`` table); :func:`time_section` returns None otherwise.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from gpuplace.planning.report.index import ReportSection
from gpuplace.planning.time_kpis import hourly_utilisation, time_rows
from gpuplace.solvers.plan import Plan

__all__ = ["HEATMAP", "ROLLOUT", "rollout_plot", "time_section", "utilisation_heatmap"]

HEATMAP = "time/utilisation.png"
HEATMAP_CSV = "time/utilisation.csv"
ROLLOUT = "time/rollout.png"
_DPI = 110
_MAX_SITES = 40


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    return buffer.getvalue()


def utilisation_heatmap(periods: list[str], per_site: Mapping[str, list[float]]) -> bytes:
    """Sites (rows, busiest first) × periods (columns), coloured by utilisation."""
    sites = sorted(per_site, key=lambda s: -sum(per_site[s]))[:_MAX_SITES]
    grid = np.array([per_site[s] for s in sites]) if sites else np.zeros((1, len(periods)))
    fig = Figure(figsize=(max(6.0, 0.28 * len(periods) + 2), max(2.5, 0.25 * len(sites) + 1.2)))
    ax = fig.subplots()
    image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0)
    ax.set_yticks(range(len(sites)), sites, fontsize=7)
    step = max(1, len(periods) // 24)
    ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=90, fontsize=7)
    ax.set_xlabel("period")
    ax.set_title("utilisation of each site's GPUs in each period")
    fig.colorbar(image, ax=ax, label="utilisation")
    return _png(fig)


def rollout_plot(plan: Plan, phases: list[dict]) -> bytes:
    """GPUs installed by the end of each phase, per site (the busiest ten, the rest together)."""
    ids = [str(p.get("id")) for p in phases]
    per_site = {
        site.id: [
            sum(float(n) for n in (site.phase_new_gpus or {}).get(pid, {}).values()) for pid in ids
        ]
        for site in plan.sites
    }
    ranked = sorted(per_site, key=lambda s: -sum(per_site[s]))
    shown, rest = ranked[:10], ranked[10:]
    fig = Figure(figsize=(7.5, 4.0))
    ax = fig.subplots()
    bottom = np.zeros(len(ids))
    series = [(s, per_site[s]) for s in shown]
    if rest:
        series.append(("other sites", list(np.sum([per_site[s] for s in rest], axis=0))))
    for i, (name, values) in enumerate(series):
        installed = np.cumsum(values)
        ax.bar(ids, installed, bottom=bottom, label=name, color=f"C{i % 10}")
        bottom = bottom + installed
    ax.set_ylabel("new GPUs installed by the end of the phase")
    ax.set_title("roll-out")
    ax.legend(fontsize=7, ncol=2)
    return _png(fig)


def time_section(plan: Plan) -> ReportSection | None:
    """The utilisation heat map, the follow-the-sun saving and the roll-out timeline."""
    periods, per_site = hourly_utilisation(plan)
    phases = plan.extra.get("phases")
    if not per_site and not isinstance(phases, list):
        return None
    files: dict[str, bytes | str] = {}
    parts = []
    saving = time_rows(plan)
    if saving:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td class='num'>{html.escape(v)}</td></tr>"
            for k, v in saving
        )
        parts.append(f'<table class="kpis">{rows}</table>')
    if per_site:
        files[HEATMAP] = utilisation_heatmap(periods, per_site)
        lines = ["site," + ",".join(periods)]
        lines += [f"{s}," + ",".join(f"{u:.6g}" for u in per_site[s]) for s in sorted(per_site)]
        files[HEATMAP_CSV] = "\n".join(lines) + "\n"
        parts.append(
            f'<img class="plot" src="{HEATMAP}" alt="utilisation per site and period">'
            f'<p><a href="{HEATMAP_CSV}">{HEATMAP_CSV}</a>: utilisation per site and period.</p>'
        )
    if isinstance(phases, list) and phases:
        files[ROLLOUT] = rollout_plot(plan, phases)
        head = "<tr><th>phase</th><th>new GPUs</th><th>capex</th><th>sites building</th></tr>"
        body = "".join(
            f"<tr><td>{html.escape(str(p.get('id')))}</td>"
            f"<td class='num'>{sum((p.get('new_gpus') or {}).values()):,}</td>"
            f"<td class='num'>{float(p.get('capex') or 0.0):,.0f}</td>"
            f"<td>{html.escape(', '.join(p.get('sites_building') or []))}</td></tr>"
            for p in phases
        )
        parts.append(
            f'<img class="plot" src="{ROLLOUT}" alt="roll-out by phase">'
            f'<table class="kpis">{head}{body}</table>'
        )
    return ReportSection(title="Time: periods and roll-out", html="".join(parts), files=files)
