"""The report's money section: the year's bill per site (capex, energy, carbon, revenue)."""

from __future__ import annotations

import html
import io

import numpy as np
from matplotlib.figure import Figure

from gpuplace.planning.money_kpis import BILL_SITE_COLUMNS, MONEY_LABELS, bill_sites, money_metrics
from gpuplace.planning.report.index import ReportSection
from gpuplace.solvers.plan import Plan
from gpuplace.untrusted import csv_text

__all__ = ["BILL_CSV", "BILL_PLOT", "money_section"]

BILL_CSV = "bill_sites.csv"
BILL_PLOT = "bill.png"
_DPI = 110
_MAX_PLOTTED = 25


def bill_plot(rows: list[dict]) -> bytes:
    """Per site: annualised capex and energy (stacked) beside revenue; carbon on the right."""
    shown = rows[:_MAX_PLOTTED]
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    x = np.arange(len(shown))
    capex = np.array([r["capex_annual"] for r in shown])
    energy = np.array([r["energy_cost"] for r in shown])
    revenue = np.array([r["revenue"] for r in shown])
    left.bar(x - 0.2, capex, 0.4, label="capex (annualised)")
    left.bar(x - 0.2, energy, 0.4, bottom=capex, label="energy")
    left.bar(x + 0.2, revenue, 0.4, label="revenue")
    right.bar(x, [r["carbon_t"] for r in shown], 0.6, color="C3")
    for ax, title in ((left, "a year per site"), (right, "t CO2e a year per site")):
        ax.set_xticks(x, [r["id"] for r in shown], rotation=60, ha="right", fontsize=8)
        ax.set_title(title)
        ax.grid(alpha=0.3, axis="y")
    left.legend(loc="best")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def money_section(plan: Plan) -> ReportSection | None:
    """The bill in total and per site, with its CSV and plot; None for a plan without a bill."""
    totals = money_metrics(plan)
    if not totals:
        return None
    rows = bill_sites(plan)
    summary = "".join(
        f'<tr><td>{html.escape(MONEY_LABELS[key])}</td><td class="num">{_cell(value)}</td></tr>'
        for key, value in totals.items()
    )
    head = "".join(f"<th>{html.escape(c)}</th>" for c in BILL_SITE_COLUMNS)
    body = "".join(
        f"<tr><td>{html.escape(r['id'])}</td>"
        + "".join(f'<td class="num">{_cell(r[c])}</td>' for c in BILL_SITE_COLUMNS)
        + "</tr>"
        for r in rows
    )
    table = csv_text(
        ("site", *BILL_SITE_COLUMNS), ([r["id"], *(r[c] for c in BILL_SITE_COLUMNS)] for r in rows)
    )
    text = (
        "<p>Capex annualised with the capital recovery factor, energy at the GPUs' "
        "utilisation × PUE × hours × the site's price per kWh, carbon at the grid "
        "intensity of the site's country; revenue from on-demand sales and contracts.</p>"
        f'<table class="kpis">{summary}</table>'
        f'<table class="kpis"><tr><th>site</th>{head}</tr>{body}</table>'
        f'<img class="plot" src="{BILL_PLOT}" alt="bill per site">'
        f'<p><a href="{BILL_CSV}">{BILL_CSV}</a>: the table as CSV.</p>'
    )
    files: dict[str, bytes | str] = {BILL_PLOT: bill_plot(rows), BILL_CSV: table}
    return ReportSection(title="The bill", html=text, files=files)
