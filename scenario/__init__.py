"""Scenario files (TOML + CSV + topology) -> validated, immutable :class:`Instance`."""

from __future__ import annotations

import importlib
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.scenario.instance import (
    Constraints,
    CustomConstraintSpec,
    Instance,
    LatencySettings,
    Objective,
    SiteStatus,
    SolverSettings,
)

# Loaded on first use, so importing the package does not load the readers and tables.
_LAZY = {
    "load_instance": "gpuplace.scenario.load",
    "read_toml": "gpuplace.scenario.load",
    "inspect_scenario": "gpuplace.scenario.inspect",
    "apply_overrides": "gpuplace.scenario.overrides",
    "parse_set_options": "gpuplace.scenario.overrides",
    "parse_value": "gpuplace.scenario.overrides",
    "scenario_hash": "gpuplace.scenario.hashing",
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
