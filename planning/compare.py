"""Side-by-side comparison of plans: KPIs, and what differs between them.

Differences are taken against the union of all plans: sites listed by some
plans but not all, per-site GPU counts that differ, and regions whose primary
serving site (largest share) differs. ``delta`` columns are relative to the
first plan, the baseline.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gpuplace.planning.money_kpis import MONEY_LABELS, money_metrics
from gpuplace.planning.plans import as_float, gpu_totals, primary_sites, site_gpus
from gpuplace.planning.serving_kpis import TIER_LABELS, serving_metrics
from gpuplace.planning.time_kpis import TIME_LABELS, time_metrics
from gpuplace.solvers.plan import Plan
from gpuplace.untrusted import csv_text

__all__ = [
    "Comparison",
    "KPI_ROWS",
    "compare_plans",
    "comparison_csv",
    "comparison_rows",
    "format_value",
    "metric_label",
    "plan_labels",
]

# (metric key, label) in table order.
KPI_ROWS: tuple[tuple[str, str], ...] = (
    ("status", "status"),
    ("objective", "objective"),
    ("bound", "bound"),
    ("gap", "gap"),
    ("wall_s", "wall time (s)"),
    ("total_cost", "total cost"),
    ("sites_open", "sites open"),
    ("served_fraction", "served fraction"),
    ("mean_rtt_ms", "mean RTT (ms)"),
    ("p95_rtt_ms", "p95 RTT (ms)"),
    ("max_link_utilisation", "max link utilisation"),
)
_TOP_LEVEL = {"objective", "bound", "gap", "wall_s"}


@dataclass(frozen=True)
class Comparison:
    """The comparison of several plans (one entry per plan in each list).

    Attributes
    ----------
    labels : tuple of str
        One short name per plan, in input order (the first is the baseline).
    metrics : dict
        Metric key -> value per plan. Keys are those of :data:`KPI_ROWS`, then
        ``gpus.<TYPE>`` per GPU type, then with serving models
        ``model.<MODEL>.<TIER>.<figure>`` and ``replicas.<MODEL>``
        (:func:`planning.serving_kpis.serving_metrics`), then ``agreement``
        (share of regions whose primary site equals the baseline's).
    site_presence : list of dict
        ``{"site": id, "in": [labels]}`` for sites listed by some plans but not all.
    gpu_deltas : list of dict
        ``{"site", "type", "counts": [...], "delta": [...]}`` where the counts differ.
    pool_changes : list of dict
        ``{"region", "sites": [...]}`` where the primary serving site differs
        (``None``: the region is not served in that plan).
    warnings : list of str
        E.g. plans of different scenarios.
    """

    labels: tuple[str, ...]
    metrics: dict[str, list[Any]]
    site_presence: list[dict[str, Any]] = field(default_factory=list)
    gpu_deltas: list[dict[str, Any]] = field(default_factory=list)
    pool_changes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scenarios: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``gpuplace compare --format json``)."""
        return {
            "plans": [
                {"label": label, **scenario}
                for label, scenario in zip(self.labels, self.scenarios, strict=True)
            ],
            "warnings": list(self.warnings),
            "metrics": {key: list(values) for key, values in self.metrics.items()},
            "differences": {
                "site_presence": self.site_presence,
                "gpu_deltas": self.gpu_deltas,
                "pool_changes": self.pool_changes,
            },
        }


def plan_labels(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Short unique names for plan files: the file stem, else the path, else numbered."""
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    full = [str(p) for p in paths]
    if len(set(full)) == len(full):
        return full
    return [f"{stem}#{i + 1}" for i, stem in enumerate(stems)]


def _metric(plan: Plan, key: str) -> Any:
    if key == "status":
        return plan.status.value
    value = getattr(plan if key in _TOP_LEVEL else plan.kpis, key)
    if key == "sites_open":
        return int(value)
    return as_float(value)


def _scenario_warnings(labels: Sequence[str], scenarios: list[dict[str, Any]]) -> list[str]:
    """A warning when the plans answer different scenarios (their sha256 differ)."""
    if len({s["sha256"] for s in scenarios}) <= 1:
        return []
    detail = ", ".join(
        f"{label}: {s['scenario']} ({(s['sha256'] or 'unknown')[:12]})"
        for label, s in zip(labels, scenarios, strict=True)
    )
    return [
        "the plans answer different scenarios (scenario sha256 differs); "
        f"their numbers are not directly comparable: {detail}"
    ]


def compare_plans(plans: Sequence[Plan], labels: Sequence[str] | None = None) -> Comparison:
    """Compare plans side by side.

    Parameters
    ----------
    plans : sequence of Plan
        At least one plan; the first is the baseline for deltas and agreement.
    labels : sequence of str, optional
        One name per plan (default ``plan1``, ``plan2``, ...).

    Returns
    -------
    Comparison
    """
    if not plans:
        raise ValueError("compare_plans needs at least one plan")
    labels = (
        tuple(labels) if labels is not None else tuple(f"plan{i + 1}" for i in range(len(plans)))
    )
    if len(labels) != len(plans):
        raise ValueError("one label per plan")

    metrics: dict[str, list[Any]] = {key: [_metric(p, key) for p in plans] for key, _ in KPI_ROWS}
    totals = [gpu_totals(p) for p in plans]
    for gpu_type in sorted({t for total in totals for t in total}):
        metrics[f"gpus.{gpu_type}"] = [total.get(gpu_type, 0) for total in totals]
    serving = [serving_metrics(p) for p in plans]
    for key in sorted({k for figures in serving for k in figures}):
        metrics[key] = [figures.get(key) for figures in serving]
    timed = [time_metrics(p) for p in plans]  # [time] periods: follow-the-sun saving
    for key in [k for k in TIME_LABELS if any(k in figures for figures in timed)]:
        metrics[key] = [figures.get(key) for figures in timed]
    billed = [money_metrics(p) for p in plans]  # [money]: the year's bill
    for key in [k for k in MONEY_LABELS if any(k in figures for figures in billed)]:
        metrics[key] = [figures.get(key) for figures in billed]

    primaries = [primary_sites(p) for p in plans]
    regions = sorted({r for prim in primaries for r in prim})
    baseline = primaries[0]
    metrics["agreement"] = [
        (sum(prim.get(r) == baseline.get(r) for r in regions) / len(regions)) if regions else None
        for prim in primaries
    ]
    pool_changes = [
        {"region": r, "sites": [prim.get(r) for prim in primaries]}
        for r in regions
        if len({prim.get(r) for prim in primaries}) > 1
    ]

    gpus = [site_gpus(p) for p in plans]
    all_sites = sorted({s for g in gpus for s in g})
    site_presence = [
        {"site": s, "in": [label for label, g in zip(labels, gpus, strict=True) if s in g]}
        for s in all_sites
        if not all(s in g for g in gpus)
    ]
    gpu_deltas = []
    for s in all_sites:
        types = sorted({t for g in gpus for t in g.get(s, {})})
        for gpu_type in types:
            counts = [g.get(s, {}).get(gpu_type, 0) for g in gpus]
            if len(set(counts)) > 1:
                gpu_deltas.append(
                    {
                        "site": s,
                        "type": gpu_type,
                        "counts": counts,
                        "delta": [c - counts[0] for c in counts],
                    }
                )

    scenarios = [
        {"scenario": p.scenario.name, "sha256": p.scenario.sha256, "solver": p.solver.name}
        for p in plans
    ]
    return Comparison(
        labels=labels,
        metrics=metrics,
        site_presence=site_presence,
        gpu_deltas=gpu_deltas,
        pool_changes=pool_changes,
        warnings=_scenario_warnings(labels, scenarios),
        scenarios=scenarios,
    )


def metric_label(key: str) -> str:
    """Human label of a metric key."""
    labels = dict(KPI_ROWS)
    if key in labels:
        return labels[key]
    if key.startswith("gpus."):
        return f"GPUs {key[5:]}"
    if key in MONEY_LABELS:
        return MONEY_LABELS[key]
    if key == "agreement":
        return "same primary site as first"
    if key.startswith("model."):
        model_tier, _, figure = key[len("model.") :].rpartition(".")
        return f"{model_tier.replace('.', ' / ')}: {TIER_LABELS.get(figure, figure)}"
    if key.startswith("replicas."):
        return f"replicas {key[len('replicas.') :]}"
    return TIME_LABELS.get(key, key)


def format_value(key: str, value: Any) -> str:
    """A metric value as text for the table."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if key in {"served_fraction", "max_link_utilisation", "agreement"} or key.endswith(
        (".served_fraction", ".saving_fraction", ".mean_utilisation")
    ):
        return f"{value:.1%}"
    if key.endswith("_ms"):
        return f"{value:.1f}"
    if key == "gap":
        return f"{value:.2%}"
    if key in {"wall_s", "mean_rtt_ms", "p95_rtt_ms"}:
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1e3:
        return f"{value:,.0f}"
    return f"{value:.6g}"


def comparison_rows(comparison: Comparison) -> list[list[Any]]:
    """Long-form rows ``[section, key, value per plan...]`` (the CSV body)."""
    rows: list[list[Any]] = []
    for key, values in comparison.metrics.items():
        rows.append(["kpi", key, *values])
    for item in comparison.site_presence:
        rows.append(
            ["site_listed", item["site"], *[label in item["in"] for label in comparison.labels]]
        )
    for item in comparison.gpu_deltas:
        rows.append(["site_gpus", f"{item['site']}.{item['type']}", *item["counts"]])
    for item in comparison.pool_changes:
        rows.append(["primary_site", item["region"], *item["sites"]])
    return rows


def comparison_csv(comparison: Comparison) -> str:
    """The comparison as CSV: columns ``section,key,<plan labels...>``.

    Cells a spreadsheet would run as formulas are neutralised (:func:`gpuplace.untrusted.csv_cell`).
    """
    rows = (["" if v is None else v for v in row] for row in comparison_rows(comparison))
    return csv_text(["section", "key", *comparison.labels], rows)
