"""The plan as a frozen value (PLAN.md, ``gpuplace.plan/1``), read once and written as before.

:class:`Plan` mirrors the plan file field by field. Numbers keep the type
they were built or read with (a file's ``60`` stays an int), so
``Plan.from_json(text).to_json() == text`` for every file ``gpuplace`` writes.
Rows and tuples are immutable; the GPU-count mappings are plain dicts that
callers must not change.

Fields PLAN.md leaves optional are None when absent and then left out of
:meth:`Plan.to_dict`, except ``solver_objective``, which is written (null or
not) on every plan with decisions, as plan building does. Top-level fields
this version does not know are kept in :attr:`Plan.extra` and written last.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan.arrays import PlanArrays, plan_arrays
from gpuplace.solvers.plan.checks import optional_problems
from gpuplace.solvers.plan.frames import PlanFrames
from gpuplace.solvers.planio import plan_json, read_plan, write_plan
from gpuplace.solvers.result import Status
from gpuplace.solvers.verify.schema import PLAN_SCHEMA, schema_problems

Number = int | float
_OPTIONAL = {"optional": True}
_COUNTS = {"counts": True}
_OPTIONAL_COUNTS = {"optional": True, "counts": True}


def _row_dict(row: Any) -> dict[str, Any]:
    """A row's fields in declaration order (the file's key order); absent optionals left out."""
    out: dict[str, Any] = {}
    for f in fields(row):
        value = getattr(row, f.name)
        if value is None and f.metadata.get("optional"):
            continue
        out[f.name] = dict(value) if f.metadata.get("counts") and value is not None else value
    return out


def _row_kwargs(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for f in fields(cls):
        value = data.get(f.name)
        out[f.name] = dict(value) if f.metadata.get("counts") and value is not None else value
    return out


class _Row:
    """Conversion shared by the plan's parts: a dict with the file's keys, and back."""

    def to_dict(self) -> dict[str, Any]:
        """The part as it appears in the plan file."""
        return _row_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """The part from a structurally checked plan's dict (unknown keys are dropped)."""
        return cls(**_row_kwargs(cls, data))


@dataclass(frozen=True, kw_only=True)
class ScenarioRef(_Row):
    """The scenario a plan answers: its name and the hash of its resolved inputs."""

    name: str
    sha256: str


@dataclass(frozen=True, kw_only=True)
class SolverInfo(_Row):
    """The backend and the settings the plan was solved with."""

    name: str
    version: str
    time_limit_s: Number | None
    gap: Number | None
    threads: int | None
    seed: int | None


@dataclass(frozen=True, kw_only=True)
class Kpis(_Row):
    """Key figures; None where the plan has no decisions (or no figure)."""

    total_cost: Number | None
    sites_open: int
    gpus: Mapping[str, Number] = field(metadata=_COUNTS)
    served_fraction: Number | None
    mean_rtt_ms: Number | None
    p95_rtt_ms: Number | None
    max_link_utilisation: Number | None


@dataclass(frozen=True, kw_only=True)
class CostBreakdown(_Row):
    """``total_cost`` split into fixed site costs and GPU capex; the objective's other terms.

    With ``objective_kind = "cost"`` the objective is ``fixed + gpu_capex +
    latency_cost + unserved_penalty`` (the last two absent in plans written
    before they were reported).
    """

    fixed: Number
    gpu_capex: Number
    latency_cost: Number | None = field(default=None, metadata=_OPTIONAL)
    unserved_penalty: Number | None = field(default=None, metadata=_OPTIONAL)


@dataclass(frozen=True, kw_only=True)
class PlanSite(_Row):
    """A site the plan opens or places GPUs at; ``gpus`` counts existing plus new ones."""

    id: str
    node: str
    lat: Number | None = field(default=None, metadata=_OPTIONAL)
    lon: Number | None = field(default=None, metadata=_OPTIONAL)
    country: str | None = field(default=None, metadata=_OPTIONAL)
    open: bool | None = field(default=None, metadata=_OPTIONAL)
    gpus: Mapping[str, Number] = field(metadata=_COUNTS)
    new_gpus: Mapping[str, Number] = field(metadata=_COUNTS)
    power_kw: Number
    served_demand: Number
    utilisation: Number
    fixed_cost: Number | None = field(default=None, metadata=_OPTIONAL)
    # serving models: replicas per deployment at the site
    replicas: Mapping[str, Number] | None = field(default=None, metadata=_OPTIONAL_COUNTS)
    # [time] periods: demand served in each period (the plan's "periods" order);
    # served_demand and utilisation are then those of the busiest period
    period_served: Sequence[Number] | None = field(default=None, metadata=_OPTIONAL)
    # [time] phases: new GPUs installed in each phase, by phase and GPU type
    phase_new_gpus: Mapping[str, Mapping[str, Number]] | None = field(
        default=None, metadata=_OPTIONAL
    )


