"""``gpuplace failures SCENARIO PLAN``: impact of losing each site, each link, each SRLG group."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from gpuplace.commands.common import (
    console,
    finite,
    handles_input_errors,
    is_terminal,
    usage_error,
)
from gpuplace.errors import InputError, Problem

__all__ = ["FailuresFormat", "FailuresMode", "register"]


class FailuresFormat(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"


class FailuresMode(StrEnum):
    rehome = "rehome"
    resolve = "resolve"


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _print_text(impacts, guarantee, mode: str, top: int) -> None:
    total = guarantee.demand_total
    breaking = [i for i in impacts if i.unserved_demand > 0]
    console.print(
        f"{len(impacts)} failure cases ({mode}); {len(breaking)} leave demand unserved "
        f"after re-homing.",
        highlight=False,
    )
    console.print(
        f"Demand guaranteed by redundancy alone (k = {guarantee.k}, any one site lost, "
        f"no re-homing): {guarantee.guaranteed_demand:,.6g} of {total:,.6g} "
        f"({guarantee.guaranteed_fraction:.1%}).",
        highlight=False,
    )
    shown = impacts if top <= 0 else impacts[:top]
    table = Table(title="failures, worst first")
    for column in ("kind", "failure"):
        table.add_column(column)
    for column in ("unserved", "unserved %", "kept w/o re-homing", "regions hit", "worst RTT ms"):
        table.add_column(column, justify="right")
    table.add_column("links over capacity", justify="right")
    if mode == "resolve":
        table.add_column("repair cost", justify="right")
        table.add_column("repair")
    serving = any(i.slo_attainment for i in impacts)
    if serving:
        table.add_column("lowest SLO attainment")
    for impact in shown:
        row = [
            impact.kind,
            impact.name,
            f"{impact.unserved_demand:,.4g}",
            f"{impact.unserved_fraction:.1%}",
            f"{impact.kept_demand / total:.1%}" if total > 0 else "-",
            str(len(impact.affected_regions)),
            _fmt(impact.worst_rtt_ms, ".1f"),
            str(len(impact.overloaded_links)),
        ]
        if mode == "resolve":
            added = ", ".join(
                f"{site} +{n} {t}"
                for site, counts in impact.repair_gpus.items()
                for t, n in counts.items()
            )
            row += [_fmt(impact.repair_cost, ",.0f"), added or (impact.repair_status or "-")]
        if serving:
            worst = sorted(impact.slo_attainment.items(), key=lambda kv: (kv[1], kv[0]))
            row.append(", ".join(f"{k} {v:.0%}" for k, v in worst[:3]) or "-")
        table.add_row(*row)
    console.print(table)
    if len(shown) < len(impacts):
        console.print(f"(worst {len(shown)} of {len(impacts)}; --top 0 shows all)")


def register(app: typer.Typer) -> None:
    @app.command("failures")
    @handles_input_errors
    def failures(
        scenario: Path = typer.Argument(..., help="Scenario TOML file the plan answers."),
        plan: Path = typer.Argument(..., help="Plan file (JSON)."),
        mode: FailuresMode = typer.Option(
            FailuresMode.rehome,
            "--mode",
            help="rehome: demand lost when traffic moves to the surviving GPUs; "
            "resolve: also the cheapest repair (GPUs to add, sites to open).",
        ),
        srlg: Path = typer.Option(
            None,
            "--srlg",
            help="Shared-risk link groups: CSV with columns group,source,target, or a JSON "
            "object mapping each group to a list of (source, target) node pairs.",
            show_default="none",
        ),
        output_format: FailuresFormat = typer.Option(
            FailuresFormat.text, "--format", "-f", help="text (table), csv or json."
        ),
        output: Path = typer.Option(
            None,
            "-o",
            "--output",
            help="Write the csv/json output here.",
            show_default="none: printed",
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
        scheduler: str = typer.Option(
            None, "--scheduler", help="Dask scheduler address.", show_default="local"
        ),
        workers: int = typer.Option(
            None,
            "--workers",
            help="Processes of a local Dask cluster (1: in-process).",
            show_default="in-process for rehome, one per core for resolve",
        ),
        set_: list[str] = typer.Option(
            [],
            "--set",
            help="Override a scenario key, as for solve: --set constraints.budget=2e8.",
            show_default="none",
        ),
        sites: bool = typer.Option(True, "--sites/--no-sites", help="Single-site failures."),
        links: bool = typer.Option(True, "--links/--no-links", help="Single-link failures."),
        failover: bool = typer.Option(
            False,
            "--failover",
            help="Re-home as survive_site_failure does: within sla_rtt_ms x "
            "failover_sla_factor, link capacities not enforced.",
        ),
        solver: str = typer.Option("auto", "--solver", help="Backend for --mode resolve."),
        time_limit: float = typer.Option(
            None,
            "--time-limit",
            min=0.0,
            help="Seconds per repair solve (resolve).",
            show_default="the scenario's solver.time_limit_s, else 60",
            callback=finite,
        ),
        top: int = typer.Option(30, "--top", help="Rows in the text table (0: all)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    ) -> None:
        """Impact of losing each open site, each link and each SRLG group, worst first.

        The text output also reports the demand the plan keeps after losing any one
        site without re-homing: what ``redundancy = k`` guarantees.
        """
        from gpuplace.files import refuse_inputs, write_text
        from gpuplace.planning.failures import analyse_failures, redundancy_guarantee
        from gpuplace.planning.failures_output import failures_csv, failures_json
        from gpuplace.planning.plans import load_plan
        from gpuplace.resilience.failure_cases import load_srlg
        from gpuplace.scenario import load_instance, parse_set_options

        chosen = output_format
        if output is not None:
            if output.exists() and not force:
                raise InputError(
                    [Problem(str(output), "", "already exists (use --force to overwrite)")]
                )
            if chosen is FailuresFormat.text:
                suffix = output.suffix.lower().lstrip(".")
                if suffix not in ("csv", "json"):
                    usage_error("-o needs --format csv or json (or a .csv / .json file name)")
                chosen = FailuresFormat(suffix)
        instance = load_instance(scenario, parse_set_options(set_))
        if output is not None:
            refuse_inputs(output, [*instance.input_files, plan, srlg], folder=False)
        loaded = load_plan(plan)
        groups = load_srlg(srlg) if srlg is not None else None
        params = None
        if mode is FailuresMode.resolve:
            from gpuplace.pipeline import solve_parameters

            params = solve_parameters(instance, time_limit_s=time_limit)
        impacts = analyse_failures(
            instance,
            loaded,
            mode=mode.value,
            srlg=groups,
            sites=sites,
            links=links,
            scheduler=scheduler,
            workers=workers,
            progress=is_terminal() and not quiet,
            solver=solver,
            params=params,
            srlg_source=str(srlg) if srlg is not None else "srlg",
            failover=failover,
        )
        guarantee = redundancy_guarantee(instance, loaded)
        if chosen is FailuresFormat.text:
            _print_text(impacts, guarantee, mode.value, top)
            return
        if chosen is FailuresFormat.csv:
            text = failures_csv(impacts)
        else:
            text = failures_json(impacts, guarantee, mode=mode.value, scenario=instance.name)
        if output is not None:
            write_text(output, text)
            if not quiet:
                console.print(f"wrote {len(impacts)} failure cases to {output}", highlight=False)
        else:
            typer.echo(text, nl=False)
