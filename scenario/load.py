"""``load_instance``: scenario TOML + CSV tables + topology -> validated :class:`Instance`.

Every problem in every file is collected and reported together
(:class:`~gpuplace.errors.InputError`); suspicious but valid input becomes
``Instance.warnings``.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import connected_components

from gpuplace.errors import InputError, Problem, ProblemCollector
from gpuplace.files_read import confined, confinement_requested, read_text
from gpuplace.scenario.build import build_instance
from gpuplace.scenario.hashing import TOPOHUB_PREFIX, scenario_hash, topohub_stamp
from gpuplace.scenario.instance import Instance, MeasuredPairs
from gpuplace.scenario.measured import MeasuredColumns, parse_measured, scenario_pairs
from gpuplace.scenario.money_load import MoneyInputs, attach_money, read_money_inputs
from gpuplace.scenario.overrides import apply_overrides
from gpuplace.scenario.regions import (
    MatrixTable,
    RegionTable,
    coordinate_warnings,
    read_matrix,
    read_regions,
)
from gpuplace.scenario.schema import ScenarioSettings, normalised, validate_settings
from gpuplace.scenario.serving import Serving
from gpuplace.scenario.serving_read import SERVING_TABLES, read_serving
from gpuplace.scenario.sites import GpuTable, SiteTable, check_existing_fit, read_gpus, read_sites
from gpuplace.scenario.tables import read_bytes, read_table
from gpuplace.scenario.time_read import apply_time, time_paths
from gpuplace.topo.calibration import Calibration, read_calibration
from gpuplace.topo.graph import Topology
from gpuplace.topo.latency import graph_matrix
from gpuplace.topo.readers import read_topology

__all__ = ["input_paths", "load_instance", "read_toml", "topology_warnings"]

_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a scenario TOML file; any problem raises :class:`InputError`."""
    text = read_text(path)
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise InputError(Problem(str(path), "", "is not valid TOML: nested too deeply")) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_LINE.search(message)
        where = f"line {found.group(1)}" if found else ""
        what = _TOML_LINE.sub("", message).strip()
        raise InputError(Problem(str(path), where, f"is not valid TOML: {what}")) from None


def input_paths(settings: ScenarioSettings, base: Path, *, confine: bool) -> dict[str, Path]:
    """Every file the scenario names (``topohub:`` keys are not files), by its dotted key.

    With ``confine``, each must resolve inside ``base`` (:func:`gpuplace.files_read.confined`).

    Raises
    ------
    InputError
        With ``confine``, naming every file outside ``base``.
    """
    named = {
        "topology.file": settings.topology_file,
        "sites.file": settings.sites_file,
        "regions.file": settings.regions_file,
        "gpus.file": settings.gpus_file,
        "latency.matrix": settings.matrix_file,
        "latency.measured": settings.measured_file,
        "latency.calibration": settings.calibration_file,
        **{f"{name}.file": file for name, file in (settings.serving_files or {}).items()},
        **{
            "money.energy" if name == "money" else f"{name}.file": file
            for name, file in (settings.money_files or {}).items()
        },
    }
    paths = {
        key: base / name
        for key, name in named.items()
        if name is not None and not name.startswith(TOPOHUB_PREFIX)
    }
    if confine:
        problems = ProblemCollector()
        for key, path in paths.items():
            try:
                confined(path, base, what=key)
            except InputError as error:
                problems.problems.extend(error.problems)
        problems.raise_if_any()
    return paths


def _read_topology(
    ref: str, base: Path, problems: ProblemCollector
) -> tuple[Topology | None, bytes]:
    if ref.startswith(TOPOHUB_PREFIX):
        source: str | Path = ref
        stamp = topohub_stamp(ref)
    else:
        source = base / ref
        content = read_bytes(source, problems)
        if content is None:
            return None, b""
        stamp = content
    try:
        topology = read_topology(source)
    except InputError as error:
        problems.problems.extend(error.problems)
        return None, stamp
    if topology.n_nodes == 0:
        problems.add(str(source), "", "the topology has no nodes")
        return None, stamp
    return topology, stamp


