"""PNG plots of a plan (matplotlib).

Figures are made with :class:`matplotlib.figure.Figure` directly, never
through pyplot, so no global state or display is involved and PNGs are
rendered by the Agg backend.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.figure import Figure

from gpuplace.planning.report.colours import utilisation_colour
from gpuplace.planning.report.data import ReportData
from gpuplace.scenario.instance import Instance
from gpuplace.scenario.latency_report import measured_comparison

__all__ = ["MEASURED_PLOT", "PLOTS", "cost_plot", "measured_plot", "rtt_plot", "utilisation_plot"]

_DPI = 110


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def rtt_plot(data: ReportData) -> bytes:
    """RTT against SLAs: demand-weighted RTT distribution (left), RTT vs SLA per assignment (right)."""
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    timed = [a for a in data.assignments if a.rtt_ms is not None and a.demand > 0]
    if not timed:
        _empty(left, "no served demand")
        _empty(right, "no served demand")
        return _png(fig)
    rtt = np.array([a.rtt_ms for a in timed])
    demand = np.array([a.demand for a in timed])
    order = np.argsort(rtt, kind="stable")
    cumulative = np.cumsum(demand[order]) / demand.sum()
    left.step(rtt[order], cumulative, where="post", color="C0", label="served demand")
    slas = sorted({a.sla_rtt_ms for a in timed if a.sla_rtt_ms is not None})
    for i, limit in enumerate(slas[:6]):
        left.axvline(
            limit, color="C3", linestyle="--", linewidth=1, label="SLA" if i == 0 else None
        )
    left.set_xlabel("RTT (ms)")
    left.set_ylabel("share of served demand with RTT <= x")
    left.set_ylim(0, 1.02)
    left.set_title("RTT distribution (demand-weighted)")
    left.legend(loc="lower right")
    left.grid(alpha=0.3)

    sla = np.array([a.sla_rtt_ms if a.sla_rtt_ms is not None else np.nan for a in timed])
    within = ~(rtt > sla)
    sizes = 10 + 60 * np.sqrt(demand / demand.max())
    right.scatter(
        sla[within], rtt[within], s=sizes[within], alpha=0.6, color="C0", label="within SLA"
    )
    if (~within).any():
        right.scatter(sla[~within], rtt[~within], s=sizes[~within], color="C3", label="over SLA")
    finite = np.concatenate([sla[np.isfinite(sla)], rtt])
    top = float(finite.max()) * 1.05 if finite.size else 1.0
    right.plot([0, top], [0, top], color="grey", linewidth=1, linestyle=":", label="RTT = SLA")
    right.set_xlim(0, top)
    right.set_ylim(0, top)
    right.set_xlabel("SLA RTT (ms)")
    right.set_ylabel("RTT (ms)")
    right.set_title("RTT of each assignment against its SLA")
    right.legend(loc="upper left")
    right.grid(alpha=0.3)
    return _png(fig)


def cost_plot(data: ReportData) -> bytes:
    """Stacked bars: cost per site split into fixed cost and GPU capex by type."""
    sites = sorted((s for s in data.sites if s.in_plan), key=lambda s: -s.total_cost)
    fig = Figure(figsize=(max(6.0, 0.5 * len(sites) + 3), 4.2))
    ax = fig.subplots()
    if not sites or sum(s.total_cost for s in sites) <= 0:
        _empty(ax, "no cost in this plan")
        return _png(fig)
    x = np.arange(len(sites))
    bottom = np.zeros(len(sites))
    fixed = np.array([s.fixed_cost for s in sites])
    if fixed.any():
        ax.bar(x, fixed, bottom=bottom, color="0.6", label="fixed cost")
        bottom += fixed
    for i, gpu_type in enumerate(data.gpu_types):
        values = np.array([s.gpu_cost.get(gpu_type, 0.0) for s in sites])
        if values.any():
            ax.bar(x, values, bottom=bottom, color=f"C{i % 10}", label=f"{gpu_type} GPUs")
            bottom += values
    ax.set_xticks(x, [s.id for s in sites], rotation=60 if len(sites) > 8 else 0, ha="right")
    ax.set_ylabel("cost")
    total = float(bottom.sum())
    ax.set_title(f"Cost by site and GPU type (total {total:,.0f})")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def utilisation_plot(data: ReportData) -> bytes:
    """Bars: utilisation of each site of the plan, with the scenario's max_utilisation.

    Bars are coloured as the map colours sites (:func:`.colours.utilisation_colour`).
    """
    sites = sorted((s for s in data.sites if s.in_plan), key=lambda s: s.id)
    fig = Figure(figsize=(max(6.0, 0.5 * len(sites) + 3), 4.2))
    ax = fig.subplots()
    if not sites:
        _empty(ax, "no site in this plan")
        return _png(fig)
    values = np.array([s.utilisation if s.utilisation is not None else math.nan for s in sites])
    x = np.arange(len(sites))
    heights = np.nan_to_num(values)
    ax.bar(x, heights, color=[utilisation_colour(v) for v in heights])
    ax.axhline(data.max_utilisation, color="C3", linestyle="--", label="max utilisation")
    ax.set_xticks(x, [s.id for s in sites], rotation=60 if len(sites) > 8 else 0, ha="right")
    ax.set_ylabel("served demand / capacity")
    ax.set_ylim(0, max(1.05, float(np.nanmax(values, initial=0.0)) * 1.05))
    ax.set_title("Utilisation by site")
    ax.legend(loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


# Links shown in the link plot: the most utilised ones.
TOP_LINKS = 40


def link_utilisation_plot(data: ReportData) -> bytes:
    """Bars: the most utilised link directions (load / capacity), coloured as on the map.

    Up to :data:`TOP_LINKS` capacitated link directions the plan loads, highest
    first; uncapacitated links have no utilisation and are left out.
    """
    links = sorted(
        (link for link in data.links if link.utilisation is not None),
        key=lambda link: (-(link.utilisation or 0.0), link.source, link.target),
    )[:TOP_LINKS]
    fig = Figure(figsize=(max(6.0, 0.35 * len(links) + 3), 4.6))
    ax = fig.subplots()
    if not links:
        _empty(ax, "no capacitated link carries traffic")
        return _png(fig)
    values = np.array([link.utilisation or 0.0 for link in links])
    x = np.arange(len(links))
    ax.bar(x, values, color=[utilisation_colour(v) for v in values])
    ax.axhline(1.0, color="grey", linestyle=":", linewidth=1, label="capacity")
    labels = [f"{link.source} > {link.target}" for link in links]
    ax.set_xticks(x, labels, rotation=70, ha="right", fontsize=8)
    ax.set_ylabel("load / capacity")
    ax.set_ylim(0, max(1.05, float(values.max()) * 1.05))
    shown = f"top {len(links)} of {sum(1 for link in data.links if link.utilisation is not None)}"
    ax.set_title(f"Link utilisation by direction ({shown} loaded capacitated links)")
    ax.legend(loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


PLOTS = {
    "rtt.png": ("RTT against SLAs", rtt_plot),
    "cost.png": ("Cost by site and GPU type", cost_plot),
    "utilisation.png": ("Utilisation by site", utilisation_plot),
    "links.png": ("Utilisation by link", link_utilisation_plot),
}


MEASURED_PLOT = ("measured.png", "Predicted against measured RTT")


def measured_plot(instance: Instance) -> bytes | None:
    """Scatter: the (calibrated) model's RTT against the measured RTT of each measured pair.

    None when the scenario has no measured pairs. The band around the diagonal
    is the SLA margin the scenario adds to modelled RTTs (none without one).
    """
    comparison = measured_comparison(instance)
    if comparison is None:
        return None
    fig = Figure(figsize=(5.6, 5.2))
    ax = fig.subplots()
    reachable = np.isfinite(comparison.predicted_ms)
    measured, predicted = comparison.measured_ms[reachable], comparison.predicted_ms[reachable]
    if measured.size == 0:
        _empty(ax, "no measured pair is reachable in the model")
        return _png(fig)
    ax.scatter(measured, predicted, s=14, alpha=0.6, color="C0", label="measured pair")
    top = float(max(measured.max(), predicted.max())) * 1.05
    ax.plot(
        [0, top], [0, top], color="grey", linewidth=1, linestyle=":", label="predicted = measured"
    )
    q = instance.latency.sla_margin_percentile
    if instance.calibration is not None and q is not None:
        margin = instance.calibration.margin_ms(q)
        ax.fill_between(
            [0, top],
            [-margin, top - margin],
            [0, top],
            color="C1",
            alpha=0.15,
            label=f"SLA margin at p{q:g} ({margin:.0f} ms)",
        )
    ratio = float(np.median(predicted / measured))
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("measured RTT (ms)")
    ax.set_ylabel("predicted RTT (ms)")
    ax.set_title(f"{measured.size} measured pairs, median predicted/measured {ratio:.2f}")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _png(fig)
