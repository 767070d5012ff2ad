"""Scenario files (TOML + CSV + topology) -> validated, immutable :class:`Instance`."""

from __future__ import annotations

import importlib
from typing import Any

from scenario.errors import InputError, Problem
from scenario.instance import (
    Constraints,
    CustomConstraintSpec,
    Instance,
    LatencySettings,
    Objective,
    SiteStatus,
    SolverSettings,
)

# Loaded on first use: the loader imports topo.readers, which imports scenario.errors.
_LAZY = {
    "load_instance": "scenario.load",
    "read_toml": "scenario.load",
    "inspect_scenario": "scenario.inspect",
    "apply_overrides": "scenario.overrides",
    "parse_set_options": "scenario.overrides",
    "parse_value": "scenario.overrides",
    "scenario_hash": "scenario.hashing",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'scenario' has no attribute {name!r}")


__all__ = [
    "Constraints",
    "CustomConstraintSpec",
    "InputError",
    "Instance",
    "LatencySettings",
    "Objective",
    "Problem",
    "SiteStatus",
    "SolverSettings",
    "apply_overrides",
    "inspect_scenario",
    "load_instance",
    "parse_set_options",
    "parse_value",
    "read_toml",
    "scenario_hash",
]
