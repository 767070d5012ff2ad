"""A plan's rows resolved to instance indices, with id problems reported as violations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.period_ids import row_period
from gpuplace.solvers.verify.violation import Violation

__all__ = ["Assignment", "ParsedPlan", "ServingIndex", "capacity_value", "parse_plan"]


@dataclass
class Assignment:
    row: int
    region: int
    site: int
    share: float
    demand: float
    rtt_ms: float
    item: int = -1  # demand item (the region without serving tables)
    deployment: int = -1  # serving models only
    fields: dict | None = None  # the row as written (serving models only)


@dataclass
class ParsedPlan:
    """Plan numbers as arrays aligned with the instance (sites ``s``, regions ``r``, types ``t``)."""

    gpus: np.ndarray  # float [S, T], as written (integrality checked separately)
    new_gpus: np.ndarray  # float [S, T]
    is_open: np.ndarray  # bool [S]
    listed: np.ndarray  # bool [S]: the site has a row
    site_rows: dict[int, dict]
    assignments: list[Assignment]
    unserved: np.ndarray  # float [K], per demand item (per region without serving tables)
    links: dict[tuple[int, int], dict]  # directed (u, v) node indices -> row
    violations: list[Violation] = field(default_factory=list)
    replicas: np.ndarray | None = None  # float [S, D] with serving models
    # [time] periods: each assignment's period, and the link rows of each period
    assignment_period: list[int] = field(default_factory=list)
    period_links: dict[int, dict[tuple[int, int], dict]] = field(default_factory=dict)


def _counts(
    row: dict, key: str, type_index: dict[str, int], n_types: int, subject: str, out: list
) -> np.ndarray:
    counts = np.zeros(n_types)
    for gpu_type, n in row.get(key, {}).items():
        if gpu_type not in type_index:
            out.append(Violation("unknown_id", subject, f"{key}: unknown GPU type {gpu_type!r}"))
            continue
        counts[type_index[gpu_type]] = float(n)
    return counts


def parse_plan(instance: Instance, plan: dict) -> ParsedPlan:
    """Resolve ids to indices; unknown or duplicate ids become violations and are skipped."""
    out: list[Violation] = []
    site_index = {sid: s for s, sid in enumerate(instance.site_ids)}
    region_index = {rid: r for r, rid in enumerate(instance.region_ids)}
    type_index = {t: i for i, t in enumerate(instance.gpu_types)}
    node_index = instance.topology.node_index()
    n_s, n_t = instance.n_sites, instance.n_types

    gpus = np.zeros((n_s, n_t))
    new_gpus = np.zeros((n_s, n_t))
    is_open = np.zeros(n_s, dtype=bool)
    listed = np.zeros(n_s, dtype=bool)
    site_rows: dict[int, dict] = {}
    for row in plan["sites"]:
        sid = row["id"]
        if sid not in site_index:
            out.append(Violation("unknown_id", sid, f"site {sid!r} is not in the scenario"))
            continue
        s = site_index[sid]
        if listed[s]:
            out.append(Violation("duplicate", sid, f"site {sid!r} is listed more than once"))
            continue
        listed[s] = True
        site_rows[s] = row
        gpus[s] = _counts(row, "gpus", type_index, n_t, sid, out)
        new_gpus[s] = _counts(row, "new_gpus", type_index, n_t, sid, out)
        is_open[s] = bool(row.get("open", gpus[s].sum() > 0))
        expected_node = instance.topology.node_ids[int(instance.site_node[s])]
        if row["node"] != expected_node:
            out.append(
                Violation(
                    "site_node",
                    sid,
                    f"node is {row['node']!r}, the scenario places the site on {expected_node!r}",
                )
            )

    items = ServingIndex(instance) if instance.serving is not None else None
    assignments: list[Assignment] = []
    periods: list[int] = []
    seen: set[tuple[int, int, int]] = set()
    for i, row in enumerate(plan["assignments"]):
        rid, sid = row["region"], row["site"]
        if rid not in region_index:
            out.append(Violation("unknown_id", rid, f"assignments[{i}]: unknown region {rid!r}"))
            continue
        if sid not in site_index:
            out.append(Violation("unknown_id", sid, f"assignments[{i}]: unknown site {sid!r}"))
            continue
        r, s = region_index[rid], site_index[sid]
        item, deployment, period = r, -1, 0
        if items is not None:
            resolved = items.assignment(r, row, f"assignments[{i}]", out)
            if resolved is None:
                continue
            item, deployment = resolved
        if instance.periods is not None:
            found_period = row_period(instance, row, f"assignments[{i}]", out)
            if found_period is None:
                continue
            period = found_period
            item = r * instance.n_periods + period
        key = (item, s, deployment)
        if key in seen:
            out.append(
                Violation("duplicate", rid, f"assignments[{i}]: region {rid!r} -> {sid!r} repeated")
            )
            continue
        seen.add(key)
        periods.append(period)
        assignments.append(
            Assignment(
                i,
                r,
                s,
                float(row["share"]),
                float(row["demand"]),
                row["rtt_ms"],
                item,
                deployment,
                row if items is not None else None,
            )
        )

    unserved = np.zeros(instance.n_items)
    for i, row in enumerate(plan["unserved"]):
        rid = row["region"]
        if rid not in region_index:
            out.append(Violation("unknown_id", rid, f"unserved[{i}]: unknown region {rid!r}"))
            continue
        item = region_index[rid]
        if items is not None:
            found = items.item(region_index[rid], row, f"unserved[{i}]", out)
            if found is None:
                continue
            item = found
        if instance.periods is not None:
            lost_period = row_period(instance, row, f"unserved[{i}]", out)
            if lost_period is None:
                continue
            item = item * instance.n_periods + lost_period
        unserved[item] += float(row["demand"])

    links: dict[tuple[int, int], dict] = {}
    period_links: dict[int, dict[tuple[int, int], dict]] = {}
    for i, row in enumerate(plan["links"]):
        name = f"{row['source']}->{row['target']}"
        if row["source"] not in node_index or row["target"] not in node_index:
            out.append(Violation("unknown_id", name, f"links[{i}]: unknown node"))
            continue
        pair = (node_index[row["source"]], node_index[row["target"]])
        rows = links
        if instance.periods is not None:
            link_period = row_period(instance, row, f"links[{i}]", out)
            if link_period is None:
                continue
            rows = period_links.setdefault(link_period, {})
        if pair in rows:
            out.append(Violation("duplicate", name, f"links[{i}]: link direction repeated"))
            continue
        rows[pair] = row
    replicas = items.replicas(site_rows, out) if items is not None else None
    return ParsedPlan(
        gpus,
        new_gpus,
        is_open,
        listed,
        site_rows,
        assignments,
        unserved,
        links,
        out,
        replicas,
        periods,
        period_links,
    )


class ServingIndex:
    """Ids of a serving scenario's items and deployments, from its input tables."""

    def __init__(self, instance: Instance):
        serving = instance.serving
        assert serving is not None
        self.instance = instance
        self.model = {m: i for i, m in enumerate(serving.model_ids)}
        self.tier = {t: i for i, t in enumerate(serving.tier_ids)}
        self.deployment = {d: i for i, d in enumerate(serving.deployment_ids)}
        self.items = {
            (int(r), int(m), int(q)): k
            for k, (r, m, q) in enumerate(
                zip(serving.item_region, serving.item_model, serving.item_tier, strict=True)
            )
        }

    def item(self, region: int, row: dict, where: str, out: list[Violation]) -> int | None:
        """The demand item a row names by region, ``model`` and ``tier``; None (and a violation)."""
        model, tier = row.get("model"), row.get("tier")
        if not isinstance(model, str) or not isinstance(tier, str):
            out.append(Violation("serving_fields", where, "needs the item's model and tier"))
            return None
        key = (region, self.model.get(model, -1), self.tier.get(tier, -1))
        if key not in self.items:
            what = f"no demand for model {model!r}, tier {tier!r} in region {row['region']!r}"
            out.append(Violation("unknown_id", where, what))
            return None
        return self.items[key]

    def assignment(
        self, region: int, row: dict, where: str, out: list[Violation]
    ) -> tuple[int, int] | None:
        """(item, deployment) of an assignment row; None (and a violation)."""
        item = self.item(region, row, where, out)
        name = row.get("deployment")
        if item is None:
            return None
        if name not in self.deployment:
            out.append(Violation("unknown_id", where, f"unknown deployment {name!r}"))
            return None
        return item, self.deployment[name]

    def replicas(self, site_rows: dict[int, dict], out: list[Violation]) -> np.ndarray:
        """Replicas per (site, deployment) from the site rows' ``replicas``."""
        counts = np.zeros((self.instance.n_sites, len(self.deployment)))
        for s, row in site_rows.items():
            for name, n in (row.get("replicas") or {}).items():
                sid = self.instance.site_ids[s]
                if name not in self.deployment:
                    out.append(
                        Violation("unknown_id", sid, f"replicas: unknown deployment {name!r}")
                    )
                elif not (float(n) >= 0 and float(n) == round(float(n))):
                    out.append(
                        Violation(
                            "replicas", sid, f"replicas of {name!r} must be a whole number >= 0"
                        )
                    )
                else:
                    counts[s, self.deployment[name]] = float(n)
        return counts


def capacity_value(row_capacity: float | None) -> float:
    return math.inf if row_capacity is None else float(row_capacity)
