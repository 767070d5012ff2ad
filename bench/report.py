"""Write benchmark results: CSV files and marked sections of BENCHMARKS.md."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

from gpuplace.files import write_text

HEADER = """# Benchmarks

Measured by `make bench` (`python -m bench.run --out BENCHMARKS.md`). Each section
below is rewritten between its markers by the run that measured it, with the exact
command that reproduces it and the machine it ran on. Every solve runs in a fresh
worker process (`bench/worker.py`) with a wall-clock limit; per-solve CSVs are in
`bench/results/`. *Baseline* is the plain formulation a user would write (one
continuous variable per region-site pair, `x <= y`, capacity, integer GPUs, no
presolve, built with OR-Tools `pywraplp` and solved by HiGHS; bound and trajectory
read from HiGHS's log) and, for p-median, spopt's `PMedian` with its default CBC.
*gpuplace* is `pipeline.solve_plan(..., solver="fast")` (solve, plan building and
`verify_plan`): every gpuplace plan in these tables passed the independent verifier
unless a row says otherwise.
"""


def write_csv(path: Path, rows: Sequence[dict]) -> None:
    """All rows (union of their keys, in first-seen order) as CSV."""
    fields: dict[str, None] = {}
    for row in rows:
        for key in row:
            fields.setdefault(key, None)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    write_text(path, buffer.getvalue())


def _csv_value(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(round(value, 6))
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def begin_marker(name: str) -> str:
    return f"<!-- bench:{name}:begin -->"


def end_marker(name: str) -> str:
    return f"<!-- bench:{name}:end -->"


def update_sections(path: Path, sections: dict[str, str], order: Sequence[str]) -> None:
    """Replace (or append, in ``order``) the marked sections of ``path``."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    for name in order:
        if name not in sections:
            continue
        block = f"{begin_marker(name)}\n{sections[name].strip()}\n{end_marker(name)}"
        begin, end = begin_marker(name), end_marker(name)
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            _, tail = rest.split(end, 1)
            text = head + block + tail
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    write_text(path, text if text.endswith("\n") else text + "\n")


def fmt_s(value: float | None, limit: float | None = None) -> str:
    """Seconds for a table; ``> limit`` when the target was not reached."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"> {limit:.0f}" if limit is not None else "–"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def fmt_gap(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * value:.2f} %" if value >= 1e-4 else f"{100 * value:.3f} %"


def fmt_ratio(value: float | None, at_least: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{'≥ ' if at_least else ''}{value:.1f}×"
