"""``gpuplace verify SCENARIO PLAN``: check every rule of a plan against its scenario."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from gpuplace.commands.common import (
    EXIT_NEGATIVE,
    EXIT_OK,
    console,
    finite,
    handles_input_errors,
    warn,
)

__all__ = ["VerifyFormat", "register"]


class VerifyFormat(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    @app.command("verify")
    @handles_input_errors
    def verify(
        scenario: Path = typer.Argument(..., help="Scenario TOML file."),
        plan_path: Path = typer.Argument(..., metavar="PLAN", help="Plan JSON file."),
        set_: list[str] = typer.Option(
            None,
            "--set",
            help="Override a scenario key: KEY=VALUE (repeatable).",
            show_default="none",
        ),
        tolerance: float = typer.Option(
            1e-6,
            "--tolerance",
            help="Relative tolerance of every comparison.",
            min=0.0,
            callback=finite,
        ),
        fmt: VerifyFormat = typer.Option(
            VerifyFormat.text, "--format", "-f", help="Output format."
        ),
    ) -> None:
        """List each violation of the plan; exit 0 when there is none, 1 otherwise."""
        from gpuplace import scenario as scenario_pkg
        from gpuplace.solvers.planio import read_plan
        from gpuplace.solvers.verify import verify_plan

        instance = scenario_pkg.load_instance(scenario, scenario_pkg.parse_set_options(set_ or []))
        plan = read_plan(plan_path)
        same_inputs = plan["scenario"]["sha256"] == instance.sha256
        if not same_inputs:
            warn(
                f"{plan_path} was made for scenario inputs with sha256 "
                f"{plan['scenario']['sha256'][:12]}..., these have {instance.sha256[:12]}..."
            )
        violations = verify_plan(instance, plan, tolerance=tolerance)

        if fmt == VerifyFormat.json:
            report = {
                "valid": not violations,
                "scenario_sha256_matches": same_inputs,
                "violations": [v.as_dict() for v in violations],
            }
            typer.echo(json.dumps(report, indent=2))
        elif violations:
            table = Table(title=f"{len(violations)} violations")
            for column in ("constraint", "subject", "message"):
                table.add_column(column, overflow="fold")
            for v in violations:
                table.add_row(v.constraint, v.subject, v.message)
            console.print(table)
        else:
            console.print(f"{plan_path}: valid, no violations")
        raise typer.Exit(EXIT_NEGATIVE if violations else EXIT_OK)
