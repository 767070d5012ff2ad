"""OR-Library facility-location benchmarks: conversion to scenarios, and published optima.

The two file families (``cap*.txt``, ``pmed*.txt``, either possibly gzipped) and
their readers are in :mod:`datasets.orlib_read`; this module re-exports the readers.
The instances and their published optima are in the repository's
``bench/data/orlib/`` (:func:`benchmarks_root`).

Conversion maps a benchmark onto the normal placement model, so the optimum of
the converted scenario equals the published optimum:

- one GPU type ``unit`` with capex 0, throughput 1 and a negligible power (1e-6 kW
  per unit, against 1 kW per site: never binds);
- site ``max_gpus`` = facility capacity (served demand <= capacity), ``fixed_cost``
  = facility fixed cost;
- region demand = ``d_j``; ``[latency] matrix`` with ``matrix_only = true`` and
  ``rtt_ms = c_ij / d_j``; objective ``cost`` with ``latency_weight = 1``, so the
  assignment term ``demand x share x rtt`` equals ``c_ij x share``;
- p-median: demand 1, ``rtt_ms`` = shortest-path distance, fixed cost 0,
  ``min_sites = max_sites = p``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gpuplace.datasets._text import csv_text, fmt, toml_text
from gpuplace.datasets.orlib_read import (
    CflpInstance,
    PmedInstance,
    instance_name,
    is_orlib,
    orlib_kind,
    read_cflp,
    read_pmed,
)
from gpuplace.errors import InputError, Problem
from gpuplace.files import refuse_existing, refuse_inputs, write_files
from gpuplace.files_read import read_text

__all__ = [
    "CflpInstance",
    "Optimum",
    "PmedInstance",
    "benchmark_file",
    "benchmarks_root",
    "convert_orlib",
    "instance_name",
    "is_orlib",
    "load_optima",
    "optimum",
    "orlib_kind",
    "read_cflp",
    "read_pmed",
]


_SLA_RTT_MS = 1e12  # "no SLA": every matrix pair is a candidate


# GPU power must be > 0: 1 mW per unit never binds against a 1 kW site (<= 1e5 units per site).
_UNIT_POWER_KW = 1e-6


@dataclass(frozen=True)
class Optimum:
    """A published optimal value (``variant``: capacitated, uncapacitated or p-median)."""

    instance: str
    variant: str
    optimum: float
    capacity: float | None = None


def _output_paths(output_toml: Path) -> dict[str, Path]:
    stem, folder = output_toml.stem, output_toml.parent
    return {
        "toml": output_toml,
        "topology": folder / f"{stem}.topology.json",
        "sites": folder / f"{stem}.sites.csv",
        "regions": folder / f"{stem}.regions.csv",
        "gpus": folder / f"{stem}.gpus.csv",
        "rtt": folder / f"{stem}.rtt.csv",
    }


def _star_topology(n_sites: int) -> dict:
    """A hub (where every customer sits) with one spoke node per facility; coordinates are dummies."""
    nodes = [{"id": "hub", "lat": 0.0, "lon": 0.0, "kind": "city"}]
    links = []
    for i in range(n_sites):
        angle = 2 * math.pi * i / max(n_sites, 1)
        nodes.append(
            {
                "id": f"f{i + 1}",
                "lat": round(0.01 * math.sin(angle), 6),
                "lon": round(0.01 * math.cos(angle), 6),
                "kind": "dc",
            }
        )
        links.append({"source": "hub", "target": f"f{i + 1}"})
    return {"directed": False, "multigraph": False, "graph": {}, "nodes": nodes, "links": links}


def _write_scenario(
    paths: dict[str, Path],
    *,
    name: str,
    description: str,
    fixed_cost: np.ndarray,
    max_gpus: np.ndarray,
    demand: np.ndarray,
    rtt_ms: np.ndarray,  # [sites, regions]
    constraints: dict,
) -> list[Path]:
    m, n = rtt_ms.shape
    site_ids = [f"f{i + 1}" for i in range(m)]
    region_ids = [f"c{j + 1}" for j in range(n)]
    topology = json.dumps(_star_topology(m), indent=1, ensure_ascii=False) + "\n"
    tables = {
        paths["topology"]: topology,
        paths["sites"]: csv_text(
            ["id", "node", "power_kw", "max_gpus", "fixed_cost"],
            [[site_ids[i], site_ids[i], 1, fmt(max_gpus[i]), fmt(fixed_cost[i])] for i in range(m)],
        ),
        paths["regions"]: csv_text(
            ["id", "lat", "lon", "demand", "sla_rtt_ms", "node"],
            [[region_ids[j], 0, 0, fmt(demand[j]), fmt(_SLA_RTT_MS), "hub"] for j in range(n)],
        ),
        paths["gpus"]: csv_text(
            ["type", "capex", "power_kw", "throughput"], [["unit", 0, fmt(_UNIT_POWER_KW), 1]]
        ),
        paths["rtt"]: csv_text(
            ["region", "site", "rtt_ms"],
            ([region_ids[j], site_ids[i], fmt(rtt_ms[i, j])] for j in range(n) for i in range(m)),
        ),
    }
    document = {
        "name": name,
        "description": description,
        "topology": {"file": paths["topology"].name},
        "sites": {"file": paths["sites"].name},
        "regions": {"file": paths["regions"].name, "gbps_per_unit": 0.0},
        "gpus": {"file": paths["gpus"].name},
        "latency": {"matrix": paths["rtt"].name, "matrix_only": True},
        "constraints": {
            "max_utilisation": 1.0,
            "min_gpus_per_site": 0,
            "link_capacity": False,
            "sovereignty": False,
            **constraints,
        },
        "objective": {"kind": "cost", "latency_weight": 1.0},
        "solver": {"gap": 1e-9, "time_limit_s": 600},
    }
    header = (
        "OR-Library benchmark converted by gpuplace (datasets.orlib).\n"
        "rtt_ms = c_ij / d_j and latency_weight = 1: the assignment cost is c_ij x share."
    )
    return write_files({paths["toml"]: toml_text(document, header=header), **tables})


def convert_orlib(
    path: str | Path,
    output_toml: str | Path,
    *,
    capacity: float | None = None,
    uncapacitated: bool = False,
    force: bool = False,
) -> list[Path]:
    """Convert an OR-Library ``cap*`` or ``pmed*`` file into a scenario.

    Writes ``output_toml`` and, next to it, ``<stem>.topology.json``,
    ``<stem>.sites.csv``, ``<stem>.regions.csv``, ``<stem>.gpus.csv`` and
    ``<stem>.rtt.csv``. The scenario's optimum equals the benchmark's.

    Parameters
    ----------
    path
        The OR-Library file.
    output_toml
        Where to write the scenario TOML.
    capacity
        Facility capacity for files holding the word ``capacity`` (capa/b/c);
        replaces every capacity otherwise. CFLP only.
    uncapacitated
        Ignore capacities (UFLP). ``max_gpus`` is then the total demand, which
        never binds. CFLP only.
    force
        Overwrite existing outputs.

    Returns
    -------
    list of Path
        The files written, the TOML first.

    Raises
    ------
    InputError
        Unrecognised or malformed input, options that do not apply, existing outputs.
    """
    path, output_toml = Path(path), Path(output_toml)
    kind = orlib_kind(path)
    if kind is None:
        raise InputError(
            Problem(str(path), "", "not an OR-Library cap*.txt (CFLP) or pmed*.txt (p-median) file")
        )
    paths = _output_paths(output_toml)
    for written in paths.values():
        refuse_inputs(written, [path], folder=False)
    refuse_existing(paths.values(), force=force)
    if kind == "cflp":
        inst = read_cflp(path, capacity=capacity)
        return _convert_cflp(inst, paths, uncapacitated=uncapacitated, source=path)
    if capacity is not None or uncapacitated:
        raise InputError(
            Problem(str(path), "", "--capacity and --uncapacitated apply to cap*.txt files only")
        )
    return _convert_pmed(read_pmed(path), paths, source=path)


def _convert_cflp(
    inst: CflpInstance, paths: dict[str, Path], *, uncapacitated: bool, source: Path
) -> list[Path]:
    zero = np.flatnonzero(inst.demand <= 0)
    if zero.size and (inst.cost[:, zero] > 0).any():
        raise InputError(
            Problem(
                str(source),
                f"customer {int(zero[0]) + 1}",
                "demand 0 with a positive cost cannot be expressed as cost per demand unit",
            )
        )
    safe_demand = np.where(inst.demand > 0, inst.demand, 1.0)
    rtt = inst.cost / safe_demand[None, :]
    total = float(np.ceil(inst.demand.sum()))
    max_gpus = np.full(inst.n_facilities, total) if uncapacitated else np.floor(inst.capacity)
    variant = "uncapacitated" if uncapacitated else "capacitated"
    cap_note = "" if uncapacitated else f", capacity {fmt(inst.capacity[0])}"
    return _write_scenario(
        paths,
        name=f"orlib-{inst.name}-{variant}",
        description=f"OR-Library {inst.name} ({variant}{cap_note}): "
        f"{inst.n_facilities} facilities x {inst.n_customers} customers",
        fixed_cost=inst.fixed_cost,
        max_gpus=max_gpus,
        demand=inst.demand,
        rtt_ms=rtt,
        constraints={},
    )


def _convert_pmed(inst: PmedInstance, paths: dict[str, Path], *, source: Path) -> list[Path]:
    n = inst.n
    return _write_scenario(
        paths,
        name=f"orlib-{inst.name}",
        description=f"OR-Library {inst.name} (p-median): n = {n}, p = {inst.p}",
        fixed_cost=np.zeros(n),
        max_gpus=np.full(n, float(n)),
        demand=np.ones(n),
        rtt_ms=inst.distance,  # symmetric: [site, region] == [region, site]
        constraints={"min_sites": inst.p, "max_sites": inst.p},
    )


def benchmarks_root() -> Path:
    """The benchmarks folder (it holds ``orlib/``): ``$GPUPLACE_BENCHMARKS`` when set, else
    the repository's ``bench/data``.

    The repository root is the ``gpuplace`` package, so a source checkout (or an
    editable install) finds its own copy with no setting. An installed wheel holds
    no benchmark data: set ``GPUPLACE_BENCHMARKS``.
    """
    env = os.environ.get("GPUPLACE_BENCHMARKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "bench" / "data"


def benchmark_file(family: str, name: str, root: str | Path | None = None) -> Path:
    """The file of OR-Library instance ``name`` of ``family`` (``"cflp"`` or ``"pmed"``).

    ``<root>/orlib/<family>/<name>.txt``, or ``<name>.txt.gz`` when only the
    gzipped file is there (the readers read both).

    Raises
    ------
    InputError
        When neither file exists.

    Examples
    --------
    >>> benchmark_file("cflp", "cap41").name, benchmark_file("cflp", "capa").name
    ('cap41.txt', 'capa.txt.gz')
    """
    folder = (Path(root) if root is not None else benchmarks_root()) / "orlib" / family
    plain = folder / f"{name}.txt"
    for candidate in (plain, folder / f"{name}.txt.gz"):
        if candidate.is_file():
            return candidate
    raise InputError(
        Problem(
            str(plain), "", "not found (nor .gz); set GPUPLACE_BENCHMARKS to the benchmarks folder"
        )
    )


def load_optima(family: str, root: str | Path | None = None) -> list[Optimum]:
    """Published optima of ``family`` ``"cflp"`` or ``"pmed"`` from ``orlib/<family>/optima.csv``.

    Raises
    ------
    InputError
        Unknown family, or the table is missing or malformed.
    """
    if family not in ("cflp", "pmed"):
        raise InputError(Problem("load_optima", "family", f"expected cflp or pmed, got {family!r}"))
    table = Path(root) if root is not None else benchmarks_root()
    table = table / "orlib" / family / "optima.csv"
    if not table.exists():
        raise InputError(
            Problem(str(table), "", "not found; set GPUPLACE_BENCHMARKS to the benchmarks folder")
        )
    result = []
    for row_no, row in enumerate(csv.DictReader(io.StringIO(read_text(table))), 1):
        try:
            cap = row.get("capacity") or ""
            result.append(
                Optimum(
                    instance=row["instance"],
                    variant=row.get("variant") or "p-median",
                    optimum=float(row["optimum"]),
                    capacity=float(cap) if cap.strip() else None,
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(Problem(str(table), f"row {row_no}", f"bad row: {error}")) from None
    return result


def optimum(
    instance: str,
    variant: str = "capacitated",
    capacity: float | None = None,
    root: str | Path | None = None,
) -> float:
    """The published optimum of one instance (``variant`` ignored for pmed).

    Raises
    ------
    KeyError
        When the table has no such instance.
    """
    family = "pmed" if instance.lower().startswith("pmed") else "cflp"
    for entry in load_optima(family, root):
        if entry.instance != instance:
            continue
        if family == "pmed":
            return entry.optimum
        if entry.variant == variant and entry.capacity in (None, capacity):
            return entry.optimum
    raise KeyError((instance, variant, capacity))
