"""gpuplace command line: parses, calls the library, prints. See ``gpuplace --help``."""

from __future__ import annotations

import importlib

import typer

from gpuplace.commands.shutdown import install_exit_handler

app = typer.Typer(
    name="gpuplace",
    help="Network-topology and GPU-placement optimiser.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

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


def main() -> None:
    install_exit_handler()
    app()


if __name__ == "__main__":
    main()
