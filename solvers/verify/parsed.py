"""A plan's rows resolved to instance indices, with id problems reported as violations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.violation import Violation


@dataclass
class Assignment:
    row: int
    region: int
    site: int
    share: float
    demand: float
    rtt_ms: float


@dataclass
class ParsedPlan:
    """Plan numbers as arrays aligned with the instance (sites ``s``, regions ``r``, types ``t``)."""

    gpus: np.ndarray  # float [S, T], as written (integrality checked separately)
    new_gpus: np.ndarray  # float [S, T]
    is_open: np.ndarray  # bool [S]
    listed: np.ndarray  # bool [S]: the site has a row
    site_rows: dict[int, dict]
    assignments: list[Assignment]
    unserved: np.ndarray  # float [R]
    links: dict[tuple[int, int], dict]  # directed (u, v) node indices -> row
    violations: list[Violation] = field(default_factory=list)


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
    n_s, n_r, n_t = instance.n_sites, instance.n_regions, instance.n_types

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

    assignments: list[Assignment] = []
    seen: set[tuple[int, int]] = set()
    for i, row in enumerate(plan["assignments"]):
        rid, sid = row["region"], row["site"]
        if rid not in region_index:
            out.append(Violation("unknown_id", rid, f"assignments[{i}]: unknown region {rid!r}"))
            continue
        if sid not in site_index:
            out.append(Violation("unknown_id", sid, f"assignments[{i}]: unknown site {sid!r}"))
            continue
        key = (region_index[rid], site_index[sid])
        if key in seen:
            out.append(
                Violation("duplicate", rid, f"assignments[{i}]: region {rid!r} -> {sid!r} repeated")
            )
            continue
        seen.add(key)
        assignments.append(
            Assignment(i, key[0], key[1], float(row["share"]), float(row["demand"]), row["rtt_ms"])
        )

    unserved = np.zeros(n_r)
    for i, row in enumerate(plan["unserved"]):
        rid = row["region"]
        if rid not in region_index:
            out.append(Violation("unknown_id", rid, f"unserved[{i}]: unknown region {rid!r}"))
            continue
        unserved[region_index[rid]] += float(row["demand"])

    links: dict[tuple[int, int], dict] = {}
    for i, row in enumerate(plan["links"]):
        name = f"{row['source']}->{row['target']}"
        if row["source"] not in node_index or row["target"] not in node_index:
            out.append(Violation("unknown_id", name, f"links[{i}]: unknown node"))
            continue
        key = (node_index[row["source"]], node_index[row["target"]])
        if key in links:
            out.append(Violation("duplicate", name, f"links[{i}]: link direction repeated"))
            continue
        links[key] = row
    return ParsedPlan(gpus, new_gpus, is_open, listed, site_rows, assignments, unserved, links, out)


def capacity_value(row_capacity: float | None) -> float:
    return math.inf if row_capacity is None else float(row_capacity)
