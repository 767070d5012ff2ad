"""OR-Library conversion: the written scenario loads and reproduces the published optima."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from gpuplace.datasets.orlib import convert_orlib, read_cflp
from gpuplace.errors import InputError
from gpuplace.scenario import load_instance


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_cap41_conversion_loads(orlib_root: Path, tmp_path: Path) -> None:
    written = convert_orlib(orlib_root / "cflp" / "cap41.txt", tmp_path / "cap41.toml")
    assert written[0] == tmp_path / "cap41.toml"
    assert all(p.exists() for p in written)
    inst = load_instance(tmp_path / "cap41.toml")
    assert (inst.n_sites, inst.n_regions, inst.n_types) == (16, 50, 1)
    assert inst.n_pairs == 16 * 50  # every pair is a candidate
    assert np.all(inst.site_max_gpus == 5000)
    bench = read_cflp(orlib_root / "cflp" / "cap41.txt")
    np.testing.assert_array_equal(inst.region_demand, bench.demand)
    # demand x rtt reproduces the cost of serving all of the customer (c_ij)
    cost = np.zeros((16, 50))
    cost[inst.pair_site, inst.pair_region] = inst.region_demand[inst.pair_region] * inst.pair_rtt_ms
    np.testing.assert_allclose(cost, bench.cost, rtol=1e-12, atol=1e-6)


def test_uncapacitated_and_capacity_options(orlib_root: Path, tmp_path: Path) -> None:
    convert_orlib(orlib_root / "cflp" / "cap41.txt", tmp_path / "u.toml", uncapacitated=True)
    sites = _rows(tmp_path / "u.sites.csv")
    assert {row["max_gpus"] for row in sites} == {"58268"}  # total demand: never binds
    convert_orlib(orlib_root / "cflp" / "capa.txt.gz", tmp_path / "a.toml", capacity=8000)
    assert {row["max_gpus"] for row in _rows(tmp_path / "a.sites.csv")} == {"8000"}
    with pytest.raises(InputError, match="capacity"):
        convert_orlib(orlib_root / "cflp" / "capa.txt.gz", tmp_path / "b.toml")
    with pytest.raises(InputError, match="cap\\*.txt files only"):
        convert_orlib(orlib_root / "pmed" / "pmed1.txt", tmp_path / "p.toml", capacity=5)


def test_pmed1_conversion_loads(orlib_root: Path, tmp_path: Path) -> None:
    convert_orlib(orlib_root / "pmed" / "pmed1.txt", tmp_path / "pmed1.toml")
    inst = load_instance(tmp_path / "pmed1.toml")
    assert (inst.n_sites, inst.n_regions) == (100, 100)
    assert inst.constraints.min_sites == inst.constraints.max_sites == 5
    assert np.all(inst.site_fixed_cost == 0) and np.all(inst.region_demand == 1)


def test_no_overwrite_without_force(orlib_root: Path, tmp_path: Path) -> None:
    source = orlib_root / "cflp" / "cap41.txt"
    convert_orlib(source, tmp_path / "cap41.toml")
    before = (tmp_path / "cap41.rtt.csv").read_bytes()
    with pytest.raises(InputError, match="exists; use --force"):
        convert_orlib(source, tmp_path / "cap41.toml")
    convert_orlib(source, tmp_path / "cap41.toml", force=True)
    assert (tmp_path / "cap41.rtt.csv").read_bytes() == before


def test_not_orlib(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    with pytest.raises(InputError, match="not an OR-Library"):
        convert_orlib(other, tmp_path / "x.toml")


solvers = pytest.importorskip("solvers")
has_solve = hasattr(solvers, "solve")


@pytest.mark.skipif(not has_solve, reason="solvers.solve is not available")
@pytest.mark.parametrize(
    ("file", "kwargs", "expected"),
    [
        ("cflp/cap41.txt", {}, 1040444.375),
        ("cflp/cap41.txt", {"uncapacitated": True}, 932615.75),
        ("pmed/pmed1.txt", {}, 5819.0),
    ],
)
def test_converted_scenarios_reproduce_optima(
    orlib_root: Path, tmp_path: Path, file: str, kwargs: dict, expected: float
) -> None:
    from gpuplace.solvers import SolveParameters, Status, solve

    convert_orlib(orlib_root / file, tmp_path / "s.toml", **kwargs)
    inst = load_instance(tmp_path / "s.toml")
    solution = solve(inst, solver="highs", params=SolveParameters(time_limit_s=120, gap=1e-9))
    assert solution.status == Status.OPTIMAL
    assert abs(solution.objective - expected) <= 0.002
