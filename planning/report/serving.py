"""The report's serving pieces: TTFT against target, per-model figures, a map layer per model.

Only for plans of scenarios with serving models (assignments that carry
``model``, ``tier`` and ``ttft_ms``); :func:`serving_section` and
:func:`model_layers` return nothing otherwise.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Callable, Sequence

import folium
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from gpuplace.planning.plans import as_float
from gpuplace.planning.report.data import ReportData
from gpuplace.planning.report.index import ReportSection
from gpuplace.planning.serving_kpis import TIER_LABELS, tier_rows
from gpuplace.solvers.plan import Plan

__all__ = ["TTFT_PLOT", "model_layers", "serving_section", "ttft_plot"]

TTFT_PLOT = "serving/ttft.png"
TIERS_CSV = "serving/tiers.csv"
_DPI = 110
LayerMaker = Callable[[Callable, Callable], folium.FeatureGroup]


def _served(plan: Plan) -> list:
    return [a for a in plan.assignments if a.ttft_ms is not None and a.tier is not None]


def ttft_plot(plan: Plan) -> bytes:
    """Predicted TTFT against the network RTT per tier (left), and TTFT / target (right)."""
    rows = _served(plan)
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    tiers = sorted({a.tier for a in rows})
    for i, tier in enumerate(tiers):
        mine = [a for a in rows if a.tier == tier]
        rtt = np.array([as_float(a.rtt_ms) or 0.0 for a in mine])
        ttft = np.array([float(a.ttft_ms) for a in mine])
        target = max(as_float(a.ttft_target_ms) or 0.0 for a in mine)
        demand = np.array([as_float(a.demand) or 0.0 for a in mine])
        size = 10 + 60 * np.sqrt(demand / max(float(demand.max()), 1e-12))
        left.scatter(rtt, ttft, s=size, alpha=0.6, color=f"C{i}", label=f"{tier}")
        left.axhline(target, color=f"C{i}", linestyle="--", linewidth=1)
        ratio = ttft / target if target > 0 else ttft
        order = np.argsort(ratio, kind="stable")
        share = np.cumsum(demand[order]) / max(float(demand.sum()), 1e-12)
        right.step(
            ratio[order], share, where="post", color=f"C{i}", label=f"{tier} ({target:g} ms)"
        )
    left.set_xlabel("network RTT (ms)")
    left.set_ylabel("predicted TTFT = RTT + compute (ms)")
    left.set_title("TTFT of each assignment (dashed: tier target)")
    right.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    right.set_xlim(0, 1.05)
    right.set_ylim(0, 1.02)
    right.set_xlabel("predicted TTFT / target")
    right.set_ylabel("share of served tokens/s")
    right.set_title("TTFT against target (demand-weighted)")
    for ax in (left, right):
        if tiers:
            ax.legend(loc="best")
        ax.grid(alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _cell(value: float | None, key: str) -> str:
    if value is None:
        return "-"
    if key == "served_fraction":
        return f"{value:.1%}"
    return f"{value:,.1f}"


def serving_section(plan: Plan) -> ReportSection | None:
    """Per model and tier: served fraction, TTFT against target, how much is served far away."""
    rows = tier_rows(plan)
    if not rows:
        return None
    head = "".join(f"<th>{html.escape(label)}</th>" for label in TIER_LABELS.values())
    body = "".join(
        f"<tr><td>{html.escape(model)}</td><td>{html.escape(tier)}</td>"
        + "".join(f'<td class="num">{_cell(figures[k], k)}</td>' for k in TIER_LABELS)
        + "</tr>"
        for (model, tier), figures in rows.items()
    )
    lines = ["model,tier," + ",".join(TIER_LABELS)]
    for (model, tier), figures in rows.items():
        values = ["" if figures[k] is None else f"{figures[k]:.6g}" for k in TIER_LABELS]
        lines.append(",".join([model, tier, *values]))
    text = (
        "<p>Predicted TTFT is the network RTT plus the compute TTFT of the deployment at "
        "its operating point. Each model also has its own layer on the map.</p>"
        f'<table class="kpis"><tr><th>model</th><th>tier</th>{head}</tr>{body}</table>'
        f'<img class="plot" src="{TTFT_PLOT}" alt="TTFT against target">'
        f'<p><a href="{TIERS_CSV}">{TIERS_CSV}</a>: the table as CSV.</p>'
    )
    files: dict[str, bytes | str] = {TTFT_PLOT: ttft_plot(plan), TIERS_CSV: "\n".join(lines) + "\n"}
    return ReportSection(title="Models and SLO tiers", html=text, files=files)


def _tooltip(rows: Sequence[tuple[str, object]]) -> str:
    return (
        "<table>"
        + "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        + "</table>"
    )


def model_layers(data: ReportData, plan: Plan) -> list[LayerMaker]:
    """One map layer per model: its assignments coloured by tier, its sites sized by replicas."""
    pairs = [
        (record, row)
        for record, row in zip(data.assignments, plan.assignments, strict=True)
        if row.model is not None and None not in (record.region_lat, record.site_lat)
    ]
    models = sorted({row.model for _, row in pairs if row.model is not None})
    tiers = sorted({row.tier for _, row in pairs if row.tier is not None})
    site_at = {s.id: (s.lat, s.lon) for s in data.sites if s.lat is not None}

    def maker(model: str) -> LayerMaker:
        def make(pos: Callable, line: Callable) -> folium.FeatureGroup:
            group = folium.FeatureGroup(name=f"Model {model}", show=False)
            replicas: dict[str, float] = {}
            for record, row in pairs:
                if row.model != model:
                    continue
                colour = f"C{tiers.index(row.tier) % 10}" if row.tier in tiers else "C9"
                folium.PolyLine(
                    line(record.region_lat, record.region_lon, record.site_lat, record.site_lon),
                    color=to_hex(colour),
                    weight=1.0 + 3.0 * float(row.share),
                    opacity=0.8,
                    tooltip=_tooltip(
                        [
                            ("region -> site", f"{row.region} -> {row.site}"),
                            ("tier", row.tier),
                            ("deployment", row.deployment),
                            ("tokens/s", f"{as_float(row.demand) or 0.0:,.0f}"),
                            (
                                "TTFT",
                                f"{as_float(row.ttft_ms) or 0.0:.0f} / {as_float(row.ttft_target_ms) or 0:.0f} ms",
                            ),
                            ("RTT", f"{as_float(row.rtt_ms) or 0.0:.1f} ms"),
                        ]
                    ),
                ).add_to(group)
            for site in plan.sites:
                held = sum(
                    float(n)
                    for d, n in (site.replicas or {}).items()
                    if any(r.deployment == d and r.model == model for _, r in pairs)
                )
                if held > 0 and site.id in site_at:
                    replicas[site.id] = held
            for sid, held in replicas.items():
                lat, lon = site_at[sid]
                folium.CircleMarker(
                    pos(lat, lon),
                    radius=4.0 + 3.0 * math.sqrt(held),
                    color="#333333",
                    weight=1,
                    fill=True,
                    fill_opacity=0.8,
                    tooltip=_tooltip([("site", sid), (f"{model} replicas", f"{held:g}")]),
                ).add_to(group)
            return group

        return make

    return [maker(model) for model in models]
