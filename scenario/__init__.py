"""Scenario files (TOML + CSV + topology) -> validated, immutable :class:`Instance`."""

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
]
