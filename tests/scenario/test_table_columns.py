"""Whole-column reading gives exactly what reading cell by cell gives.

The reference here is written from the documented rules (csv module, stripped
cells, blank rows skipped but counted, a number is ASCII decimal or scientific
notation read with ``float()``), independent of :mod:`scenario.tables`.
"""

from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.regions import read_matrix
from gpuplace.scenario.tables import NON_NEGATIVE, numbers, read_table

CELLS = st.sampled_from(
    ["1", "2.5", " 3 ", "1e3", "1_000", "-4", "0", "", "  ", "abc", "nan", "inf", "7.0", '"8"']
    + ["\uff11\uff12", "\u0661\u0662", "0x10", ".5", "5.", "+2", "1e", "Infinity", "1e400"]
)
DECIMAL = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")


def reference(text: str) -> tuple[list[str], list[list[str]], list[int]]:
    rows = list(csv.reader(io.StringIO(text), strict=True))
    header = [c.strip() for c in rows[0]]
    kept, numbers_ = [], []
    for number, row in enumerate(rows[1:], start=1):
        cells = [c.strip() for c in row]
        if any(cells):
            kept.append(cells + [""] * (len(header) - len(cells)))
            numbers_.append(number)
    return header, kept, numbers_


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(CELLS, min_size=2, max_size=2), min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_table_and_numbers_match_cell_by_cell(tmp_path_factory, rows, newline, blank_line):
    lines = ["a,b"] + [",".join(r) for r in rows]
    if blank_line:
        lines.insert(2, "")
    text = newline.join(lines) + newline
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_bytes(text.encode())
    problems = ProblemCollector()
    table = read_table(path, problems)
    header, kept, row_numbers = reference(text)
    assert table is not None and not problems.problems
    assert list(table.frame.columns) == header
    assert table.frame.values.tolist() == kept
    assert table.rows.tolist() == row_numbers
    if not kept:
        return
    for column in ("a", "b"):
        found = ProblemCollector()
        got = numbers(table, column, found, check=NON_NEGATIVE)
        flagged = {p.where for p in found.problems}
        for i, cells in enumerate(kept):
            raw = cells[header.index(column)]
            value = float(raw) if DECIMAL.fullmatch(raw) else math.nan
            ok = math.isfinite(value) and value >= 0
            where = f"row {row_numbers[i]}, column {column}"
            if ok:
                assert got[i] == value and where not in flagged
            else:
                assert np.isnan(got[i]) and where in flagged


def test_matrix_reports_unknown_ids_and_repeated_pairs_row_by_row(tmp_path):
    path = tmp_path / "rtt.csv"
    path.write_text("region,site,rtt_ms\nr1,s1,1\nr2,s9,2\nr1,s1,3\nrx,s2,4\nr2,s2,5\n")
    problems = ProblemCollector()
    table = read_table(path, problems)
    matrix = read_matrix(table, ["r1", "r2"], ["s1", "s2"], problems)
    assert [(p.where, p.what) for p in problems.problems] == [
        ("row 2, column site", "unknown site 's9'"),
        ("row 3, column region", "pair (r1, s1) appears twice (first at row 1)"),
        ("row 4, column region", "unknown region 'rx'"),
    ]
    assert matrix.region.tolist() == [0, 1, 0, -1, 1]
    assert matrix.site.tolist() == [0, -1, 0, 1, 1]
    assert matrix.rtt_ms.tolist() == [1, 2, 3, 4, 5]
