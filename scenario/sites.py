"""``sites.csv`` and ``gpus.csv``: validation and conversion to arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.instance import SiteStatus
from gpuplace.scenario.tables import (
    AT_LEAST_ONE,
    NON_NEGATIVE,
    POSITIVE,
    Table,
    check_columns,
    country_code,
    has,
    node_indices,
    numbers,
    texts,
    unique_ids,
)
from gpuplace.topo.graph import Topology

__all__ = [
    "EXISTING_PREFIX",
    "GPU_OPTIONAL",
    "GPU_REQUIRED",
    "GpuTable",
    "SITE_OPTIONAL",
    "SITE_REQUIRED",
    "STATUS",
    "SiteTable",
    "check_existing_fit",
    "read_gpus",
    "read_sites",
]

EXISTING_PREFIX = "existing_"
GPU_REQUIRED = ("type", "capex", "power_kw", "throughput")
GPU_OPTIONAL = ("memory_gb",)
SITE_REQUIRED = ("id", "node", "power_kw")
SITE_OPTIONAL = ("max_gpus", "fixed_cost", "cost_factor", "pue", "country", "status")
STATUS = {"candidate": SiteStatus.CANDIDATE, "open": SiteStatus.OPEN, "closed": SiteStatus.CLOSED}


@dataclass(frozen=True, eq=False)
class GpuTable:
    types: list[str]
    capex: np.ndarray
    power_kw: np.ndarray
    throughput: np.ndarray  # NaN where not given (serving scenarios)
    memory_gb: np.ndarray  # NaN where not given


@dataclass(frozen=True, eq=False)
class SiteTable:
    ids: list[str]
    node: np.ndarray
    power_kw: np.ndarray
    max_gpus: np.ndarray
    fixed_cost: np.ndarray
    cost_factor: np.ndarray
    pue: np.ndarray
    country: list[str] | None
    status: np.ndarray
    existing: np.ndarray  # int [S, T]


def read_gpus(
    table: Table, problems: ProblemCollector, *, serving: bool = False
) -> GpuTable | None:
    """Validate the GPU catalogue: unique types, capex >= 0, power_kw > 0, throughput > 0.

    With ``serving`` (the scenario has deployments) ``throughput`` is optional:
    deployments' profiles say what a GPU serves. ``memory_gb`` (> 0) is optional.
    """
    required = tuple(c for c in GPU_REQUIRED if not (serving and c == "throughput"))
    optional = GPU_OPTIONAL + (("throughput",) if serving else ())
    if not check_columns(table, required, optional, problems):
        return None
    return GpuTable(
        types=unique_ids(table, "type", problems),
        capex=numbers(table, "capex", problems, check=NON_NEGATIVE),
        power_kw=numbers(table, "power_kw", problems, check=POSITIVE),
        throughput=numbers(
            table, "throughput", problems, default=np.nan if serving else None, check=POSITIVE
        ),
        memory_gb=numbers(table, "memory_gb", problems, default=np.nan, check=POSITIVE),
    )


def _statuses(table: Table, problems: ProblemCollector) -> np.ndarray:
    out = np.zeros(len(table), dtype=np.int64)
    for i, raw in enumerate(texts(table, "status")):
        if not raw:
            continue
        status = STATUS.get(raw.lower())
        if status is None:
            problems.add(
                table.file,
                table.where(i, "status"),
                f"'{raw}' is not a status (candidate, open or closed)",
            )
        else:
            out[i] = int(status)
    return out


def _existing(table: Table, gpu_types: list[str] | None, problems: ProblemCollector) -> np.ndarray:
    columns = [c for c in table.frame.columns if c.startswith(EXISTING_PREFIX)]
    types = gpu_types or []
    existing = np.zeros((len(table), len(types)), dtype=np.int64)
    for column in columns:
        name = column[len(EXISTING_PREFIX) :]
        values = numbers(table, column, problems, default=0.0, check=NON_NEGATIVE, integer=True)
        if gpu_types is None:
            continue
        if name not in types:
            listed = ", ".join(types) if len(types) <= 20 else f"{len(types)} types"
            problems.add(
                table.file,
                f"column {column}",
                f"GPU type '{name}' is not in the GPU catalogue ({listed})",
            )
            continue
        existing[:, types.index(name)] = np.nan_to_num(values).astype(np.int64)
    return existing


def _countries(table: Table, problems: ProblemCollector) -> list[str] | None:
    if not has(table, "country"):
        return None
    out = []
    for i, raw in enumerate(texts(table, "country")):
        out.append("" if not raw else country_code(table, i, "country", raw, problems) or "")
    return out


def read_sites(
    table: Table,
    topology: Topology | None,
    gpu_types: list[str] | None,
    problems: ProblemCollector,
) -> SiteTable | None:
    """Validate ``sites.csv`` against the topology and the GPU catalogue.

    ``topology`` or ``gpu_types`` None (they failed to load) skips the checks
    that need them. An empty ``country`` cell takes the node's country.
    """
    ok = check_columns(
        table,
        SITE_REQUIRED,
        SITE_OPTIONAL,
        problems,
        extra_ok=lambda c: c.startswith(EXISTING_PREFIX) and len(c) > len(EXISTING_PREFIX),
    )
    if not ok:
        return None
    node_index = topology.node_index() if topology is not None else None
    node = node_indices(table, "node", node_index, problems, required=True)
    status = _statuses(table, problems)
    existing = _existing(table, gpu_types, problems)
    for i in np.flatnonzero((status == SiteStatus.CLOSED) & (existing.sum(axis=1) > 0)):
        problems.add(
            table.file,
            table.where(int(i), "status"),
            "a closed site cannot hold existing GPUs (existing_* columns are > 0)",
        )
    country = _countries(table, problems)
    if country is not None and topology is not None:
        country = [
            c or (topology.node_country[n] if n >= 0 else "")
            for c, n in zip(country, node, strict=True)
        ]
    return SiteTable(
        ids=unique_ids(table, "id", problems),
        node=node,
        power_kw=numbers(table, "power_kw", problems, check=NON_NEGATIVE),
        max_gpus=numbers(
            table, "max_gpus", problems, default=np.inf, check=NON_NEGATIVE, integer=True
        ),
        fixed_cost=numbers(table, "fixed_cost", problems, default=0.0, check=NON_NEGATIVE),
        cost_factor=numbers(table, "cost_factor", problems, default=1.0, check=POSITIVE),
        pue=numbers(table, "pue", problems, default=1.0, check=AT_LEAST_ONE),
        country=country,
        status=status,
        existing=existing,
    )


def check_existing_fit(
    table: Table, sites: SiteTable, gpus: GpuTable, problems: ProblemCollector
) -> None:
    """Existing GPUs must fit the site's power (with pue) and space."""
    if sites.existing.shape[1] != len(gpus.types) or not sites.existing.any():
        return
    need_kw = sites.existing @ np.nan_to_num(gpus.power_kw) * sites.pue
    count = sites.existing.sum(axis=1)
    for i in np.flatnonzero(need_kw > sites.power_kw + 1e-9):
        problems.add(
            table.file,
            table.where(int(i), "power_kw"),
            f"existing GPUs need {need_kw[i]:g} kW (with pue), more than power_kw "
            f"{sites.power_kw[i]:g}",
        )
    for i in np.flatnonzero(count > sites.max_gpus):
        problems.add(
            table.file,
            table.where(int(i), "max_gpus"),
            f"{int(count[i])} existing GPUs exceed max_gpus {sites.max_gpus[i]:g}",
        )
