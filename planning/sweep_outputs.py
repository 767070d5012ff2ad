"""Files of a sweep: ``results.csv``, ``pareto.csv`` and ``pareto.png``."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpuplace.errors import InputError, Problem
from gpuplace.planning.money_kpis import SWEEP_COLUMNS
from gpuplace.planning.pareto import pareto_front
from gpuplace.planning.plans import as_float
from gpuplace.planning.sweep_case import ERROR, RESULT_COLUMNS
from gpuplace.untrusted import csv_text

__all__ = [
    "Axis",
    "NUMERIC_COLUMNS",
    "PARETO_OPTION",
    "mark_front",
    "pareto_axes",
    "pareto_csv",
    "pareto_png",
    "pareto_points",
    "result_columns",
    "results_csv",
]

PARETO_OPTION = "--pareto"
NUMERIC_COLUMNS = (
    "objective",
    "bound",
    "gap",
    "wall_s",
    "total_cost",
    "sites_open",
    "served_fraction",
    "mean_rtt_ms",
    "p95_rtt_ms",
    "max_link_utilisation",
    *SWEEP_COLUMNS,
)


@dataclass(frozen=True)
class Axis:
    """A column of the results and whether smaller (``min``) or larger (``max``) is better."""

    column: str
    sense: str

    @property
    def label(self) -> str:
        return f"{self.column} ({'lower' if self.sense == 'min' else 'higher'} is better)"


def result_columns(vary_keys: Sequence[str]) -> list[str]:
    """Columns of ``results.csv``."""
    return ["case", *vary_keys, *RESULT_COLUMNS, "plan"]


def results_csv(rows: Sequence[Mapping[str, Any]], vary_keys: Sequence[str]) -> str:
    """``results.csv`` text: one row per case, empty cells for missing values.

    Formula-like cells are neutralised (:func:`gpuplace.untrusted.csv_cell`).
    """
    columns = result_columns(vary_keys)
    billed = [c for c in SWEEP_COLUMNS if any(c in row for row in rows)]  # [money] only
    columns[-1:-1] = billed
    cells = ([("" if row.get(c) is None else row.get(c)) for c in columns] for row in rows)
    return csv_text(columns, cells)


def _default_sense(column: str, objective_kind: str) -> str:
    if column == "served_fraction":
        return "max"
    if column in ("profit", "revenue"):
        return "max"
    if column == "objective" and objective_kind in ("served", "profit"):
        return "max"
    return "min"


def pareto_axes(
    spec: str | None, *, objective_kind: str, vary_keys: Sequence[str]
) -> tuple[Axis, Axis]:
    """The two axes of the Pareto plot.

    Parameters
    ----------
    spec : str or None
        ``X,Y`` with optional senses, e.g. ``total_cost,served_fraction:max``.
        Columns: any numeric result column or varied key. Default: with the
        ``served`` objective, served fraction (max) against the budget when
        it is varied (else total cost); otherwise mean RTT against total cost.
    objective_kind : str
        The scenario's objective kind.
    vary_keys : sequence of str
        The varied keys (usable as axes).

    Raises
    ------
    InputError
        Not two columns, an unknown column or a bad sense.
    """
    if spec is None:
        if objective_kind == "served":
            x = "constraints.budget" if "constraints.budget" in vary_keys else "total_cost"
            return Axis(x, "min"), Axis("served_fraction", "max")
        return Axis("total_cost", "min"), Axis("mean_rtt_ms", "min")
    allowed = [*NUMERIC_COLUMNS, *vary_keys]
    parts = [p.strip() for p in spec.split(",")]
    problems = []
    if len(parts) != 2:
        problems.append(Problem(PARETO_OPTION, spec, "expected two columns X,Y"))
    axes = []
    for part in parts:
        column, _, sense = part.partition(":")
        column = column.strip()
        sense = sense.strip() or _default_sense(column, objective_kind)
        if column not in allowed:
            problems.append(
                Problem(
                    PARETO_OPTION, spec, f"unknown column {column!r} (use {', '.join(allowed)})"
                )
            )
        if sense not in ("min", "max"):
            problems.append(
                Problem(PARETO_OPTION, spec, f"sense must be min or max, got {sense!r}")
            )
        axes.append(Axis(column, sense))
    if problems:
        raise InputError(problems)
    return axes[0], axes[1]


def pareto_points(rows: Sequence[Mapping[str, Any]], axes: tuple[Axis, Axis]) -> np.ndarray:
    """``[n, 2]`` values of the axes per row; NaN for errors and missing values."""
    points = np.full((len(rows), 2), np.nan)
    for i, row in enumerate(rows):
        if row.get("status") in (ERROR, None):
            continue
        for j, axis in enumerate(axes):
            value = as_float(row.get(axis.column))
            points[i, j] = math.nan if value is None else value
    return points


def pareto_csv(
    rows: Sequence[Mapping[str, Any]],
    vary_keys: Sequence[str],
    axes: tuple[Axis, Axis],
    front: np.ndarray,
) -> str:
    """``pareto.csv``: every case with the two axis values and ``pareto`` true/false."""
    names = [a.column for a in axes]
    columns = ["case", *vary_keys, "status"]
    out = []
    for row, point, marked in zip(rows, pareto_points(rows, axes), front, strict=True):
        cells = ["" if row.get(c) is None else row.get(c) for c in columns]
        values = ["" if math.isnan(v) else v for v in point]
        out.append([*cells, *values, bool(marked)])
    return csv_text([*columns, f"x:{names[0]}", f"y:{names[1]}", "pareto"], out)


def pareto_png(
    rows: Sequence[Mapping[str, Any]], axes: tuple[Axis, Axis], front: np.ndarray, title: str
) -> bytes:
    """Scatter of every solved case with the Pareto-optimal ones marked and joined."""
    from matplotlib.figure import Figure  # the report extra: imported when a plot is drawn

    points = pareto_points(rows, axes)
    fig = Figure(figsize=(7, 5))
    ax = fig.subplots()
    valid = ~np.isnan(points).any(axis=1)
    if not valid.any():
        ax.text(
            0.5, 0.5, "no solved case to plot", ha="center", va="center", transform=ax.transAxes
        )
    else:
        others = valid & ~front
        ax.scatter(points[others, 0], points[others, 1], color="0.6", label="case", zorder=2)
        best = points[front]
        order = np.argsort(best[:, 0], kind="stable")
        ax.plot(best[order, 0], best[order, 1], color="C3", linewidth=1, zorder=1)
        ax.scatter(best[:, 0], best[:, 1], color="C3", s=50, label="Pareto-optimal", zorder=3)
        ax.legend()
    ax.set_xlabel(axes[0].label)
    ax.set_ylabel(axes[1].label)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def mark_front(rows: Sequence[Mapping[str, Any]], axes: tuple[Axis, Axis]) -> np.ndarray:
    """Pareto-optimal rows for the axes (errors and missing values never are)."""
    return pareto_front(pareto_points(rows, axes), [a.sense for a in axes])