def _read_calibration(
    name: str | None, base: Path, problems: ProblemCollector
) -> tuple[Calibration | None, bytes]:
    if name is None:
        return None, b""
    stamp = read_bytes(base / name, problems)
    if stamp is None:
        return None, b""
    try:
        return read_calibration(base / name), stamp
    except InputError as error:
        problems.problems.extend(error.problems)
        return None, stamp


def _parse_measured(tables: dict, problems: ProblemCollector) -> MeasuredColumns | None:
    table = tables.get("measured")
    return parse_measured(table, problems) if table is not None else None


def _measured_pairs(
    columns: MeasuredColumns | None, regions: RegionTable, sites: SiteTable, topology: Topology
) -> tuple[MeasuredPairs | None, list[str]]:
    if columns is None:
        return None, []
    return scenario_pairs(columns, regions.ids, sites.ids, topology.node_ids)


def topology_warnings(topology: Topology) -> list[str]:
    """A warning when the topology is split into several connected components."""
    n = topology.n_nodes
    graph = graph_matrix(topology, np.ones(topology.n_edges))
    count, labels = connected_components(graph, directed=False)
    if count <= 1:
        return []
    largest = int(np.bincount(labels).max())
    return [
        f"{topology.source}: the topology is split into {count} components "
        f"(the largest has {largest} of {n} nodes); regions and sites in different "
        "components cannot reach each other"
    ]


def _assemble(
    settings: ScenarioSettings,
    topology: Topology,
    sites: SiteTable,
    regions: RegionTable,
    gpus: GpuTable,
    matrix: MatrixTable | None,
    latency_inputs: tuple[MeasuredPairs | None, Calibration | None],
    sha256: str,
    path: Path,
    serving: Serving | None = None,
) -> Instance:
    measured, calibration = latency_inputs
    return build_instance(
        topology=topology,
        site_ids=sites.ids,
        site_node=sites.node,
        site_power_kw=sites.power_kw,
        site_max_gpus=sites.max_gpus,
        site_fixed_cost=sites.fixed_cost,
        site_cost_factor=sites.cost_factor,
        site_pue=sites.pue,
        site_country=sites.country,
        site_status=sites.status,
        site_existing_gpus=sites.existing,
        region_ids=regions.ids,
        region_lat=regions.lat,
        region_lon=regions.lon,
        region_demand=regions.demand,
        region_sla_rtt_ms=regions.sla_rtt_ms,
        region_node=regions.node,
        region_country=regions.country,
        region_allowed_countries=regions.allowed,
        region_gbps_per_unit=regions.gbps_per_unit,
        gpu_types=gpus.types,
        gpu_capex=gpus.capex,
        gpu_power_kw=gpus.power_kw,
        gpu_throughput=gpus.throughput,
        matrix=(matrix.region, matrix.site, matrix.rtt_ms) if matrix is not None else None,
        matrix_only=settings.matrix_only,
        measured=measured,
        calibration=calibration,
        serving=serving,
        latency_settings=settings.latency,
        constraints=settings.constraints,
        objective=settings.objective,
        solver=settings.solver,
        name=settings.name,
        sha256=sha256,
        scenario_path=str(path),
    )


