"""Shared CLI plumbing: consoles, exit codes, error reporting."""

from __future__ import annotations

import functools
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from gpuplace.errors import InputError

EXIT_OK = 0
EXIT_NEGATIVE = 1  # the run worked, the answer is negative (infeasible, fails verify)
EXIT_BAD_INPUT = 2

console = Console()
err_console = Console(stderr=True)


def fail_input(error: InputError) -> None:
    """Print every problem of an input error and exit 2 (no traceback)."""
    for problem in error.problems:
        err_console.print(
            f"[bold red]error:[/] {escape(str(problem))}",
            highlight=False,
            markup=True,
            soft_wrap=True,
        )
    raise typer.Exit(EXIT_BAD_INPUT)


def usage_error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def scenario_files(scenario: Path | None) -> list[Path]:
    """The scenario TOML and the files it names (topology, tables, latency files)."""
    if scenario is None:
        return []
    files = [scenario]
    try:
        document = tomllib.loads(scenario.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return files
    for section, key in (
        ("topology", "file"),
        ("sites", "file"),
        ("regions", "file"),
        ("gpus", "file"),
        ("latency", "matrix"),
        ("latency", "measured"),
        ("latency", "calibration"),
    ):
        table = document.get(section)
        name = table.get(key) if isinstance(table, dict) else None
        if isinstance(name, str) and not name.startswith("topohub:"):
            files.append(scenario.parent / name)
    return files


def refuse_overwriting_inputs(output: Path, inputs: list[Path | None], *, folder: bool) -> None:
    """Exit 2 when ``output`` is one of ``inputs`` or, for a folder output, holds one of them.

    ``--force`` replaces outputs, never inputs: a report folder written over the
    scenario's own folder would delete the scenario.
    """
    target = output.resolve()
    for given in inputs:
        if given is None or not given.exists():
            continue
        source = given.resolve()
        if source == target or (folder and target in source.parents):
            where = "holds" if source != target else "is"
            usage_error(f"{output} {where} the input {given}; inputs are never overwritten")


def handles_input_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for commands: InputError -> message + exit 2; Ctrl-C -> exit 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as error:
            fail_input(error)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def is_terminal() -> bool:
    return sys.stdout.isatty()
