"""The grid of a sweep: ``--vary KEY=VALUES`` options and their cartesian product.

Syntax of VALUES: comma-separated items, each one of

- a literal value, passed to the scenario as ``--set KEY=VALUE`` would be
  (``0.85``, ``true``, ``"cpsat"``, ``2e8``);
- ``LO:HI:N``: N values linearly spaced from LO to HI, both included
  (``constraints.budget=1e8:5e8:5`` gives 1e8, 2e8, 3e8, 4e8, 5e8); written as
  integers when LO and HI are integers and every value is whole;
- ``LO..HI`` or ``LO..HI..STEP``: integers from LO to HI included, by STEP
  (default 1): ``constraints.max_sites=2..10..2`` gives 2, 4, 6, 8, 10.

An item that is not a well-formed range is a literal (``topohub:sndlib/geant``).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gpuplace.errors import InputError, Problem
from gpuplace.untrusted import NUMBER_PATTERN

__all__ = ["MAX_CASES", "VARY_OPTION", "Vary", "expand_item", "grid", "parse_varies", "parse_vary"]

VARY_OPTION = "--vary"
MAX_CASES = 100_000
_INT = re.compile(r"^[+-]?[0-9]{1,15}$")  # longer: a literal, not a range bound
_NUMBER = re.compile(rf"^{NUMBER_PATTERN}$")


@dataclass(frozen=True)
class Vary:
    """One varied scenario key and its values (as text, in order, without duplicates)."""

    key: str
    values: tuple[str, ...]


def _number_text(value: float) -> str:
    text = format(value, ".12g")
    return text if _NUMBER.match(text) else repr(value)


def _linspace(lo: str, hi: str, count: str, spec: str) -> list[str]:
    if not _INT.match(count) or int(count) < 1:
        raise InputError(Problem(VARY_OPTION, spec, f"LO:HI:N needs a count N >= 1, got {count!r}"))
    n = int(count)
    if n > MAX_CASES:
        raise InputError(Problem(VARY_OPTION, spec, f"{n} values is more than {MAX_CASES} cases"))
    if not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        raise InputError(Problem(VARY_OPTION, spec, "LO and HI must be finite numbers"))
    values = np.linspace(float(lo), float(hi), n)
    if n == 1 and float(lo) != float(hi):
        raise InputError(Problem(VARY_OPTION, spec, "LO:HI:1 needs LO = HI"))
    integral = _INT.match(lo) and _INT.match(hi) and all(float(v).is_integer() for v in values)
    if integral:
        return [str(round(float(v))) for v in values]
    return [_number_text(float(v)) for v in values]


def _int_range(lo: str, hi: str, step: str, spec: str) -> list[str]:
    start, stop, by = int(lo), int(hi), int(step)
    if by <= 0:
        raise InputError(Problem(VARY_OPTION, spec, f"LO..HI..STEP needs STEP >= 1, got {step}"))
    if stop < start:
        raise InputError(Problem(VARY_OPTION, spec, f"LO..HI needs LO <= HI, got {lo}..{hi}"))
    count = (stop - start) // by + 1
    if count > MAX_CASES:
        raise InputError(
            Problem(VARY_OPTION, spec, f"{count} values is more than {MAX_CASES} cases")
        )
    return [str(v) for v in range(start, stop + 1, by)]


def expand_item(item: str, spec: str) -> list[str]:
    """Values of one comma-separated item: a range or a literal.

    >>> expand_item("1e8:3e8:3", "")
    ['100000000', '200000000', '300000000']
    >>> expand_item("0:1:3", "")
    ['0', '0.5', '1']
    >>> expand_item("2..8..3", "")
    ['2', '5', '8']
    >>> expand_item("topohub:sndlib/geant", "")
    ['topohub:sndlib/geant']
    """
    parts = item.split(":")
    if len(parts) == 3 and _NUMBER.match(parts[0]) and _NUMBER.match(parts[1]):
        return _linspace(parts[0], parts[1], parts[2], spec)
    parts = item.split("..")
    if len(parts) in (2, 3) and all(_INT.match(p) for p in parts):
        return _int_range(parts[0], parts[1], parts[2] if len(parts) == 3 else "1", spec)
    return [item]


def parse_vary(spec: str) -> Vary:
    """Parse one ``KEY=VALUES`` option (see the module docstring for VALUES).

    Raises
    ------
    InputError
        No ``=``, an empty key or value, a bad range.
    """
    key, sep, text = spec.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(
            Problem(VARY_OPTION, spec, "expected KEY=V1,V2,..., e.g. constraints.budget=1e8,2e8")
        )
    values: dict[str, None] = {}  # ordered, without duplicates
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise InputError(Problem(VARY_OPTION, spec, "empty value"))
        values.update(dict.fromkeys(expand_item(item, spec)))
        if len(values) > MAX_CASES:
            raise InputError(
                Problem(VARY_OPTION, spec, f"more than {MAX_CASES} values (the limit of cases)")
            )
    return Vary(key=key, values=tuple(values))


def parse_varies(specs: Sequence[str]) -> list[Vary]:
    """Parse every ``--vary`` option; a key may be varied only once.

    Raises
    ------
    InputError
        With every problem found.
    """
    problems: list[Problem] = []
    varies: list[Vary] = []
    for spec in specs:
        try:
            vary = parse_vary(spec)
        except InputError as error:
            problems.extend(error.problems)
            continue
        if any(v.key == vary.key for v in varies):
            problems.append(Problem(VARY_OPTION, spec, f"{vary.key} is varied twice"))
            continue
        varies.append(vary)
    if not varies and not problems:
        problems.append(Problem(VARY_OPTION, "", "give at least one --vary KEY=V1,V2,..."))
    size = math.prod(len(v.values) for v in varies) if varies else 0
    if size > MAX_CASES:
        problems.append(Problem(VARY_OPTION, "", f"{size} cases is more than {MAX_CASES}"))
    if problems:
        raise InputError(problems)
    return varies


def grid(varies: Sequence[Vary]) -> list[dict[str, str]]:
    """The cartesian product: one ``{key: value}`` per case, the last key varying fastest.

    >>> grid([Vary("a", ("1", "2")), Vary("b", ("x", "y"))])
    [{'a': '1', 'b': 'x'}, {'a': '1', 'b': 'y'}, {'a': '2', 'b': 'x'}, {'a': '2', 'b': 'y'}]
    """
    keys = [v.key for v in varies]
    return [
        dict(zip(keys, combo, strict=True))
        for combo in itertools.product(*(v.values for v in varies))
    ]
