"""``gpuplace sweep SCENARIO --vary KEY=V1,V2,...``: many solves on Dask, results and Pareto front."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from gpuplace.commands.common import (
    EXIT_NEGATIVE,
    console,
    err_console,
    finite,
    handles_input_errors,
    is_terminal,
    warn,
)

if TYPE_CHECKING:
    from gpuplace.planning.sweep import SweepResult

__all__ = ["SweepFormat", "VARY_HELP", "failed_cases", "register"]

VARY_HELP = (
    "A scenario key and its values, repeatable (the cases are the cartesian product). "
    "Values: V1,V2,... ; LO:HI:N = N values evenly spaced from LO to HI inclusive "
    "(constraints.budget=1e8:5e8:5); LO..HI or LO..HI..STEP = integers (constraints.max_sites=2..8..2)."
)


class SweepFormat(StrEnum):
    text = "text"
    json = "json"


def _show_dashboard(link: str) -> None:
    err_console.print(f"Dask dashboard: {link}", highlight=False, soft_wrap=True)


def failed_cases(result: SweepResult) -> list[dict[str, str]]:
    """Each case that ended in error: its key, varied values and the reason."""
    return [
        {
            "case": str(row.get("case", "")),
            "values": ", ".join(f"{k}={row.get(k)}" for k in result.vary_keys),
            "error": str(row.get("error") or ""),
        }
        for row in result.rows
        if row.get("status") == "error"
    ]


def _table(result: SweepResult) -> Table:
    """The text summary: one row per case, its error's reason in full."""
    table = Table()
    columns = (*result.vary_keys, "status", "objective", "total_cost", "mean_rtt_ms", "error")
    for column in (*columns, "pareto"):
        wide = column == "error"
        table.add_column(column, no_wrap=not wide, overflow="fold" if wide else "ellipsis")
    for row, optimal in zip(result.rows, result.pareto, strict=True):
        cells = [
            "" if v is None else f"{v:,.6g}" if isinstance(v, float) else str(v)
            for v in (row.get(c) for c in columns)
        ]
        table.add_row(*cells, "yes" if optimal else "")
    return table


def register(app: typer.Typer) -> None:
    @app.command("sweep")
    @handles_input_errors
    def sweep(
        scenario: Path = typer.Argument(..., help="Scenario TOML file."),
        vary: list[str] = typer.Option(..., "--vary", help=VARY_HELP),
        out_dir: Path | None = typer.Option(
            None,
            "--output",
            "-o",
            help="Output folder.",
            show_default="sweep-<scenario name>",
        ),
        set_: list[str] = typer.Option(
            [],
            "--set",
            help="Override a key in every case: --set constraints.max_sites=6.",
            show_default="none",
        ),
        solver: str | None = typer.Option(
            None,
            "--solver",
            help="Solver of every case.",
            show_default="the scenario's solver.name, else auto",
        ),
        time_limit: float | None = typer.Option(
            None,
            "--time-limit",
            min=0.0,
            help="Time limit per case in seconds.",
            callback=finite,
            show_default="the scenario's solver.time_limit_s, else 60",
        ),
        gap: float | None = typer.Option(
            None,
            "--gap",
            min=0.0,
            help="Relative gap at which to stop.",
            callback=finite,
            show_default="the scenario's solver.gap, else 0.01",
        ),
        threads: int = typer.Option(1, "--threads", min=1, help="Solver threads per case."),
        seed: int | None = typer.Option(
            None, "--seed", help="Solver seed.", show_default="the scenario's solver.seed, else 0"
        ),
        scheduler: str | None = typer.Option(
            None,
            "--scheduler",
            help="Dask scheduler address (tcp://HOST:PORT) or scheduler file.",
            show_default="a local cluster",
        ),
        workers: int | None = typer.Option(
            None,
            "--workers",
            min=1,
            help="Worker processes of the local cluster.",
            show_default="the cores available",
        ),
        pareto: str | None = typer.Option(
            None,
            "--pareto",
            help="Pareto axes X,Y from the result columns or varied keys, each with optional "
            ":min/:max.",
            show_default="total_cost,mean_rtt_ms; served objective: served_fraction",
        ),
        force: bool = typer.Option(
            False, "--force", help="Solve every case again; write into a non-sweep folder."
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
        output_format: SweepFormat = typer.Option(
            SweepFormat.text, "--format", "-f", help="Summary as text or json."
        ),
    ) -> None:
        """Solve the scenario for every combination of --vary values, in parallel on Dask.

        Writes results.csv (one row per case), plans/<case>.json, pareto.csv and
        pareto.png into the output folder. Re-running resumes: cases already
        done are not solved again. A failing case is an 'error' row; the exit
        code is 1 when any case ended in error.
        """
        from gpuplace.planning.sweep import SolverOptions, run_sweep
        from gpuplace.scenario import load_instance, parse_set_options

        base = parse_set_options(set_)
        if out_dir is None:
            out_dir = Path(f"sweep-{load_instance(scenario, base).name}")
        result = run_sweep(
            scenario,
            vary,
            out_dir,
            base_overrides=base,
            options=SolverOptions(
                solver=solver, time_limit_s=time_limit, gap=gap, threads=threads, seed=seed
            ),
            scheduler=scheduler,
            workers=workers,
            force=force,
            progress=is_terminal() and not quiet,
            pareto=pareto,
            on_dashboard=None if quiet else _show_dashboard,
        )
        failed = failed_cases(result)
        summary = {
            "out_dir": str(result.out_dir),
            "cases": len(result.rows),
            "solved": result.solved,
            "reused": result.reused,
            "errors": result.errors,
            "pareto_optimal": sum(result.pareto),
            "pareto_axes": [f"{a.column}:{a.sense}" for a in result.axes],
            "failed_cases": failed,
        }
        if output_format is SweepFormat.json or quiet:
            for case in failed:
                warn(f"case {case['case']} ({case['values']}): {case['error']}")
        if output_format is SweepFormat.json:
            typer.echo(json.dumps(summary, indent=2))
        elif not quiet:
            console.print(_table(result))
            console.print(
                f"{summary['cases']} cases: {result.solved} solved now, {result.reused} reused, "
                f"{result.errors} errors. Results in {result.out_dir}/results.csv",
                highlight=False,
            )
        if result.errors:
            raise typer.Exit(EXIT_NEGATIVE)
