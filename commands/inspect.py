"""``gpuplace inspect``: describe a scenario or a topology, and report what is wrong with it."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gpuplace.commands.common import TextOrJson, console, handles_input_errors, usage_error, warn
from gpuplace.untrusted import terminal_text

__all__ = ["register"]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _pairs_table(title: str, rows: list[tuple[str, Any]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    for label, value in rows:
        table.add_row(label, _fmt(value))
    return table


def _stats_rows(prefix: str, stats: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{prefix} {k}", v) for k, v in stats.items() if k not in ("pairs", "sampled")]


def _print_topology(report: dict[str, Any]) -> None:
    components = report["components"]
    rows = [
        ("source", report["source"]),
        ("nodes", report["nodes"]),
        ("links", report["links"]),
        ("nodes by kind", ", ".join(f"{k} {v}" for k, v in report["nodes_by_kind"].items())),
        ("components", components["count"]),
        ("largest component", components["sizes"][0] if components["sizes"] else None),
        ("nodes without coordinates", report["nodes_without_coordinates"]),
        ("links without capacity", report["links_without_capacity"]),
        ("links without latency", report["links_without_latency"]),
        ("total capacity (Gbit/s)", report["total_capacity_gbps"]),
        *_stats_rows("link latency (ms)", report["link_latency_ms"]),
        *_stats_rows("node-to-node latency (ms)", report["node_latency_ms"]),
        ("diameter (ms)", report["diameter_ms"]),
    ]
    console.print(_pairs_table("Topology", rows))


def _print_scenario(report: dict[str, Any]) -> None:
    title = Text.assemble((terminal_text(report["name"]), "bold"), f"\nsha256 {report['sha256']}")
    console.print(Panel(title, expand=False))
    sizes = report["sizes"]
    console.print(_pairs_table("Sizes", list(sizes.items())))
    _print_topology(report["topology"])
    reach = report["coverage"]["sites_in_reach"]
    missing = report["regions_without_site"]
    shown = ", ".join(missing["ids"][:10]) + (" …" if missing["count"] > 10 else "")
    rows = [
        *[(f"sites in reach per region, {k}", v) for k, v in reach.items()],
        ("regions with no site in reach", missing["count"]),
        ("  their demand", missing["demand"]),
        ("  ids", shown or None),
        *_stats_rows("RTT to nearest site (ms)", report["nearest_rtt_ms"]),
    ]
    console.print(_pairs_table("Reach", rows))
    capacity, budget = report["capacity"], report["budget"]
    rows = [
        ("total demand", capacity["total_demand"]),
        ("max throughput (power, space)", capacity["total_max_throughput"]),
        ("  x max_utilisation", capacity["usable_max_throughput"]),
        ("  enough", capacity["enough"]),
        ("best throughput per kW", capacity["best_throughput_per_kw_type"]),
        ("budget", budget["budget"]),
        ("max throughput within budget", budget["max_throughput_within_budget"]),
        ("  best throughput per cost", budget["best_throughput_per_cost_type"]),
        ("  enough", budget["enough"]),
    ]
    console.print(_pairs_table("Capacity and budget", rows))
    _print_latency(report.get("latency"))
    for warning in report["warnings"]:
        warn(warning)


def _print_latency(latency: dict[str, Any] | None) -> None:
    if latency is None:
        return
    rows: list[tuple[str, Any]] = []
    calibration = latency["calibration"]
    if calibration is not None:
        model = calibration["model"]
        rows += [
            ("calibration", calibration["file"]),
            ("  fibre_km_per_ms", model["fibre_km_per_ms"]),
            ("  per_hop_ms", model["per_hop_ms"]),
            ("  access_route_factor", model["access_route_factor"]),
            ("  held-out pairs", calibration["holdout_pairs"]),
        ]
    if latency["sla_margin_percentile"] is not None:
        rows.append(
            (f"SLA margin at p{latency['sla_margin_percentile']:g} (ms)", latency["sla_margin_ms"])
        )
    rows.append(("measured region-site pairs", latency["measured_pairs"]))
    stats = latency["predicted_vs_measured"]
    if stats is not None:
        rows += [
            (f"  predicted / measured, {k}", stats[k])
            for k in ("median_ratio", "p10_ratio", "p90_ratio")
        ]
        rows += [
            ("  |predicted - measured| median (ms)", stats["median_abs_ms"]),
            ("  |predicted - measured| p90 (ms)", stats["p90_abs_ms"]),
        ]
    console.print(_pairs_table("Latency: model against measurements", rows))


def register(app: typer.Typer) -> None:
    @app.command("inspect")
    @handles_input_errors
    def inspect(
        path: str = typer.Argument(..., help="A scenario .toml, a topology file or topohub:KEY."),
        set_: list[str] = typer.Option(
            [],
            "--set",
            help="Override a scenario key: --set constraints.budget=2e8.",
            show_default="none",
        ),
        output_format: TextOrJson = typer.Option(
            TextOrJson.text, "--format", "-f", help="Output format."
        ),
    ) -> None:
        """Sizes, reach, capacity, budget and latency of a scenario; or a topology summary."""
        from gpuplace.scenario import inspect_scenario, load_instance, parse_set_options
        from gpuplace.topo import inspect_topology, read_topology

        if path.lower().endswith(".toml"):
            instance = load_instance(path, parse_set_options(set_))
            report = inspect_scenario(instance)
        else:
            if set_:
                usage_error("--set applies to scenarios (.toml), not to topology files")
            report = inspect_topology(read_topology(path))
        if output_format == "json":
            typer.echo(json.dumps(report, indent=2, allow_nan=False))
        elif "sizes" in report:
            _print_scenario(report)
        else:
            _print_topology(report)
