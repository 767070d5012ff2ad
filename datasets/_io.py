"""Atomic file writing and overwrite protection shared by the dataset writers."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import tomli_w

from gpuplace.errors import InputError, Problem


def check_writable(paths: Iterable[Path], *, force: bool) -> None:
    """Refuse to overwrite existing outputs unless ``force``.

    Raises
    ------
    InputError
        One problem per existing file, when ``force`` is False.
    """
    if force:
        return
    problems = [
        Problem(str(path), "", "exists; use --force to overwrite")
        for path in paths
        if Path(path).exists()
    ]
    if problems:
        raise InputError(problems)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` atomically: a temporary file in the same folder, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with LF line endings (stable bytes on every platform)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a CSV table atomically."""
    return write_text(path, csv_text(header, rows))


def write_json(path: Path, data: object) -> Path:
    """Write JSON atomically (sorted keys are not used: node-link order is kept)."""
    return write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def write_toml(path: Path, data: dict, header: str = "") -> Path:
    """Write a TOML document atomically, with an optional leading comment block."""
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return write_text(path, comment + tomli_w.dumps(data))


def fmt(value: float) -> str:
    """Shortest text that reads back as the same float; integers without a decimal point."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)
