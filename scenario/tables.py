"""Reading the scenario's CSV tables as text, then converting columns with per-row problems.

Every value is read as text (strict ``csv`` parsing into a pandas frame of
strings) and converted explicitly, so a bad value is reported with its file,
1-based data row and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpuplace import files_read
from gpuplace.errors import InputError, ProblemCollector
from gpuplace.scenario.schema import suggest
from gpuplace.untrusted import NUMBER_PATTERN, excerpt, parse_number

__all__ = [
    "AT_LEAST_ONE",
    "Bounded",
    "Check",
    "MAX_MAGNITUDE",
    "MIN_MAGNITUDE",
    "NON_NEGATIVE",
    "POSITIVE",
    "RANGE_MESSAGE",
    "Table",
    "Test",
    "check_columns",
    "country_code",
    "decode_text",
    "has",
    "in_range",
    "node_indices",
    "numbers",
    "read_bytes",
    "read_table",
    "texts",
    "unique_ids",
]

# Cells made of these characters only are numbers exactly when float() reads them.
_PLAIN_NUMBERS = re.compile(r"[0-9eE+.\-]*")
# Quantities and money in tables (checked with the checks below) lie in the range the
# solvers handle exactly: 0, or a magnitude from 1e-6 to 1e12 (SCENARIO.md, "Numbers").
MIN_MAGNITUDE = 1e-6
MAX_MAGNITUDE = 1e12


# A test reads one number or a whole column at once (an array of booleans back).
Test = Callable[[Any], Any]


@dataclass(frozen=True)
class Bounded:
    """A check on a quantity that also keeps it in the numeric range (MIN/MAX_MAGNITUDE)."""

    test: Test
    message: str

    def __getitem__(self, index: int) -> Any:  # as the (test, message) tuple of Check
        return (self.test, self.message)[index]


Check = tuple[Test, str] | Bounded
NON_NEGATIVE = Bounded(lambda v: v >= 0, "must be >= 0")
POSITIVE = Bounded(lambda v: v > 0, "must be > 0")
AT_LEAST_ONE = Bounded(lambda v: v >= 1, "must be >= 1")
RANGE_MESSAGE = (
    f"is outside the numeric range the solvers handle exactly (0, or {MIN_MAGNITUDE:g} "
    f"to {MAX_MAGNITUDE:g})"
)


def in_range(values: Any) -> Any:
    """Whether values are 0 or of a magnitude in [MIN_MAGNITUDE, MAX_MAGNITUDE] (arrays too).

    >>> in_range(np.array([0.0, 1e-7, 1e-6, 5e11, 2e12])).tolist()
    [True, False, True, True, False]
    """
    size = np.abs(values)
    return (size == 0) | ((size >= MIN_MAGNITUDE) & (size <= MAX_MAGNITUDE))


@dataclass(frozen=True, eq=False)
class Table:
    """A CSV file read as text: ``frame`` holds stripped strings, ``rows`` the 1-based row numbers."""

    file: str
    frame: pd.DataFrame
    rows: np.ndarray
    data: bytes

    def __len__(self) -> int:
        return len(self.frame)

    def where(self, i: int, column: str) -> str:
        return f"row {int(self.rows[i])}, column {column}"


def read_bytes(path: Path, problems: ProblemCollector) -> bytes | None:
    """The bytes of an input file within the size guard; None (and a problem) if unusable."""
    try:
        return files_read.read_bytes(path)
    except InputError as error:
        problems.problems.extend(error.problems)
        return None


def decode_text(data: bytes, file: str, problems: ProblemCollector) -> str | None:
    """UTF-8 text (a byte-order mark is allowed); None (and a problem) otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(
            file,
            "",
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
        )
        return None


def _records(text: str, file: str, problems: ProblemCollector) -> list[list[str]] | None:
    if not _may_hold_spaces(text):
        # plain ASCII, no quotes, no control characters: csv would split exactly like this
        return [line.split(",") if line else [] for line in text.splitlines()]
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        return list(reader)
    except csv.Error as error:
        problems.add(file, f"line {reader.line_num}", f"is not valid CSV: {error}")
        return None


def _header(names: list[str], file: str, problems: ProblemCollector) -> bool:
    ok = True
    for i, name in enumerate(names):
        if not name:
            problems.add(file, f"column {i + 1}", "column has no name in the header")
            ok = False
        elif names.index(name) != i:
            shown = excerpt(name)
            problems.add(file, f"column {shown}", f"column '{shown}' appears more than once")
            ok = False
    return ok


