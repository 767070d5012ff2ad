"""Relaxations of a placement model, one constraint family at a time.

For a family F of an infeasible model M, :func:`relaxations` describes M
without F (``M \\ F``) and :func:`problem_for` turns it into a
:class:`~solvers.diagnosis.highs_run.MatrixProblem` whose optimum quantifies F:

- ``cost`` (budget): minimise the budget row's left-hand side (fixed costs plus
  capex) over ``M \\ F``: the least cost of a plan meeting every other constraint;
- ``count`` (max_sites / min_sites): minimise (maximise) the number of open sites;
- ``elastic`` (power, space, link capacity, min_gpus_per_site, custom rows in
  known units): F's rows stay, each with a slack variable ``e >= 0`` on its
  violated side (``a·v - e <= ub``, ``a·v + e >= lb``); minimise Σ e. The optimum is
  the least total amount (kW, GPUs, Gbit/s, ...) by which F must be loosened;
- ``feasible`` (redundancy, single_sourcing, site status, survivability, other
  custom pieces): ``M \\ F`` with a zero objective.

Removing F also lifts the variable bounds F implies: ``gpus`` upper bounds
derived from power or space, share bounds of redundancy, share integrality of
single sourcing. Each problem is feasible exactly when ``M \\ F`` is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.diagnosis.contracts import contract_label
from gpuplace.solvers.diagnosis.highs_run import MatrixProblem
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.core import gpu_upper_bounds

__all__ = [
    "CORE_FAMILIES",
    "COST",
    "COUNT",
    "ELASTIC",
    "FEASIBLE",
    "Relaxation",
    "Variant",
    "integral_objective",
    "problem_for",
    "relaxations",
]

# Rows that define what a plan is; never relaxed.
CORE_FAMILIES = frozenset({"assignment", "linking", "capacity"})
COST, COUNT, ELASTIC, FEASIBLE = "cost", "count", "elastic", "feasible"

_UNITS = {
    "power": "kW",
    "space": "GPUs",
    "link_capacity": "Gbit/s",
    "min_gpus": "GPUs",
}
_CUSTOM_UNITS = {"max_gpus_per_country": "GPUs", "max_share_through_link": "demand units"}
_LABELS = {
    "budget": "budget",
    "power": "site power",
    "space": "site space (max_gpus)",
    "link_capacity": "link capacity",
    "min_gpus": "min_gpus_per_site",
    "redundancy": "redundancy",
    "single_sourcing": "single_sourcing",
    "site_status": "site status (sites that must open or stay closed)",
    "survive_site_failure": "survive_site_failure",
}


@dataclass(frozen=True, eq=False)
class Relaxation:
    """One family to drop: which rows, and the variable bounds and integrality without it.

    ``key`` names the family (``site_count:max`` and ``site_count:min`` are the
    two sides of the one site-count row); ``sense`` is the direction of the
    ``count`` objective.
    """

    key: str
    family: str
    label: str
    kind: str
    rows: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    unit: str = ""
    sense: str = "min"


def _gpu_ub_without(model: LinearModel, instance: Instance, **fields: Any) -> np.ndarray:
    """``model.col_ub`` with the ``gpus`` bounds recomputed from ``instance`` changed by ``fields``."""
    ub = model.col_ub.copy()
    block = model.var_blocks["gpus"]
    lifted = gpu_upper_bounds(replace(instance, **fields)).ravel()
    ub[block.start : block.stop] = np.maximum(ub[block.start : block.stop], lifted)
    return ub


def _custom_kind(family: str) -> str | None:
    head = family.split("[", 1)[0]
    return head if head in _CUSTOM_UNITS else None


def relaxations(model: LinearModel, instance: Instance) -> list[Relaxation]:
    """The families of ``model`` that can be dropped one at a time, each as a :class:`Relaxation`.

    Parameters
    ----------
    model
        The model built from ``instance`` (``solvers.model.build_model``).
    instance
        The instance (for the bounds each family implies, and its settings).

    Returns
    -------
    list of Relaxation
        In the order: budget, power, space, link capacity, site count,
        min_gpus_per_site, redundancy, single sourcing, site status, then the
        remaining families of the model (custom pieces, survivability).
    """
    c = instance.constraints
    out: list[Relaxation] = []
    none = np.empty(0, dtype=np.int64)
    inf_sites = np.full(instance.n_sites, np.inf)
    for family in model.families():
        if family in CORE_FAMILIES:
            continue
        rows = model.family_rows(family)
        col_ub, integer = model.col_ub.copy(), model.integer.copy()
        label = (
            _LABELS.get(family) or contract_label(instance, family) or f"custom constraint {family}"
        )
        if family == "budget":
            out.append(Relaxation(family, family, label, COST, rows, col_ub, integer, "currency"))
        elif family == "power":
            ub = _gpu_ub_without(model, instance, site_power_kw=inf_sites)
            out.append(Relaxation(family, family, label, ELASTIC, rows, ub, integer, "kW"))
        elif family == "space":
            ub = _gpu_ub_without(model, instance, site_max_gpus=inf_sites)
            out.append(Relaxation(family, family, label, ELASTIC, rows, ub, integer, "GPUs"))
        elif family == "site_count":
            if c.max_sites is not None:
                out.append(
                    Relaxation("site_count:max", family, "max_sites", COUNT, rows, col_ub, integer)
                )
            if c.min_sites is not None and c.min_sites > 0:
                out.append(
                    Relaxation(
                        "site_count:min",
                        family,
                        "min_sites",
                        COUNT,
                        rows,
                        col_ub,
                        integer,
                        sense="max",
                    )
                )
        elif family in _UNITS:
            out.append(
                Relaxation(family, family, label, ELASTIC, rows, col_ub, integer, _UNITS[family])
            )
        elif _custom_kind(family):
            unit = _CUSTOM_UNITS[_custom_kind(family) or ""]
            out.append(Relaxation(family, family, label, ELASTIC, rows, col_ub, integer, unit))
        else:
            out.append(Relaxation(family, family, label, FEASIBLE, rows, col_ub, integer))
    share = model.var_blocks["share"]
    if c.redundancy > 1 and instance.n_pairs:
        ub = model.col_ub.copy()
        demand_ok = instance.region_demand[instance.pair_region] > 0
        ub[share.start : share.stop] = np.where(demand_ok, 1.0, 0.0)
        out.append(
            Relaxation(
                "redundancy", "redundancy", "redundancy", FEASIBLE, none, ub, model.integer.copy()
            )
        )
    if c.single_sourcing and instance.n_pairs:
        integer = model.integer.copy()
        integer[share.start : share.stop] = False
        out.append(
            Relaxation(
                "single_sourcing",
                "single_sourcing",
                "single_sourcing",
                FEASIBLE,
                none,
                model.col_ub.copy(),
                integer,
            )
        )
    order = [
        "budget",
        "power",
        "space",
        "link_capacity",
        "site_count",
        "min_gpus",
        "redundancy",
        "single_sourcing",
        "site_status",
    ]
    rank = {name: i for i, name in enumerate(order)}
    return sorted(out, key=lambda r: rank.get(r.family, len(order)))


@dataclass(frozen=True, eq=False)
class Variant:
    """A problem to solve for one relaxation; ``slack_rows[k]`` is the model row of slack k."""

    relaxation: Relaxation
    problem: MatrixProblem
    slack_rows: np.ndarray
    n_model_vars: int


def problem_for(model: LinearModel, relaxation: Relaxation) -> Variant:
    """The :class:`Variant` quantifying ``relaxation`` (see the module docstring)."""
    r = relaxation
    keep = np.ones(model.n_rows, dtype=bool)
    n = model.n_vars
    empty = np.empty(0, dtype=np.int64)
    if r.kind == ELASTIC:
        rows = r.rows
        upper = rows[np.isfinite(model.row_ub[rows])]
        lower = rows[np.isfinite(model.row_lb[rows])]
        slack_rows = np.concatenate([upper, lower])
        k = slack_rows.size
        coef = np.concatenate([-np.ones(upper.size), np.ones(lower.size)])
        S = sp.csr_matrix((coef, (slack_rows, np.arange(k))), shape=(model.n_rows, k))
        A = sp.hstack([model.A, S], format="csr")
        problem = MatrixProblem(
            A=A,
            row_lb=model.row_lb,
            row_ub=model.row_ub,
            col_lb=np.concatenate([model.col_lb, np.zeros(k)]),
            col_ub=np.concatenate([r.col_ub, np.full(k, np.inf)]),
            integer=np.concatenate([r.integer, np.zeros(k, dtype=bool)]),
            c=np.concatenate([np.zeros(n), np.ones(k)]),
        )
        return Variant(r, problem, slack_rows, n)
    keep[r.rows] = False
    quantified = r.kind in (COST, COUNT)
    c = np.asarray(model.A[r.rows].sum(axis=0)).ravel() if quantified else np.zeros(n)
    problem = MatrixProblem(
        A=model.A[keep],
        row_lb=model.row_lb[keep],
        row_ub=model.row_ub[keep],
        col_lb=model.col_lb,
        col_ub=r.col_ub,
        integer=r.integer,
        c=c,
        sense=r.sense,
    )
    return Variant(r, problem, empty, n)


def integral_objective(problem: MatrixProblem) -> bool:
    """Whether every point's objective is an integer (integer coefficients on integer variables)."""
    nz = problem.c != 0
    return bool(np.all(problem.integer[nz]) and np.allclose(problem.c[nz], np.rint(problem.c[nz])))