@dataclass(frozen=True, kw_only=True)
class Assignment(_Row):
    """The share of a demand item (a region's demand, or one model and tier of it) one site serves.

    With serving models the row also names the item's ``model`` and ``tier``, the
    ``deployment`` serving it, its operating point (``concurrency``) and the
    predicted TTFT (network RTT + compute TTFT at that point) and TPOT against
    the tier's targets.
    """

    region: str
    site: str
    share: Number
    demand: Number  # the demand this assignment serves (= served_demand)
    served_demand: Number | None = field(default=None, metadata=_OPTIONAL)
    region_demand: Number | None = field(default=None, metadata=_OPTIONAL)
    rtt_ms: Number
    model: str | None = field(default=None, metadata=_OPTIONAL)
    tier: str | None = field(default=None, metadata=_OPTIONAL)
    deployment: str | None = field(default=None, metadata=_OPTIONAL)
    concurrency: Number | None = field(default=None, metadata=_OPTIONAL)
    ttft_ms: Number | None = field(default=None, metadata=_OPTIONAL)
    ttft_target_ms: Number | None = field(default=None, metadata=_OPTIONAL)
    tpot_ms: Number | None = field(default=None, metadata=_OPTIONAL)
    tpot_target_ms: Number | None = field(default=None, metadata=_OPTIONAL)
    period: str | None = field(default=None, metadata=_OPTIONAL)  # [time] periods


@dataclass(frozen=True, kw_only=True)
class UnservedDemand(_Row):
    """Demand of a region (with serving models: of one model and tier of it) left unserved."""

    region: str
    demand: Number
    model: str | None = field(default=None, metadata=_OPTIONAL)
    tier: str | None = field(default=None, metadata=_OPTIONAL)
    period: str | None = field(default=None, metadata=_OPTIONAL)  # [time] periods


@dataclass(frozen=True, kw_only=True)
class LinkLoad(_Row):
    """Load on one link direction, in the direction traffic flows."""

    source: str
    target: str
    load_gbps: Number
    capacity_gbps: Number | None
    period: str | None = field(default=None, metadata=_OPTIONAL)  # [time] periods


_ROWS: dict[str, type[_Row]] = {
    "sites": PlanSite,
    "assignments": Assignment,
    "unserved": UnservedDemand,
    "links": LinkLoad,
}
_KNOWN = {
    "schema",
    "scenario",
    "solver",
    "status",
    "objective",
    "bound",
    "gap",
    "wall_s",
    "objective_kind",
    "solver_objective",
    "interrupted",
    "stop_reason",
    "kpis",
    "cost_breakdown",
    *_ROWS,
    "diagnosis",
    "notes",
}


