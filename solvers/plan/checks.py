"""Types of the plan fields that PLAN.md leaves optional and ``build_plan`` writes.

``solvers.verify.schema`` checks the fields every plan must have; a plan read
into a :class:`~solvers.plan.value.Plan` must also have the right type in each
optional field it holds, so that the typed value never holds a wrong one.
"""

from __future__ import annotations

from typing import Any

# field -> (test, what the field must be)
_TOP: dict[str, tuple[str, str]] = {
    "objective_kind": ("str", "a string"),
    "solver_objective": ("number_or_null", "a number or null"),
    "interrupted": ("bool", "true or false"),
    "stop_reason": ("str", "a string"),
    "cost_breakdown": ("dict", "an object"),
    "notes": ("list", "an array"),
}
_SITE: dict[str, tuple[str, str]] = {
    "lat": ("number", "a number"),
    "lon": ("number", "a number"),
    "country": ("str", "a string"),
    "open": ("bool", "true or false"),
    "fixed_cost": ("number", "a number"),
    "replicas": ("counts", "an object of counts"),
}
_ASSIGNMENT: dict[str, tuple[str, str]] = {
    **{key: ("str", "a string") for key in ("model", "tier", "deployment")},
    **{
        key: ("number", "a number")
        for key in (
            "served_demand",
            "region_demand",
            "concurrency",
            "ttft_ms",
            "ttft_target_ms",
            "tpot_ms",
            "tpot_target_ms",
        )
    },
}
_UNSERVED: dict[str, tuple[str, str]] = {key: ("str", "a string") for key in ("model", "tier")}
_BREAKDOWN = ("fixed", "gpu_capex")
_BREAKDOWN_OPTIONAL = ("latency_cost", "unserved_penalty")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _passes(value: Any, test: str) -> bool:
    if test == "str":
        return isinstance(value, str)
    if test == "bool":
        return isinstance(value, bool)
    if test == "dict":
        return isinstance(value, dict)
    if test == "list":
        return isinstance(value, list)
    if test == "number_or_null":
        return value is None or _is_number(value)
    if test == "counts":
        return isinstance(value, dict) and all(
            isinstance(k, str) and _is_number(v) for k, v in value.items()
        )
    return _is_number(value)


def _check(row: dict, spec: dict[str, tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    return [
        (f"{prefix}{key}", f"must be {what}, got {type(row[key]).__name__}")
        for key, (test, what) in spec.items()
        if key in row and not _passes(row[key], test)
    ]


def optional_problems(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """Every optional field present with a wrong type, as ``(key, what)`` pairs.

    ``plan`` has passed ``solvers.verify.schema.schema_problems`` (sites,
    assignments and unserved are lists of objects).

    Examples
    --------
    >>> optional_problems({"interrupted": "no", "sites": [{"open": 1}]})
    [('interrupted', 'must be true or false, got str'), ('sites[0].open', 'must be true or false, got int')]
    """
    out = _check(plan, _TOP, "")
    breakdown = plan.get("cost_breakdown")
    if isinstance(breakdown, dict):
        out += _check(
            breakdown,
            dict.fromkeys(_BREAKDOWN + _BREAKDOWN_OPTIONAL, ("number", "a number")),
            "cost_breakdown.",
        )
        out += [(f"cost_breakdown.{key}", "missing") for key in _BREAKDOWN if key not in breakdown]
    notes = plan.get("notes")
    if isinstance(notes, list):
        out += [
            (f"notes[{i}]", "must be a string")
            for i, n in enumerate(notes)
            if not isinstance(n, str)
        ]
    for key, spec in (("sites", _SITE), ("assignments", _ASSIGNMENT), ("unserved", _UNSERVED)):
        for i, row in enumerate(plan.get(key, [])):
            out += _check(row, spec, f"{key}[{i}].")
    return out


__all__ = ["optional_problems"]
