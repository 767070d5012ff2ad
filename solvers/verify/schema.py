"""Structural check of a plan object: required fields present and typed (PLAN.md)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["PLAN_SCHEMA", "SOLVED_STATUSES", "STATUSES", "schema_problems"]

PLAN_SCHEMA = "gpuplace.plan/1"
STATUSES = ("optimal", "feasible", "infeasible", "no_solution")
SOLVED_STATUSES = ("optimal", "feasible")

_NUM = "number"
_NUM_OR_NULL = "number or null"
_INT = "integer"
_INT_OR_NULL = "integer or null"
_STR = "string"
_DICT = "object"
_LIST = "array"
_COUNTS = "object of counts"

_TOP = {
    "schema": _STR,
    "scenario": _DICT,
    "solver": _DICT,
    "status": _STR,
    "objective": _NUM_OR_NULL,
    "bound": _NUM_OR_NULL,
    "gap": _NUM_OR_NULL,
    "wall_s": _NUM,
    "kpis": _DICT,
    "sites": _LIST,
    "assignments": _LIST,
    "unserved": _LIST,
    "links": _LIST,
    "diagnosis": _LIST,
}
_NESTED = {
    "scenario": {"name": _STR, "sha256": _STR},
    "solver": {
        "name": _STR,
        "version": _STR,
        "time_limit_s": _NUM_OR_NULL,
        "gap": _NUM_OR_NULL,
        "threads": _INT_OR_NULL,
        "seed": _INT_OR_NULL,
    },
    "kpis": {
        "total_cost": _NUM_OR_NULL,
        "sites_open": _INT,
        "gpus": _COUNTS,
        "served_fraction": _NUM_OR_NULL,
        "mean_rtt_ms": _NUM_OR_NULL,
        "p95_rtt_ms": _NUM_OR_NULL,
        "max_link_utilisation": _NUM_OR_NULL,
    },
}
_ROWS = {
    "sites": {
        "id": _STR,
        "node": _STR,
        "gpus": _COUNTS,
        "new_gpus": _COUNTS,
        "power_kw": _NUM,
        "served_demand": _NUM,
        "utilisation": _NUM,
    },
    "assignments": {
        "region": _STR,
        "site": _STR,
        "share": _NUM,
        "demand": _NUM,
        "rtt_ms": _NUM,
    },
    "unserved": {"region": _STR, "demand": _NUM},
    "links": {
        "source": _STR,
        "target": _STR,
        "load_gbps": _NUM,
        "capacity_gbps": _NUM_OR_NULL,
    },
}


def _is_number(value: Any) -> bool:
    """A finite int or float: NaN and infinities are never numbers of a plan."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _has_type(value: Any, kind: str) -> bool:
    if kind.endswith(" or null") and value is None:
        return True
    base = kind.removesuffix(" or null")
    if base == _NUM:
        return _is_number(value)
    if base == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if base == _STR:
        return isinstance(value, str)
    if base == _DICT:
        return isinstance(value, dict)
    if base == _LIST:
        return isinstance(value, list)
    if base == _COUNTS:
        return isinstance(value, dict) and all(
            isinstance(k, str) and _is_number(v) for k, v in value.items()
        )
    raise AssertionError(kind)


def _check_fields(
    obj: dict, fields: dict[str, str], prefix: str, out: list[tuple[str, str]]
) -> None:
    for key, kind in fields.items():
        where = f"{prefix}{key}"
        if key not in obj:
            out.append((where, "missing"))
        elif not _has_type(obj[key], kind):
            value = obj[key]
            got = repr(value) if isinstance(value, float) else type(value).__name__
            out.append((where, f"must be a {kind.replace('number', 'finite number')}, got {got}"))


def _non_finite(plan: dict) -> list[tuple[str, str]]:
    """Every NaN or infinite float anywhere in the plan (also in fields PLAN.md leaves open)."""
    out = []
    stack: list[tuple[str, Any]] = [("", plan)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            out.append((where, f"must be a finite number, got {value!r}"))
        elif isinstance(value, dict):
            stack += [(f"{where}.{k}" if where else str(k), v) for k, v in value.items()]
        elif isinstance(value, list | tuple):
            stack += [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    return sorted(out)


def schema_problems(plan: Any) -> list[tuple[str, str]]:
    """Every structural problem of a plan, as ``(key, what)`` pairs.

    Parameters
    ----------
    plan : Any
        The decoded JSON value.

    Returns
    -------
    list of (str, str)
        Empty when all PLAN.md fields are present with the right types.

    Examples
    --------
    >>> schema_problems({"schema": "x"})[0]
    ('schema', "must be 'gpuplace.plan/1', got 'x'")
    """
    out: list[tuple[str, str]] = []
    if not isinstance(plan, dict):
        return [("", "a plan must be a JSON object")]
    if "schema" in plan and plan["schema"] != PLAN_SCHEMA:
        out.append(("schema", f"must be {PLAN_SCHEMA!r}, got {plan['schema']!r}"))
    _check_fields(plan, _TOP, "", out)
    for key, fields in _NESTED.items():
        if isinstance(plan.get(key), dict):
            _check_fields(plan[key], fields, f"{key}.", out)
    for key, fields in _ROWS.items():
        rows = plan.get(key)
        if not isinstance(rows, list):
            continue
        for i, row in enumerate(rows):
            if isinstance(row, dict):
                _check_fields(row, fields, f"{key}[{i}].", out)
            else:
                out.append((f"{key}[{i}]", "must be an object"))
    if isinstance(plan.get("diagnosis"), list):
        for i, line in enumerate(plan["diagnosis"]):
            if not isinstance(line, str):
                out.append((f"diagnosis[{i}]", "must be a string"))
    status = plan.get("status")
    if isinstance(status, str) and status not in STATUSES:
        out.append(("status", f"must be one of {', '.join(STATUSES)}, got {status!r}"))
    if status in SOLVED_STATUSES and "objective" in plan and plan["objective"] is None:
        out.append(("objective", f"must be a number when status is {status!r}"))
    reported = {key for key, _ in out}
    return out + [p for p in _non_finite(plan) if p[0] not in reported]