def load_instance(
    path: str | Path,
    overrides: Mapping[str, str] | None = None,
    *,
    confine: bool | None = None,
) -> Instance:
    """Load, validate and assemble a scenario.

    Parameters
    ----------
    path
        The scenario TOML file; tables and the topology are resolved relative to its folder.
    overrides
        ``{"constraints.budget": "2e8", ...}``: dotted keys, values as TOML literals.
    confine
        Refuse any named file that resolves outside the TOML file's folder (for
        services loading scenarios written by others). None: confined when the
        environment sets ``GPUPLACE_CONFINE_INPUTS=1``.

    Returns
    -------
    Instance
        With ``sha256`` over the resolved inputs, ``warnings`` for suspicious
        input and ``input_files``, every file read (after overrides).

    Raises
    ------
    InputError
        With every problem found, each naming the file and the row, column or key.
    """
    path = Path(path)
    file = str(path)
    data = read_toml(path)
    problems = ProblemCollector()
    data = apply_overrides(data, overrides, file, problems)
    settings = validate_settings(data, file, problems)
    if settings is None:
        problems.raise_if_any()
    assert settings is not None
    base = path.parent
    paths = input_paths(
        settings, base, confine=confinement_requested() if confine is None else confine
    )
    topology, topology_stamp = _read_topology(settings.topology_file, base, problems)
    tables = {
        "sites": read_table(base / settings.sites_file, problems),
        "regions": read_table(base / settings.regions_file, problems),
        "gpus": read_table(base / settings.gpus_file, problems),
    }
    if settings.matrix_file is not None:
        tables["matrix"] = read_table(base / settings.matrix_file, problems)
    if settings.measured_file is not None:
        tables["measured"] = read_table(base / settings.measured_file, problems)
    for name, file in (settings.serving_files or {}).items():
        tables[name] = read_table(base / file, problems)
    for name, file in (settings.money_files or {}).items():
        tables[name] = read_table(base / file, problems)
    for label, time_path in time_paths(data.get("time"), base).items():
        if confinement_requested() if confine is None else confine:
            confined(time_path, base, what=label)
        paths[label] = time_path
        tables[label] = read_table(time_path, problems)
    serving_mode = settings.serving_files is not None
    calibration, calibration_stamp = _read_calibration(settings.calibration_file, base, problems)
    measured_columns = _parse_measured(tables, problems)
    gpus = (
        read_gpus(tables["gpus"], problems, serving=serving_mode)
        if tables["gpus"] is not None
        else None
    )
    gpu_types = gpus.types if gpus is not None else None
    sites = (
        read_sites(tables["sites"], topology, gpu_types, problems)
        if tables["sites"] is not None
        else None
    )
    regions = (
        read_regions(
            tables["regions"],
            topology,
            settings.regions_gbps_per_unit,
            problems,
            serving=serving_mode,
        )
        if tables["regions"] is not None
        else None
    )
    serving = None
    if serving_mode:
        serving = read_serving(
            {name: tables[name] for name in SERVING_TABLES},
            regions.ids if regions is not None else None,
            gpu_types,
            gpus.memory_gb if gpus is not None else None,
            tables["gpus"],
            problems,
        )
    matrix = None
    if (matrix_table := tables.get("matrix")) is not None:
        matrix = read_matrix(
            matrix_table,
            regions.ids if regions is not None else None,
            sites.ids if sites is not None else None,
            problems,
        )
    if sites is not None and gpus is not None and tables["sites"] is not None:
        check_existing_fit(tables["sites"], sites, gpus, problems)
    money: MoneyInputs | None = None
    if settings.money is not None and sites is not None and regions is not None:
        money = read_money_inputs(settings, tables, sites, regions.ids, serving, file, problems)
        serving = money.serving
    problems.raise_if_any()
    assert topology is not None and sites is not None and regions is not None and gpus is not None
    assert tables["regions"] is not None
    warnings = coordinate_warnings(tables["regions"], regions, topology, problems)
    problems.raise_if_any()
    warnings += topology_warnings(topology)
    measured, unused = _measured_pairs(measured_columns, regions, sites, topology)
    warnings += unused
    inputs = [("topology", topology_stamp)]
    inputs += [(label, table.data) for label, table in tables.items() if table is not None]
    inputs += [("calibration", calibration_stamp)] if calibration is not None else []
    sha256 = scenario_hash(normalised(data), inputs)
    latency = (measured, calibration)
    instance = _assemble(
        settings, topology, sites, regions, gpus, matrix, latency, sha256, path, serving
    )
    instance = apply_time(instance, data.get("time"), tables, str(path))
    if money is not None:
        instance = attach_money(instance, money)
        warnings += list(money.warnings)
    read = (str(path), *(str(p) for p in paths.values()))
    return dataclasses.replace(instance, warnings=tuple(warnings), input_files=read)
