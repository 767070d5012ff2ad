"""``gpuplace convert``: topology formats -> node-link JSON; OR-Library files -> scenarios."""

from __future__ import annotations

from pathlib import Path

import typer

from gpuplace.commands.common import console, finite, handles_input_errors, usage_error
from gpuplace.errors import InputError, Problem

__all__ = ["register"]


def _orlib_module():
    """The OR-Library converter, or None when the datasets package does not provide it."""
    try:
        from gpuplace.datasets import orlib
    except ImportError:
        return None
    return orlib


def register(app: typer.Typer) -> None:
    @app.command("convert")
    @handles_input_errors
    def convert(
        input: str = typer.Argument(
            ...,
            metavar="INPUT",
            help="Topology file (.json, .graphml, .gml, SNDlib .txt), "
            "topohub:KEY, or an OR-Library benchmark file.",
        ),
        output: Path = typer.Option(
            ...,
            "-o",
            "--output",
            help="Node-link JSON for a topology; scenario TOML for OR-Library.",
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite existing outputs."),
        capacity: float | None = typer.Option(
            None,
            "--capacity",
            help="OR-Library only: capacity of every site.",
            callback=finite,
            show_default="the benchmark's",
        ),
        uncapacitated: bool = typer.Option(
            False, "--uncapacitated", help="OR-Library only: sites without capacity limit."
        ),
    ) -> None:
        """Convert a topology to node-link JSON, or an OR-Library file to a scenario."""
        from gpuplace.files import refuse_inputs
        from gpuplace.files_read import check_file
        from gpuplace.topo import read_topology, write_node_link
        from gpuplace.topo.readers import TOPOHUB_PREFIX

        is_key = input.startswith(TOPOHUB_PREFIX)
        if not is_key:
            check_file(input)
            refuse_inputs(output, [input], folder=False)
            orlib = _orlib_module()
            if orlib is not None and orlib.is_orlib(Path(input)):
                written = orlib.convert_orlib(
                    Path(input), output, capacity=capacity, uncapacitated=uncapacitated, force=force
                )
                for path in written:
                    console.print(f"wrote {path}", highlight=False, soft_wrap=True)
                return
        if capacity is not None or uncapacitated:
            usage_error("--capacity and --uncapacitated apply to OR-Library files only")
        if output.exists() and not force:
            raise InputError(Problem(str(output), "", "already exists; use --force to overwrite"))
        topology = read_topology(input)
        write_node_link(topology, output, force=force)
        console.print(
            f"wrote {output} ({topology.n_nodes} nodes, {topology.n_edges} links)",
            highlight=False,
            soft_wrap=True,
        )
