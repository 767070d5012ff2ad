"""``gpuplace latency calibrate TOPOLOGY MEASURED``: fit the latency model to measured RTTs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from gpuplace.commands.common import (
    TextOrJson,
    console,
    finite,
    handles_input_errors,
    usage_error,
)

__all__ = ["MARGIN_PERCENTILES", "SHOWN_FLAGGED", "register"]

SHOWN_FLAGGED = 10
MARGIN_PERCENTILES = (50, 90, 95, 99)


def _stats_table(summary: dict[str, Any]) -> Table:
    table = Table(title="Predicted against measured", title_justify="left")
    table.add_column("")
    for label in ("median ratio", "p10 ratio", "p90 ratio", "median |error| ms", "p90 |error| ms"):
        table.add_column(label, justify="right")
    for key, label in (
        ("before", "before (uncalibrated)"),
        ("after", "after (fitted on all rows)"),
        ("cross_validated", f"held out ({summary['folds']}-fold)"),
    ):
        s = summary[key]
        table.add_row(
            label,
            *(f"{s[k]:.3f}" for k in ("median_ratio", "p10_ratio", "p90_ratio")),
            *(f"{s[k]:.1f}" for k in ("median_abs_ms", "p90_abs_ms")),
        )
    return table


def _print_text(document: dict[str, Any], margins: dict[int, float]) -> None:
    summary, model = document["summary"], document["model"]
    console.print(
        f"{summary['rows']} measured pairs ({summary['unreachable_rows']} unreachable, left out) "
        f"on {summary['topology']}",
        highlight=False,
    )
    console.print(_stats_table(summary))
    console.print(
        f"fitted: fibre_km_per_ms = {model['fibre_km_per_ms']:.2f} (path inflation "
        f"{summary['path_inflation']:.3f}), per_hop_ms = {model['per_hop_ms']:.3f}, "
        f"access_route_factor = {model['access_route_factor']:.3f}",
        highlight=False,
    )
    console.print(
        "SLA margin (held-out error) at percentile "
        + ", ".join(f"{q}: {m:.1f} ms" for q, m in margins.items()),
        highlight=False,
    )
    flagged = summary["flagged"]
    if flagged:
        table = Table(
            title=f"Flagged pairs ({len(flagged)}; largest {min(len(flagged), SHOWN_FLAGGED)})",
            title_justify="left",
        )
        for column in (
            "row",
            "source",
            "target",
            "measured ms",
            "predicted ms",
            "suggests",
            "longest link",
        ):
            table.add_column(column)
        for f in flagged[:SHOWN_FLAGGED]:
            table.add_row(
                str(f["row"]),
                f["source"],
                f["target"],
                f"{f['measured_ms']:.0f}",
                f"{f['predicted_ms']:.0f}",
                f["kind"],
                f["longest_link"],
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    latency_app = typer.Typer(
        name="latency", help="Measured latency: calibrate the model.", no_args_is_help=True
    )
    app.add_typer(latency_app, name="latency")

    @latency_app.command("calibrate")
    @handles_input_errors
    def calibrate_command(
        topology: str = typer.Argument(..., help="Topology file or topohub:KEY."),
        measured: Path = typer.Argument(..., help="Measured RTTs (CSV: source,target,rtt_ms,...)."),
        output: Path | None = typer.Option(
            None,
            "--output",
            "-o",
            help="Calibration file to write.",
            show_default="none: printed only",
        ),
        folds: int = typer.Option(5, "--folds", min=2, help="k of the k-fold cross-validation."),
        seed: int = typer.Option(0, "--seed", min=0, help="Seed of the fold assignment."),
        min_rtt_ms: float = typer.Option(
            0.0,
            "--min-rtt-ms",
            min=0.0,
            help="Leave out rows measured below this RTT.",
            callback=finite,
        ),
        fibre_km_per_ms: float = typer.Option(
            200.0, "--fibre-km-per-ms", min=1e-9, callback=finite
        ),
        link_route_factor: float = typer.Option(
            1.0, "--link-route-factor", min=1e-9, callback=finite
        ),
        per_hop_ms: float = typer.Option(0.0, "--per-hop-ms", min=0.0, callback=finite),
        access_route_factor: float = typer.Option(
            1.5, "--access-route-factor", min=0.0, callback=finite
        ),
        output_format: TextOrJson = typer.Option(
            TextOrJson.text, "--format", "-f", help="Output format."
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
    ) -> None:
        """Fit fibre speed, per-hop delay and access route factor to measured RTTs (least
        absolute deviations), cross-validate, flag pairs that suggest a missing or unused link."""
        from gpuplace.files import refuse_existing, refuse_inputs, write_json
        from gpuplace.scenario.measured import read_measured
        from gpuplace.topo import read_topology
        from gpuplace.topo.calibrate import calibrate
        from gpuplace.topo.calibration import Calibration, calibration_document
        from gpuplace.topo.measured import LatencyParameters
        from gpuplace.topo.readers import TOPOHUB_PREFIX

        if output is not None:
            topology_file = None if topology.startswith(TOPOHUB_PREFIX) else topology
            refuse_inputs(output, [measured, topology_file], folder=False)
            refuse_existing([output], force=force)
        graph = read_topology(topology)
        table = read_measured(measured, graph)
        table = table.take(table.rtt_ms >= min_rtt_ms)
        base = LatencyParameters(
            fibre_km_per_ms, link_route_factor, per_hop_ms, access_route_factor
        )
        try:
            result = calibrate(graph, table, base, folds=folds, seed=seed)
        except ValueError as error:
            usage_error(f"{measured}: {error}")
        document = calibration_document(result, topology=topology, measured=str(measured))
        if output is not None:
            write_json(output, document)
        if output_format == "json":
            typer.echo(json.dumps(document, indent=2, allow_nan=False))
            return
        fitted = Calibration(result.fitted, result.holdout_residual_ms)
        _print_text(document, {q: fitted.margin_ms(q) for q in MARGIN_PERCENTILES})
        if output is not None:
            console.print(f"wrote {output}", highlight=False)
