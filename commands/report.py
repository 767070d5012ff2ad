"""``gpuplace report SCENARIO PLAN -o DIR``: map, GeoJSON, CSV tables and plots of a plan."""

from __future__ import annotations

from pathlib import Path

import typer

from gpuplace.commands.common import (
    console,
    handles_input_errors,
    warn,
)
from gpuplace.files import refuse_inputs

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("report")
    @handles_input_errors
    def report(
        scenario: Path = typer.Argument(..., help="Scenario TOML file the plan answers."),
        plan: Path = typer.Argument(..., help="Plan file (JSON)."),
        out_dir: Path = typer.Option(..., "--output", "-o", help="Report folder to write."),
        set_: list[str] = typer.Option(
            [],
            "--set",
            help="Override a scenario key, as for solve: --set constraints.budget=2e8.",
            show_default="none",
        ),
        tiles: str = typer.Option(
            "OpenStreetMap",
            "--tiles",
            help="Map background tiles (folium name), or 'none'. Data layers need no network.",
        ),
        failures: bool = typer.Option(
            False,
            "--failures",
            help="Add a section on the loss of each open site and link (as gpuplace failures).",
        ),
        force: bool = typer.Option(False, "--force", help="Replace an existing non-empty DIR."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success."),
    ) -> None:
        """Write an HTML map, GeoJSON, CSV tables, PNG plots and index.html into DIR."""
        from gpuplace.planning.plans import load_plan
        from gpuplace.planning.report import build_report
        from gpuplace.planning.report.maps import check_tiles
        from gpuplace.scenario import load_instance, parse_set_options

        tile_set = None if tiles.strip().lower() in {"", "none"} else tiles
        check_tiles(tile_set)
        instance = load_instance(scenario, parse_set_options(set_))
        refuse_inputs(out_dir, [*instance.input_files, plan], folder=True)
        loaded = load_plan(plan)
        sections = []
        if failures:
            from gpuplace.planning.failures import analyse_failures, redundancy_guarantee
            from gpuplace.planning.failures_output import failures_section

            impacts = analyse_failures(instance, loaded)
            sections.append(failures_section(impacts, redundancy_guarantee(instance, loaded)))
        result = build_report(
            instance,
            loaded,
            out_dir,
            force=force,
            tiles=tile_set,
            extra_sections=sections,
        )
        for warning in result.warnings:
            warn(warning)
        if not quiet:
            console.print(
                f"wrote {len(result.files)} files to {result.out_dir} "
                f"(open {result.out_dir / 'index.html'})",
                highlight=False,
            )
