"""``gpuplace compare PLAN...``: side-by-side table of plans and what differs."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from gpuplace.commands.common import console, handles_input_errors, warn
from gpuplace.errors import InputError
from gpuplace.planning.compare import (
    Comparison,
    compare_plans,
    comparison_csv,
    format_value,
    metric_label,
    plan_labels,
)
from gpuplace.planning.plans import load_plan

__all__ = ["CompareFormat", "register"]


class CompareFormat(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"


def _print_text(comparison: Comparison) -> None:
    table = Table()
    table.add_column("metric")
    for label in comparison.labels:
        table.add_column(label, justify="right")
    for key, values in comparison.metrics.items():
        table.add_row(metric_label(key), *[format_value(key, v) for v in values])
    console.print(table)

    if comparison.site_presence:
        console.print("\nSites listed by only some plans", style="bold")
        table = Table()
        table.add_column("site")
        for label in comparison.labels:
            table.add_column(label, justify="center")
        for item in comparison.site_presence:
            marks = ["yes" if label in item["in"] else "-" for label in comparison.labels]
            table.add_row(item["site"], *marks)
        console.print(table)
    if comparison.gpu_deltas:
        console.print("\nGPU counts that differ (delta vs first plan)", style="bold")
        table = Table()
        table.add_column("site")
        table.add_column("type")
        for label in comparison.labels:
            table.add_column(label, justify="right")
        for item in comparison.gpu_deltas:
            cells = [
                f"{count}" if i == 0 else f"{count} ({delta:+d})"
                for i, (count, delta) in enumerate(zip(item["counts"], item["delta"], strict=True))
            ]
            table.add_row(item["site"], item["type"], *cells)
        console.print(table)
    if comparison.pool_changes:
        console.print("\nRegions whose primary site differs", style="bold")
        table = Table()
        table.add_column("region")
        for label in comparison.labels:
            table.add_column(label)
        for item in comparison.pool_changes:
            table.add_row(item["region"], *[site or "(unserved)" for site in item["sites"]])
        console.print(table)
    if not (comparison.site_presence or comparison.gpu_deltas or comparison.pool_changes):
        console.print("The plans place the same GPUs and serve each region from the same site.")


def register(app: typer.Typer) -> None:
    @app.command("compare")
    @handles_input_errors
    def compare(
        plans: list[Path] = typer.Argument(..., help="Plan files (JSON) to compare."),
        output_format: CompareFormat = typer.Option(
            CompareFormat.text, "--format", "-f", help="text (table), csv or json."
        ),
    ) -> None:
        """Compare plans side by side: KPIs, sites, GPUs and primary sites that differ.

        The first plan is the baseline for deltas. Plans of different scenarios
        are compared only with a warning.
        """
        problems = []
        loaded = []
        for path in plans:
            try:
                loaded.append(load_plan(path))
            except InputError as error:
                problems.extend(error.problems)
        if problems:
            raise InputError(problems)
        comparison = compare_plans(loaded, plan_labels(plans))
        for warning in comparison.warnings:
            warn(warning)
        if output_format is CompareFormat.json:
            typer.echo(json.dumps(comparison.to_dict(), indent=2))
        elif output_format is CompareFormat.csv:
            typer.echo(comparison_csv(comparison), nl=False)
        else:
            _print_text(comparison)
