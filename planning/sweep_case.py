"""One case of a sweep, as run on a worker: solve, build the plan, verify it, summarise.

Everything that can go wrong is caught and returned as a result with status
``error`` and the message, so one bad case never stops a sweep.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from dataclasses import dataclass
from typing import Any

from gpuplace.errors import InputError
from gpuplace.planning.money_kpis import sweep_figures
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan import Plan
from gpuplace.solvers.result import SolveParameters

__all__ = [
    "CaseResult",
    "CaseTask",
    "ERROR",
    "HAS_PLAN",
    "RESULT_COLUMNS",
    "case_key",
    "error_result",
    "solve_case",
    "summary_row",
]

ERROR = "error"
HAS_PLAN = ("optimal", "feasible")
# Result columns of a case, after the case key and the varied keys.
RESULT_COLUMNS = (
    "status",
    "objective",
    "bound",
    "gap",
    "wall_s",
    "total_cost",
    "sites_open",
    "served_fraction",
    "mean_rtt_ms",
    "p95_rtt_ms",
    "max_link_utilisation",
    "solver",
    "diagnosis",
    "error",
)
_KPI_COLUMNS = (
    "total_cost",
    "sites_open",
    "served_fraction",
    "mean_rtt_ms",
    "p95_rtt_ms",
    "max_link_utilisation",
)
_MAX_MESSAGE = 500


@dataclass(frozen=True)
class CaseTask:
    """What a worker needs for one case."""

    key: str
    instance: Instance
    solver: str
    params: SolveParameters


@dataclass(frozen=True)
class CaseResult:
    """A case's summary row (:data:`RESULT_COLUMNS`) and its verified plan (None without one)."""

    key: str
    row: dict[str, Any]
    plan: Plan | None


def case_key(scenario_sha256: str, solver: str, params: SolveParameters) -> str:
    """Stable id of a case: the scenario hash (after overrides) plus the solver settings."""
    payload = {
        "scenario": scenario_sha256,
        "solver": solver,
        "time_limit_s": float(params.time_limit_s),
        "gap": float(params.gap),
        "threads": int(params.threads),
        "seed": int(params.seed),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def error_result(key: str, message: str, solver: str = "") -> CaseResult:
    """A result row for a case that failed."""
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(status=ERROR, solver=solver, error=_short(message))
    return CaseResult(key=key, row=row, plan=None)


def summary_row(plan: Plan) -> dict[str, Any]:
    """The result columns of a plan."""
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(
        status=plan.status.value,
        objective=plan.objective,
        bound=plan.bound,
        gap=plan.gap,
        wall_s=plan.wall_s,
        solver=plan.solver.name,
        diagnosis=_short("; ".join(plan.diagnosis)) or None,
    )
    for column in _KPI_COLUMNS:
        row[column] = getattr(plan.kpis, column)
    row.update(sweep_figures(plan))  # the bill's columns, with [money] only
    return row


def solve_case(task: CaseTask) -> CaseResult:
    """Solve, build and verify one case (:func:`gpuplace.pipeline.solve_plan`); never raises.

    Errors, a plan failing verification among them, become an ``error`` row.
    """
    try:
        from gpuplace.pipeline import PlanVerificationError, solve_plan

        try:
            plan = solve_plan(task.instance, solver=task.solver, params=task.params)
        except PlanVerificationError as failed:
            detail = "; ".join(str(v) for v in failed.violations[:3])
            return error_result(
                task.key,
                f"plan fails verify ({len(failed.violations)} violations): {detail}",
                failed.plan.solver.name,
            )
        # No plan to write (as for ``solve``): the row keeps status and diagnosis.
        kept = plan if plan.has_decisions else None
        return CaseResult(key=task.key, row=summary_row(plan), plan=kept)
    except InputError as error:
        return error_result(task.key, str(error), task.solver)
    except Exception as error:  # noqa: BLE001 - a case reports its failure, the sweep goes on
        where = traceback.extract_tb(error.__traceback__)[-1:]
        at = f" (at {where[0].filename}:{where[0].lineno})" if where else ""
        return error_result(task.key, f"{type(error).__name__}: {error}{at}", task.solver)
