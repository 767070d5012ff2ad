"""``gpuplace datasets``: list the bundled datasets, (re)build generated ones."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from gpuplace.commands.common import finite, handles_input_errors

__all__ = ["DATASETS", "ListFormat", "register"]

DATASETS = (
    ("apac", "bundled", "APAC demo: 41 metros, 234 regions, 3 GPU types (datasets/apac/)"),
    ("world", "generated", "TopoHub backbone/world: every City node a site, N largest cities"),
)


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


def register(app: typer.Typer) -> None:
    datasets_app = typer.Typer(
        name="datasets", help="Bundled and generated datasets.", no_args_is_help=True
    )
    build_app = typer.Typer(name="build", help="Generate a dataset.", no_args_is_help=True)
    datasets_app.add_typer(build_app, name="build")
    app.add_typer(datasets_app, name="datasets")

    @datasets_app.command("list")
    def list_datasets(
        output_format: ListFormat = typer.Option(
            ListFormat.text, "--format", "-f", help="Output format."
        ),
    ) -> None:
        """List the datasets and where the bundled one lives."""
        from gpuplace.datasets.apac import build as apac

        rows = [
            {
                "name": name,
                "kind": kind,
                "description": text,
                "path": str(apac.HERE / "scenario.toml") if name == "apac" else "",
            }
            for name, kind, text in DATASETS
        ]
        if output_format == "json":
            typer.echo(json.dumps(rows, indent=1))
        elif output_format == "csv":
            typer.echo("name,kind,path")
            for row in rows:
                typer.echo(f"{row['name']},{row['kind']},{row['path']}")
        else:
            for row in rows:
                where = f"  {row['path']}" if row["path"] else ""
                typer.echo(f"{row['name']:6} {row['kind']:9} {row['description']}{where}")

    @build_app.command("apac")
    @handles_input_errors
    def build_apac(
        out_dir: Path = typer.Option(..., "-o", "--output", help="Output folder."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing outputs."),
    ) -> None:
        """Regenerate the bundled APAC scenario into a folder (needs the data extra)."""
        from gpuplace.datasets.apac.build import build

        path = build(out_dir, force=force)
        typer.echo(str(path))

    @build_app.command("world")
    @handles_input_errors
    def build_world(
        regions: int = typer.Option(..., "--regions", min=1, help="Number of user regions."),
        seed: int = typer.Option(0, "--seed", min=0, help="Seed of the site noise."),
        out_dir: Path = typer.Option(..., "-o", "--output", help="Output folder."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing outputs."),
        latency_weight: float = typer.Option(
            100.0,
            "--latency-weight",
            min=0.0,
            help="Cost per demand unit x ms of RTT.",
            callback=finite,
        ),
        budget: float | None = typer.Option(
            None,
            "--budget",
            min=0.0,
            help="Total cost limit.",
            callback=finite,
            show_default="derived from demand",
        ),
    ) -> None:
        """Generate a world-scale scenario on TopoHub backbone/world (needs the data extra)."""
        from gpuplace.datasets.world import build_world as build

        path = build(
            regions, seed, out_dir, force=force, latency_weight=latency_weight, budget=budget
        )
        typer.echo(str(path))