def read_table(path: Path, problems: ProblemCollector) -> Table | None:
    """Read a CSV file as stripped text.

    Blank rows are skipped but keep their row number; short rows are padded
    with empty cells; a row with more cells than the header is a problem.
    """
    file = str(path)
    data = read_bytes(path, problems)
    if data is None:
        return None
    text = decode_text(data, file, problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(file, "", "file is empty")
        return None
    records = _records(text, file, problems)
    if records is None:
        return None
    names = [name.strip() for name in records[0]]
    ok = _header(names, file, problems)
    width = len(names)
    if ok:
        fast = _regular_table(records, names, file, data, needs_strip=_may_hold_spaces(text))
        if fast is not None:
            return fast
    kept, rows = [], []
    for number, record in enumerate(records[1:], start=1):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if len(cells) > width:
            problems.add(
                file, f"row {number}", f"has {len(cells)} values, the header has {width} columns"
            )
            ok = False
            continue
        kept.append(cells + [""] * (width - len(cells)))
        rows.append(number)
    if not ok:
        return None
    frame = pd.DataFrame(kept, columns=names, dtype=object)
    return Table(file=file, frame=frame, rows=np.asarray(rows, dtype=np.int64), data=data)


def _may_hold_spaces(text: str) -> bool:
    """Whether any cell could start or end with whitespace (else stripping changes nothing)."""
    if not text.isascii() or '"' in text:
        return True
    if any(c in text for c in " \t\x0b\x0c\x1c\x1d\x1e\x1f"):
        return True
    return text.count("\r") != text.count("\r\n")


def _regular_table(
    records: list[list[str]], names: list[str], file: str, data: bytes, needs_strip: bool
):
    """The table in whole-column operations when every row is blank or has the header's width.

    Same result as the row-by-row path of :func:`read_table` (which handles the rest).
    """
    width = len(names)
    body = records[1:]
    lengths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    if width == 0 or not np.all((lengths == width) | (lengths == 0)):
        return None
    numbers = np.flatnonzero(lengths == width) + 1
    frame = pd.DataFrame(
        [body[n - 1] for n in numbers] if numbers.size < len(body) else body,
        columns=names,
        dtype=object,
    )
    blank = np.ones(len(frame), dtype=bool)
    for name in names:
        column = frame[name].str.strip() if needs_strip else frame[name]
        frame[name] = column
        blank &= (column == "").to_numpy()
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        numbers = numbers[~blank]
    return Table(file=file, frame=frame, rows=numbers.astype(np.int64), data=data)


def check_columns(
    table: Table,
    required: Sequence[str],
    optional: Sequence[str],
    problems: ProblemCollector,
    extra_ok: Callable[[str], bool] = lambda name: False,
) -> bool:
    """Report missing required and unknown columns (with the closest known name)."""
    present = list(table.frame.columns)
    known = list(required) + list(optional)
    unknown = [c for c in present if c not in known and not extra_ok(c)]
    if required and len(unknown) == len(present):
        # nothing in the header is a column of this table: do not echo the file's first line
        problems.add(
            table.file,
            "",
            f"is not a table of this kind: its header names none of the columns {', '.join(known)}",
        )
        return False
    ok = True
    for name in required:
        if name not in present:
            near = suggest(name, [excerpt(c) for c in unknown])
            hint = (
                near.replace("did you mean", "found").replace("'?)", "': misspelt?)")
                if near
                else ""
            )
            problems.add(table.file, f"column {name}", f"missing required column '{name}'{hint}")
            ok = False
    for name in unknown:
        shown = excerpt(name)
        problems.add(
            table.file, f"column {shown}", f"unknown column '{shown}'{suggest(name, known)}"
        )
    if ok and len(table) == 0:
        problems.add(table.file, "", "has a header but no data rows")
        ok = False
    return ok


def has(table: Table, column: str) -> bool:
    return column in table.frame.columns


def texts(table: Table, column: str) -> list[str]:
    """A column as stripped strings (empty strings where absent)."""
    if not has(table, column):
        return [""] * len(table)
    return list(table.frame[column])


def numbers(
    table: Table,
    column: str,
    problems: ProblemCollector,
    *,
    default: float | None = None,
    check: Check | None = None,
    integer: bool = False,
) -> np.ndarray:
    """A column as floats; ``default`` fills empty cells (None: a value is required).

    A number is ASCII decimal or scientific notation only
    (:func:`gpuplace.untrusted.parse_number`: ``1_2``, ``１２`` and ``٥٠`` are
    not numbers). Text, NaN, inf, values failing ``check`` and (with
    ``integer``) fractions are problems naming the row and column; their cells
    become NaN.
    """
    out = np.full(len(table), np.nan)
    raws = texts(table, column)
    if has(table, column) and len(raws):
        # whole column at once; the rows it cannot vouch for get the row-by-row checks below
        cells = table.frame[column]
        try:  # float() on every cell, in one C loop
            parsed = np.asarray(cells.to_numpy(), dtype=np.float64)
        except (TypeError, ValueError):
            parsed = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
        good = np.isfinite(parsed)
        if not _PLAIN_NUMBERS.fullmatch("".join(raws)):  # float() also reads 1_2, ١٢, " 1"
            good &= cells.str.fullmatch(NUMBER_PATTERN).fillna(False).to_numpy(dtype=bool)
        if integer:
            good &= np.floor(parsed) == parsed
        if check is not None:
            good &= np.asarray(check[0](np.where(good, parsed, 0.0)), dtype=bool)
            if isinstance(check, Bounded):
                good &= np.asarray(in_range(np.where(good, parsed, 0.0)), dtype=bool)
        out[good] = parsed[good]
        suspects = np.flatnonzero(~good)
    else:
        suspects = np.arange(len(raws))
    for i in suspects.tolist():
        raw = raws[i]
        if raw == "":
            if default is None:
                problems.add(table.file, table.where(i, column), "is empty, a number is required")
            else:
                out[i] = default
            continue
        value = parse_number(raw)
        if value is None and raw.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            value = math.nan
        if value is None:
            problems.add(
                table.file,
                table.where(i, column),
                f"'{excerpt(raw)}' is not a number (ASCII digits, '.', 'e': 1234.5, 1.2e6)",
            )
            continue
        if not math.isfinite(value):
            problems.add(
                table.file, table.where(i, column), f"'{excerpt(raw)}' is not a finite number"
            )
            continue
        if integer and not value.is_integer():
            problems.add(table.file, table.where(i, column), f"'{excerpt(raw)}' is not an integer")
            continue
        if check is not None and not check[0](value):
            problems.add(table.file, table.where(i, column), f"{check[1]}, got {excerpt(raw)}")
            continue
        if isinstance(check, Bounded) and not in_range(value):
            problems.add(table.file, table.where(i, column), f"{excerpt(raw)} {RANGE_MESSAGE}")
            continue
        out[i] = value
    return out


def unique_ids(table: Table, column: str, problems: ProblemCollector) -> list[str]:
    """A required id column: non-empty and unique."""
    ids = texts(table, column)
    first: dict[str, int] = {}
    for i, value in enumerate(ids):
        if not value:
            problems.add(table.file, table.where(i, column), "is empty, an id is required")
        elif value in first:
            problems.add(
                table.file,
                table.where(i, column),
                f"duplicate {column} '{excerpt(value)}' (first at row {int(table.rows[first[value]])})",
            )
        else:
            first[value] = i
    return ids


def country_code(
    table: Table, i: int, column: str, raw: str, problems: ProblemCollector
) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper-cased; None (and a problem) if not two letters."""
    code = raw.strip()
    if len(code) == 2 and code.isascii() and code.isalpha():
        return code.upper()
    problems.add(
        table.file, table.where(i, column), f"'{excerpt(raw)}' is not a two-letter country code"
    )
    return None


def node_indices(
    table: Table,
    column: str,
    node_index: dict[str, int] | None,
    problems: ProblemCollector,
    *,
    required: bool,
) -> np.ndarray:
    """Topology node index of each row (-1 when empty or unknown)."""
    out = np.full(len(table), -1, dtype=np.int64)
    for i, name in enumerate(texts(table, column)):
        if not name:
            if required:
                problems.add(
                    table.file, table.where(i, column), "is empty, a topology node is required"
                )
            continue
        if node_index is None:
            continue
        if name in node_index:
            out[i] = node_index[name]
        else:
            hint = suggest(name, list(node_index)) if len(node_index) <= 5000 else ""
            problems.add(
                table.file,
                table.where(i, column),
                f"node '{excerpt(name)}' is not in the topology{hint}",
            )
    return out
