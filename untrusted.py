"""Text from input files is data, never code: numbers parsed strictly, text shown and written safely.

The ground floor beside :mod:`gpuplace.errors`: every layer may import it, and it
imports nothing else of gpuplace.

- :func:`parse_number`: a number in a table or a text format is ASCII decimal or
  scientific notation (``12``, ``-0.5``, ``.5``, ``1e8``, ``2.5E-3``) and nothing
  else: ``1_2``, full-width ``１２``, Arabic-Indic ``٥٠``, ``0x10``, ``nan`` and
  ``inf`` are not numbers (Python's ``float()`` reads the first three as 12, 12, 50).
- :func:`terminal_text`: control characters (C0, C1, DEL), Unicode line
  separators and bidirectional overrides are shown as escapes (``\\x1b``,
  ``\\u202e``), so an id cannot move the cursor, clear the screen, set the window
  title or reorder what is printed around it.
- :func:`excerpt`: at most a short, escaped piece of a file in an error message.
- :func:`csv_cell` / :func:`csv_text`: CSV cells that a spreadsheet would run as a
  formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return
  or a line feed) get a leading ``'``; numbers (``-5``, ``-1e3``) are left as
  they are. Control characters in cells are escaped as for the terminal.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "FORMULA_PREFIXES",
    "NUMBER_PATTERN",
    "csv_cell",
    "csv_text",
    "excerpt",
    "is_number_text",
    "parse_number",
    "terminal_text",
]

NUMBER_PATTERN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SEPARATORS = frozenset("\u2028\u2029\x85")
EXCERPT_CHARS = 40


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a number in ASCII decimal or scientific notation.

    >>> [is_number_text(t) for t in ("12", "-.5", "1e8", "1_2", "\\uff11\\uff12", "nan", " 1")]
    [True, True, True, False, False, False, False]
    """
    return _NUMBER.fullmatch(text) is not None


def parse_number(text: str) -> float | None:
    """``text`` (already stripped) as a float, or None when it is not ASCII decimal / scientific.

    The value may overflow to infinity (``1e999``): callers check finiteness.

    >>> parse_number("2.5e3"), parse_number("1_2"), parse_number("\\u0665\\u0660")
    (2500.0, None, None)
    """
    return float(text) if _NUMBER.fullmatch(text) else None


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unsafe(char: str, keep_newlines: bool) -> bool:
    if char == "\n":
        return not keep_newlines
    return unicodedata.category(char) == "Cc" or char in _BIDI or char in _SEPARATORS


def terminal_text(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with every character that could act on a terminal shown as an escape.

    >>> terminal_text("a\\x1b[2Jb\\u202ec")
    'a\\\\x1b[2Jb\\\\u202ec'
    """
    if text.isprintable() and (keep_newlines or "\n" not in text):
        return text
    return "".join(_escaped(c) if _unsafe(c, keep_newlines) else c for c in text)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, escaped piece of file content for a message (``…`` marks a cut).

    >>> excerpt("root:$6$" + "x" * 80)
    'root:$6$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'
    """
    shown = terminal_text(text[: limit * 2], keep_newlines=False)
    return shown if len(shown) <= limit and len(text) <= limit else shown[: limit - 1] + "…"


def csv_cell(value: Any) -> Any:
    """A value as a safe CSV cell: formula-like text gets a leading ``'``; numbers unchanged.

    >>> [csv_cell(v) for v in ("=1+1", "@SUM(A1)", "-5", "-1e3", "-x", "site-1", 3.0)]
    ["'=1+1", "'@SUM(A1)", '-5', '-1e3', "'-x", 'site-1', 3.0]
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES) and not is_number_text(value):
        value = "'" + value
    return terminal_text(value, keep_newlines=False)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (``\\n`` line ends) with every cell, the header too, passed through :func:`csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