@dataclass(frozen=True, kw_only=True)
class Plan(PlanFrames):
    """A plan (PLAN.md): the answer to a scenario, with or without decisions.

    ``status`` is optimal or feasible when the plan holds decisions
    (:attr:`has_decisions`), infeasible or no_solution otherwise (then
    ``objective`` is None, the rows are empty and ``diagnosis`` says why).
    ``source`` names where the plan was read from, for messages; it is not
    part of the value.

    Read with :meth:`read` or :meth:`from_json`, built with
    :func:`solvers.plan.build.make_plan`; ``plan.arrays(instance)`` gives the
    decisions as arrays aligned with the instance, ``plan.sites_frame()`` and
    the other :class:`~solvers.plan.frames.PlanFrames` methods give DataFrames.
    """

    scenario: ScenarioRef
    solver: SolverInfo
    status: Status
    objective: Number | None
    bound: Number | None
    gap: Number | None
    wall_s: Number
    objective_kind: str | None = None
    solver_objective: Number | None = None
    interrupted: bool | None = None
    stop_reason: str | None = None
    kpis: Kpis
    cost_breakdown: CostBreakdown | None = None
    sites: tuple[PlanSite, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    unserved: tuple[UnservedDemand, ...] = ()
    links: tuple[LinkLoad, ...] = ()
    diagnosis: tuple[str, ...] = ()
    notes: tuple[str, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    source: str = field(default="plan", compare=False, repr=False)

    @property
    def has_decisions(self) -> bool:
        """True when the plan places GPUs and serves demand (status optimal or feasible)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    def to_dict(self) -> dict[str, Any]:
        """The plan file's JSON object, keys in the order plan building writes them."""
        out: dict[str, Any] = {
            "schema": PLAN_SCHEMA,
            "scenario": self.scenario.to_dict(),
            "solver": self.solver.to_dict(),
            "status": self.status.value,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "wall_s": self.wall_s,
        }
        if self.objective_kind is not None:
            out["objective_kind"] = self.objective_kind
        if self.has_decisions:
            out["solver_objective"] = self.solver_objective
        if self.interrupted is not None:
            out["interrupted"] = self.interrupted
        if self.stop_reason is not None:
            out["stop_reason"] = self.stop_reason
        out["kpis"] = self.kpis.to_dict()
        if self.cost_breakdown is not None:
            out["cost_breakdown"] = self.cost_breakdown.to_dict()
        for key in _ROWS:
            out[key] = [row.to_dict() for row in getattr(self, key)]
        out["diagnosis"] = list(self.diagnosis)
        if self.notes is not None:
            out["notes"] = list(self.notes)
        out.update(self.extra)
        return out

    def to_json(self) -> str:
        """The plan file's text: indented JSON, non-finite numbers as null, a final newline."""
        return plan_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "plan") -> Plan:
        """A plan from a decoded plan object, checked first.

        Raises
        ------
        InputError
            A missing or mistyped field (required by PLAN.md, or optional and
            present), or another schema; each problem names ``source`` and the key.
        """
        problems = schema_problems(data)
        if not problems:
            problems = optional_problems(data)
        if problems:
            raise InputError([Problem(source, key, what) for key, what in problems])
        breakdown = data.get("cost_breakdown")
        notes = data.get("notes")
        return cls(
            scenario=ScenarioRef.from_dict(data["scenario"]),
            solver=SolverInfo.from_dict(data["solver"]),
            status=Status(data["status"]),
            objective=data["objective"],
            bound=data["bound"],
            gap=data["gap"],
            wall_s=data["wall_s"],
            objective_kind=data.get("objective_kind"),
            solver_objective=data.get("solver_objective"),
            interrupted=data.get("interrupted"),
            stop_reason=data.get("stop_reason"),
            kpis=Kpis.from_dict(data["kpis"]),
            cost_breakdown=None if breakdown is None else CostBreakdown.from_dict(breakdown),
            **{key: tuple(row.from_dict(r) for r in data[key]) for key, row in _ROWS.items()},
            diagnosis=tuple(data["diagnosis"]),
            notes=None if notes is None else tuple(notes),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
            source=source,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str = "plan") -> Plan:
        """A plan from plan-file text (see :meth:`from_dict`).

        Raises
        ------
        InputError
            Invalid JSON (with line and column), or any problem :meth:`from_dict` reports.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise InputError([Problem(source, where, f"invalid JSON: {error.msg}")]) from None
        return cls.from_dict(data, source=source)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Plan:
        """Read a plan file (``solvers.planio.read_plan``); problems name the file and the key."""
        return cls.from_dict(read_plan(path), source=str(path))

    def write(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write the plan file atomically (``solvers.planio.write_plan``); returns the path."""
        return write_plan(path, self.to_dict(), force=force)

    def arrays(self, instance: Instance) -> PlanArrays:
        """The decisions as arrays aligned with ``instance`` (:class:`~solvers.plan.arrays.PlanArrays`).

        Raises
        ------
        InputError
            The plan names a site, region or GPU type ``instance`` does not
            know, or holds a value out of range (each problem names ``source``).
        """
        return plan_arrays(
            instance, self.sites, self.assignments, self.unserved, source=self.source
        )


__all__ = [
    "Assignment",
    "CostBreakdown",
    "Kpis",
    "LinkLoad",
    "Plan",
    "PlanSite",
    "ScenarioRef",
    "SolverInfo",
    "UnservedDemand",
]
