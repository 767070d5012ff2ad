"""``--set KEY=VALUE`` overrides: parse them and apply them to a TOML document by dotted path."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from gpuplace.errors import InputError, Problem, ProblemCollector
from gpuplace.scenario.schema import all_keys, key_spec, suggest

__all__ = ["SET_OPTION", "apply_overrides", "parse_set_options", "parse_value"]

SET_OPTION = "--set"


def parse_value(text: str) -> Any:
    """A ``--set`` value as a TOML literal; text that is not one stays a plain string.

    >>> parse_value("2e8"), parse_value("true"), parse_value("[1, 2]"), parse_value("highs")
    (200000000.0, True, [1, 2], 'highs')
    """
    try:
        return tomllib.loads(f"value = {text.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def parse_set_options(items: Iterable[str]) -> dict[str, str]:
    """``["constraints.budget=2e8", ...]`` -> ``{"constraints.budget": "2e8", ...}``.

    Raises
    ------
    InputError
        For an item without ``=`` or with an empty key.
    """
    result: dict[str, str] = {}
    problems = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            problems.append(
                Problem(SET_OPTION, item, "expected KEY=VALUE, e.g. constraints.budget=2e8")
            )
            continue
        result[key.strip()] = value
    if problems:
        raise InputError(problems)
    return result


def apply_overrides(
    data: dict[str, Any],
    overrides: Mapping[str, str] | None,
    file: str,
    problems: ProblemCollector,
) -> dict[str, Any]:
    """A copy of ``data`` with each override applied; unknown keys are problems.

    Values are parsed with :func:`parse_value`; type and range checks happen
    afterwards, in :func:`scenario.schema.validate_settings`, like any other value.
    """
    result = copy.deepcopy(data)
    for key, text in (overrides or {}).items():
        dotted = key.strip()
        if key_spec(dotted) is None:
            problems.add(
                file,
                f"{SET_OPTION} {dotted}",
                f"unknown key '{dotted}'{suggest(dotted, all_keys())}",
            )
            continue
        section, _, name = dotted.rpartition(".")
        target = result
        if section:
            target = result.setdefault(section, {})
            if not isinstance(target, dict):
                problems.add(file, section, f"must be a table ([{section}]), got {target!r}")
                continue
        target[name] = parse_value(text)
    return result
