"""Serving models on a world-scale scenario: models, deployments, profiles and demand per region.

:func:`add_serving` reads a folder written by :func:`gpuplace.datasets.world.build_world`
and writes a second scenario beside it (``serving.toml``, by default) with the
serving tables of :mod:`gpuplace.datasets.serving_catalog`: three models (8B,
70B, mixture of experts), nine deployments on the three GPU types, two SLO
tiers (interactive, batch). Each region's demand (``regions.csv``, in
H100-equivalents) becomes output tokens/s, split over models and tiers; the
regions' ``sla_rtt_ms`` stay as caps on the network RTT, so the candidate
triples stay within each region's reach (``rtt_cap_ms`` tightens them, for a
smaller instance). Deterministic (no randomness).

Shape at 5,000 regions (``build_world(5000, 0)``, 1,246 sites): 30,000 items,
9 pools (deployments) at every site, 39.2 M candidate triples with the world's
SLAs (2.18 M region-site pairs x 6 items x 3 deployments of each model); with
``rtt_cap_ms=20``, 6.4 M.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import numpy as np

from gpuplace.datasets._text import csv_text, fmt, toml_text
from gpuplace.datasets.apac.serving import TOKENS_PER_UNIT, serving_tables
from gpuplace.errors import InputError, Problem
from gpuplace.files import refuse_existing, write_files
from gpuplace.scenario import load_instance

__all__ = ["SERVING_FILES", "add_serving"]

SERVING_FILES = (
    "serving_gpus.csv",
    "models.csv",
    "deployments.csv",
    "profiles.csv",
    "slo.csv",
    "demand.csv",
)


def _read_regions(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as error:
        raise InputError(Problem(str(path), "", f"cannot read: {error.strerror}")) from None


def _capped_regions(scenario: Path, regions: list[dict[str, str]], cap_ms: float) -> str:
    """``regions.csv`` with ``sla_rtt_ms`` capped (see :func:`add_serving`)."""
    instance = load_instance(scenario)
    nearest = np.full(instance.n_regions, np.inf)
    np.minimum.at(nearest, instance.pair_region, instance.pair_rtt_ms)
    floor = np.ceil(nearest / 10.0 - 1e-9) * 10.0
    header = list(regions[0]) if regions else ["id", "lat", "lon", "demand", "sla_rtt_ms"]
    rows = []
    for r, row in enumerate(regions):
        sla = min(float(row["sla_rtt_ms"]), max(float(cap_ms), float(floor[r])))
        rows.append([fmt(sla) if key == "sla_rtt_ms" else row[key] for key in header])
    return csv_text(header, rows)


def add_serving(
    world: str | Path,
    *,
    name: str = "serving.toml",
    tokens_per_unit: float = TOKENS_PER_UNIT,
    time_limit_s: float = 60.0,
    rtt_cap_ms: float | None = None,
    force: bool = False,
) -> Path:
    """Write a serving scenario beside the world scenario in ``world``; returns its TOML.

    Parameters
    ----------
    world
        A folder written by ``build_world`` (``scenario.toml``, ``regions.csv``, ``sites.csv``).
    name
        File name of the new scenario TOML.
    tokens_per_unit
        Output tokens/s per demand unit of ``regions.csv``.
    time_limit_s
        Written to ``[solver]``.
    rtt_cap_ms
        Cap every region's ``sla_rtt_ms`` at this RTT, except where its nearest
        site is farther (then at that site's RTT, rounded up to 10 ms); written to
        ``serving_regions.csv``. None keeps ``regions.csv`` as it is.
    force
        Overwrite existing outputs.

    Returns
    -------
    Path
        The serving scenario: the world's topology, sites and regions (whose
        ``demand`` column is not read), ``serving_gpus.csv`` (the GPU catalogue
        with ``memory_gb``) and the five serving tables; no budget.
    """
    world = Path(world)
    base = world / "scenario.toml"
    try:
        document = tomllib.loads(base.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InputError(Problem(str(base), "", f"cannot read a world scenario: {error}")) from None
    outputs = [world / name, *(world / f for f in SERVING_FILES)]
    if rtt_cap_ms is not None:
        outputs.append(world / "serving_regions.csv")
    refuse_existing(outputs, force=force)
    regions = _read_regions(world / document["regions"]["file"])
    rows = [{**r, "allowed_countries": ""} for r in regions]
    tables = serving_tables(rows, tokens_per_unit=tokens_per_unit)
    document["name"] = f"{document.get('name', 'world')}-serving"
    document["description"] = (
        "The world scenario serving three models in two SLO tiers (datasets/world_serving.py)"
    )
    document["gpus"] = {"file": "serving_gpus.csv"}
    for section in ("models", "deployments", "profiles", "slo", "demand"):
        document[section] = {"file": f"{section}.csv"}
    document.setdefault("constraints", {}).pop("budget", None)
    document["objective"] = {"kind": "cost"}
    document["solver"] = {**document.get("solver", {}), "time_limit_s": float(time_limit_s)}
    header = f"Serving models on {base.name}, generated by gpuplace.datasets.world_serving."
    files = {world / file: tables[file] for file in SERVING_FILES}
    if rtt_cap_ms is not None:
        files[world / "serving_regions.csv"] = _capped_regions(base, regions, rtt_cap_ms)
        document["regions"] = {**document["regions"], "file": "serving_regions.csv"}
    files[world / name] = toml_text(document, header=header)
    write_files(files)
    return world / name
