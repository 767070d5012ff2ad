"""Shared CLI plumbing: consoles, exit codes, error reporting."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from scenario.errors import InputError

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
