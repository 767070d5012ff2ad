"""``gpuplace solve SCENARIO``: solve, verify the answer independently, write the plan."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from gpuplace.commands.common import (
    EXIT_NEGATIVE,
    EXIT_OK,
    console,
    err_console,
    finite,
    handles_input_errors,
    is_terminal,
    labelled,
    usage_error,
    warn,
)
from gpuplace.commands.shutdown import clear_quit, request_quit
from gpuplace.errors import InputError, Problem
from gpuplace.files import refuse_inputs
from gpuplace.planning.money_kpis import bill_rows
from gpuplace.planning.plans import OBJECTIVE_PARTS, STOPPED_BY, objective_parts, stopped_by
from gpuplace.planning.serving_kpis import tier_rows, tier_sites
from gpuplace.planning.time_kpis import time_rows
from gpuplace.solvers.cancel import CancelToken

if TYPE_CHECKING:
    from gpuplace.solvers.plan import Plan

__all__ = [
    "OBJECTIVE_PARTS",
    "STOPPED_BY",
    "SolveFormat",
    "TOP_SITES",
    "interruptible",
    "objective_parts",
    "print_solvers",
    "print_summary",
    "register",
    "run_pipeline",
    "stopped_by",
]

TOP_SITES = 10


class SolveFormat(StrEnum):
    text = "text"
    json = "json"


@contextmanager
def interruptible() -> Iterator[CancelToken]:
    """A cancel token for one solve: the first Ctrl-C cancels it, a second one quits at once.

    The solve stops with its best plan once the token is cancelled; the
    second Ctrl-C raises KeyboardInterrupt (exit 130) and tells the exit
    handler not to wait for solver threads (:func:`gpuplace.commands.shutdown.request_quit`).
    A process that started with SIGINT ignored (a background job of a
    non-interactive shell, ``nohup``) keeps ignoring it.
    """
    token = CancelToken()
    clear_quit()

    def on_sigint(signum: int, frame: Any) -> None:
        if token.cancelled:
            request_quit()
            raise KeyboardInterrupt
        token.cancel()
        err_console.print("stopping: keeping the best plan found so far (Ctrl-C again to quit)")

    try:
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            previous = None  # Ctrl-C at the terminal is not meant for this process
        else:
            previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: no signal handling
        previous = None
    try:
        yield token
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def run_pipeline(instance: Any, solver: str, params: Any, *, spinner: bool) -> Plan:
    """Run :func:`gpuplace.pipeline.solve_plan` in a worker thread so Ctrl-C reaches the
    handler meanwhile; its exceptions are raised here."""
    from gpuplace.pipeline import solve_plan

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["plan"] = solve_plan(instance, solver=solver, params=params)
        except BaseException as error:  # re-raised in the calling thread
            outcome["error"] = error

    worker = threading.Thread(target=work, name="gpuplace-solve", daemon=True)
    status = console.status(f"solving with {solver} ...") if spinner else nullcontext()
    with status:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["plan"]


def _fmt(value: Any, spec: str = ".4g", suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:{spec}}{suffix}"
    return f"{value}{suffix}"


def print_summary(plan: Plan, written: Path | None) -> None:
    """Rich summary: status, why it stopped, the objective and its parts, then the busiest sites."""
    k = plan.kpis
    table = Table(title=f"{plan.scenario.name}: {plan.solver.name}", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    money = (plan.objective_kind or "cost") in ("cost", "profit")
    spec = ",.0f" if money else ".6g"
    rows = [
        ("status", plan.status.value),
        ("stopped by", stopped_by(plan)),
        (f"objective ({plan.objective_kind or 'cost'})", _fmt(plan.objective, spec)),
        *((f"  {label}", _fmt(value, ",.0f")) for label, value in objective_parts(plan)),
        ("bound", _fmt(plan.bound, spec)),
        ("gap", _fmt(plan.gap, ".2%")),
        ("time", _fmt(plan.wall_s, ".2f", " s")),
        ("total cost", _fmt(k.total_cost, ",.0f")),
        ("sites open", _fmt(k.sites_open)),
        ("GPUs", ", ".join(f"{t} {n}" for t, n in k.gpus.items()) or "-"),
        ("served", _fmt(k.served_fraction, ".2%")),
        ("mean RTT", _fmt(k.mean_rtt_ms, ".2f", " ms")),
        ("p95 RTT", _fmt(k.p95_rtt_ms, ".2f", " ms")),
        ("max link utilisation", _fmt(k.max_link_utilisation, ".1%")),
    ]
    rows += bill_rows(plan)  # [money]: the year's bill
    for name, value in rows + time_rows(plan):
        table.add_row(name, value)
    console.print(table)

    sites = sorted(plan.sites, key=lambda s: -s.served_demand)[:TOP_SITES]
    if sites:
        top = Table(title=f"top {len(sites)} of {len(plan.sites)} sites by served demand")
        for column in ("site", "node", "GPUs (new)", "served", "utilisation", "power kW"):
            top.add_column(column, justify="left" if column in ("site", "node") else "right")
        for site in sites:
            gpus = ", ".join(f"{t} {n} (+{site.new_gpus.get(t, 0)})" for t, n in site.gpus.items())
            top.add_row(
                site.id,
                site.node,
                gpus or "-",
                f"{site.served_demand:.4g}",
                f"{site.utilisation:.1%}",
                f"{site.power_kw:.4g}",
            )
        console.print(top)
    _print_tiers(plan)
    if written is not None:
        console.print(f"plan written to {written}")


def _print_tiers(plan: Plan) -> None:
    """Serving models: each model and tier, its TTFT against target and the sites serving it."""
    rows, sites = tier_rows(plan), tier_sites(plan)
    if not rows:
        return
    table = Table(title="models and SLO tiers (TTFT = network RTT + compute)")
    for column in ("model", "tier", "served", "mean TTFT", "p95 TTFT", "target", "mean RTT"):
        table.add_column(column, justify="left" if column in ("model", "tier") else "right")
    table.add_column("main sites (share of tokens/s)")
    for (model, tier), figures in rows.items():
        table.add_row(
            model,
            tier,
            _fmt(figures["served_fraction"], ".1%"),
            _fmt(figures["mean_ttft_ms"], ".0f", " ms"),
            _fmt(figures["p95_ttft_ms"], ".0f", " ms"),
            _fmt(figures["ttft_target_ms"], ".0f", " ms"),
            _fmt(figures["mean_rtt_ms"], ".0f", " ms"),
            ", ".join(f"{site} {share:.0%}" for site, share in sites.get((model, tier), [])),
        )
    console.print(table)


def print_solvers() -> None:
    """Each solver, whether it is installed, and the features it declares."""
    from gpuplace import solvers
    from gpuplace.solvers.backends.registry import BACKENDS

    table = Table(title="solvers")
    table.add_column("name")
    table.add_column("installed")
    features = list(next(iter(BACKENDS.values())).features())
    for feature in features:
        table.add_column(feature.replace("_", " "))
    for name, ok in solvers.available_solvers().items():
        flags = BACKENDS[name].features()
        table.add_row(name, "yes" if ok else "no", *("yes" if flags[f] else "no" for f in features))
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("solve")
    @handles_input_errors
    def solve(
        scenario: Path = typer.Argument(None, help="Scenario TOML file.", show_default=False),
        output: Path = typer.Option(
            None,
            "-o",
            "--output",
            help="Write the plan (JSON) here.",
            show_default="none: the plan is not written",
        ),
        solver: str = typer.Option(
            None,
            "--solver",
            help="auto, cpsat, highs, scip, greedy; 'list' names the installed ones. "
            "Default: the scenario's [solver] name.",
            show_default="the scenario's solver.name, else auto",
        ),
        time_limit: float = typer.Option(
            None,
            "--time-limit",
            help="Seconds.",
            min=0.0,
            callback=finite,
            show_default="the scenario's solver.time_limit_s, else 60",
        ),
        gap: float = typer.Option(
            None,
            "--gap",
            help="Relative optimality gap.",
            min=0.0,
            callback=finite,
            show_default="the scenario's solver.gap, else 0.01",
        ),
        threads: int = typer.Option(
            None,
            "--threads",
            help="Solver threads.",
            min=1,
            show_default="the scenario's solver.threads, else 2",
        ),
        seed: int = typer.Option(
            None, "--seed", help="Random seed.", show_default="the scenario's solver.seed, else 0"
        ),
        set_: list[str] = typer.Option(
            None,
            "--set",
            help="Override a scenario key: KEY=VALUE (repeatable).",
            show_default="none",
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing plan file."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress and no summary."),
        fmt: SolveFormat = typer.Option(SolveFormat.text, "--format", "-f", help="Output format."),
    ) -> None:
        """Solve a scenario, verify the plan independently and write it (-o)."""
        if solver == "list":
            print_solvers()
            raise typer.Exit(EXIT_OK)
        if scenario is None:
            usage_error("missing argument SCENARIO (a scenario TOML file)")
        if output is not None and output.exists() and not force:
            raise InputError(
                [Problem(str(output), "", "already exists (use --force to overwrite)")]
            )

        from gpuplace import scenario as scenario_pkg
        from gpuplace.pipeline import PlanVerificationError, solve_parameters

        overrides = scenario_pkg.parse_set_options(set_ or [])
        instance = scenario_pkg.load_instance(scenario, overrides)
        if output is not None:
            refuse_inputs(output, instance.input_files, folder=False)
        for warning in instance.warnings:
            warn(warning)
        params = solve_parameters(
            instance, time_limit_s=time_limit, gap=gap, threads=threads, seed=seed
        )
        name = solver or instance.solver.name
        spinner = is_terminal() and not quiet and fmt == SolveFormat.text
        try:
            with interruptible() as cancel:
                plan = run_pipeline(instance, name, replace(params, cancel=cancel), spinner=spinner)
        except PlanVerificationError as failed:
            err_console.print(labelled("error:", "bold red", f"{failed}; nothing written"))
            for violation in failed.violations:
                err_console.print(f"  - {violation}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_NEGATIVE) from None

        if not plan.has_decisions:
            if fmt == SolveFormat.json:
                typer.echo(plan.to_json(), nl=False)
            else:
                console.print(labelled("no plan:", "bold red", plan.status.value))
                for line in plan.diagnosis or plan.notes or ():
                    console.print(f"  - {line}", highlight=False, soft_wrap=True)
                if output is not None:
                    console.print("nothing written")
            raise typer.Exit(EXIT_NEGATIVE)

        written = plan.write(output, force=force) if output is not None else None
        if fmt == SolveFormat.json:
            typer.echo(plan.to_json(), nl=False)
        elif not quiet:
            print_summary(plan, written)
