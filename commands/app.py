"""The typer app: every command module registers its commands here.

Built on first import (``gpuplace.cli.main`` imports it after it has taken
charge of Ctrl-C); tests and embedding programs use ``gpuplace.cli.app``.
"""

from __future__ import annotations

import importlib

import typer

import gpuplace
from gpuplace.commands.examples import add_examples
from gpuplace.commands.shutdown import install_exit_handler

__all__ = ["COMMAND_MODULES", "app", "run"]

app = typer.Typer(
    name="gpuplace",
    help="Network-topology and GPU-placement optimiser.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"gpuplace {gpuplace.__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Network-topology and GPU-placement optimiser."""


# Each module in commands/ registers its own command(s).
COMMAND_MODULES = (
    "inspect",
    "convert",
    "datasets",
    "solve",
    "verify",
    "compare",
    "report",
    "sweep",
    "failures",
    "latency",
)

for _module in COMMAND_MODULES:
    try:
        importlib.import_module(f"gpuplace.commands.{_module}").register(app)
    except ModuleNotFoundError as _error:
        if _error.name != f"gpuplace.commands.{_module}":
            raise


add_examples(app)


def run() -> None:
    """Install the exit handler (:mod:`gpuplace.commands.shutdown`) and run the app."""
    install_exit_handler()
    app()
