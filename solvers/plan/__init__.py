"""Plans (PLAN.md, ``gpuplace.plan/1``): the frozen :class:`Plan` value, its building and its arrays.

- :mod:`solvers.plan.value`: :class:`Plan` and its parts, ``to_json`` / ``from_json``;
- :mod:`solvers.plan.build`: :func:`make_plan` from a backend's Solution;
- :mod:`solvers.plan.arrays`: :class:`PlanArrays`, the decisions aligned with an instance.
"""

from gpuplace.solvers.plan.arrays import PlanArrays
from gpuplace.solvers.plan.build import (
    build_plan,
    link_loads_gbps,
    make_plan,
    relative_gap,
    solver_info,
)
from gpuplace.solvers.plan.value import (
    Assignment,
    CostBreakdown,
    Kpis,
    LinkLoad,
    Plan,
    PlanSite,
    ScenarioRef,
    SolverInfo,
    UnservedDemand,
)
from gpuplace.solvers.verify.schema import PLAN_SCHEMA

__all__ = [
    "PLAN_SCHEMA",
    "Assignment",
    "CostBreakdown",
    "Kpis",
    "LinkLoad",
    "Plan",
    "PlanArrays",
    "PlanSite",
    "ScenarioRef",
    "SolverInfo",
    "UnservedDemand",
    "build_plan",
    "link_loads_gbps",
    "make_plan",
    "relative_gap",
    "solver_info",
]
