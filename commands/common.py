"""Shared CLI plumbing: consoles that print data as data, exit codes, error reporting."""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console, ConsoleDimensions
from rich.text import Text

from gpuplace.commands.quit import QUIT_EXIT_STATUS
from gpuplace.errors import InputError
from gpuplace.untrusted import terminal_text

__all__ = [
    "DataConsole",
    "EXIT_BAD_INPUT",
    "EXIT_NEGATIVE",
    "EXIT_OK",
    "MAX_MESSAGE_CHARS",
    "PIPED_WIDTH",
    "TextOrJson",
    "console",
    "err_console",
    "fail_input",
    "finite",
    "handles_input_errors",
    "is_terminal",
    "labelled",
    "usage_error",
    "warn",
]

EXIT_OK = 0
EXIT_NEGATIVE = 1  # the run worked, the answer is negative (infeasible, fails verify)
EXIT_BAD_INPUT = 2
# Width of text written to a pipe or file: wide enough that no table is ever cut or
# wrapped (a table is as wide as its content; nothing is padded to this width).
PIPED_WIDTH = 100_000


class TextOrJson(StrEnum):
    """``--format`` of commands that print text or JSON."""

    text = "text"
    json = "json"


# Longest problem line printed: a file's content never floods the terminal.
MAX_MESSAGE_CHARS = 400


class DataConsole(Console):
    """A rich console for text that holds data (ids, names, file content, messages).

    Strings are never read as rich markup (``[/x]`` in an id printed as is, not a
    crash) nor emoji codes (``:smile:``), and every control character, line
    separator and bidirectional override is shown as an escape
    (:func:`gpuplace.untrusted.terminal_text`): a site id cannot clear the screen.
    Styling is given explicitly, as :class:`rich.text.Text` or ``style=``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    @property
    def size(self) -> ConsoleDimensions:
        """The terminal's size; to a pipe or file (no ``COLUMNS`` set) :data:`PIPED_WIDTH` wide.

        Rich writes 80 columns when output is not a terminal, which cut tables
        (``unserv…``) in ``gpuplace solve ... | cat`` and in files.
        """
        dimensions = super().size
        if self._width is None and not self.is_terminal and "COLUMNS" not in os.environ:
            return ConsoleDimensions(PIPED_WIDTH, dimensions.height)
        return dimensions

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs.update(markup=False, emoji=False)
        return super().render_str(terminal_text(text), **kwargs)

    def status(self, status: Any, **kwargs: Any) -> Any:
        """A spinner whose text is plain (rich would read a string as markup)."""
        if isinstance(status, str):
            status = Text(terminal_text(status))
        return super().status(status, **kwargs)


console = DataConsole()
err_console = DataConsole(stderr=True)


def labelled(label: str, style: str, message: str) -> Text:
    """``label`` in ``style``, then ``message`` as plain, escaped text.

    >>> labelled("error:", "bold red", "bad [/x] id").plain
    'error: bad [/x] id'
    """
    return Text.assemble((label, style), " ", terminal_text(message))


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 1] + "…"


def warn(message: str) -> None:
    """Print ``warning: message`` on standard error."""
    err_console.print(labelled("warning:", "bold yellow", message), soft_wrap=True)


def fail_input(error: InputError) -> None:
    """Print every problem of an input error and exit 2 (no traceback)."""
    for problem in error.problems:
        err_console.print(labelled("error:", "bold red", _short(str(problem))), soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def usage_error(message: str) -> None:
    err_console.print(labelled("error:", "bold red", _short(message)), soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def finite(value: float | None) -> float | None:
    """Typer callback: a number option must be finite (``inf`` and ``nan`` are refused).

    The same numbers are refused in the scenario TOML (``solver.time_limit_s = inf``).
    """
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"must be a finite number, got {value}")
    return value


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
            raise typer.Exit(QUIT_EXIT_STATUS) from None

    return wrapper


def is_terminal() -> bool:
    return sys.stdout.isatty()
