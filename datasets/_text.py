"""Text shared by the dataset writers: CSV, TOML and numbers that read back exactly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import tomli_w

__all__ = ["csv_text", "fmt", "toml_text"]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with LF line endings (stable bytes on every platform)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def toml_text(data: dict, header: str = "") -> str:
    """A TOML document with an optional leading comment block."""
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comment + tomli_w.dumps(data)


def fmt(value: float) -> str:
    """Shortest text that reads back as the same float; integers without a decimal point.

    Examples
    --------
    >>> fmt(7500.0), fmt(0.1), fmt(1e-6), fmt(2.5e15)
    ('7500', '0.1', '1e-06', '2500000000000000.0')
    """
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)
