"""OR-Library readers: sizes, number counts, the 'capacity' word, last-line-wins distances."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from gpuplace.datasets.orlib import (
    benchmark_file,
    benchmarks_root,
    is_orlib,
    load_optima,
    optimum,
    orlib_kind,
    read_cflp,
    read_pmed,
)
from gpuplace.errors import InputError


def test_cap41_sizes_and_values(orlib_root: Path) -> None:
    path = orlib_root / "cflp" / "cap41.txt"
    inst = read_cflp(path)
    assert (inst.n_facilities, inst.n_customers) == (16, 50)
    assert inst.cost.shape == (16, 50)
    numbers = path.read_text().split()
    m, n = 16, 50
    assert len(numbers) == 2 + 2 * m + n * (1 + m)
    assert np.all(inst.capacity == 5000.0)
    assert np.all(inst.fixed_cost[np.arange(16) != 10] == 7500.0)
    assert inst.fixed_cost[10] == 0.0  # facility 11 is free in every small instance
    assert inst.demand.sum() == 58268.0
    # first customer: demand on its own line, then its 16 costs
    assert inst.demand[0] == float(numbers[2 + 2 * m])
    assert inst.cost[0, 0] == float(numbers[3 + 2 * m])
    assert inst.cost[15, 0] == float(numbers[2 + 2 * m + 16])


def test_capacity_word_needs_a_value(orlib_root: Path) -> None:
    with pytest.raises(InputError) as error:
        read_cflp(orlib_root / "cflp" / "capa.txt.gz")
    text = str(error.value)
    assert "capacity" in text and "8000" in text and "line 2" in text
    inst = read_cflp(orlib_root / "cflp" / "capa.txt.gz", capacity=8000)
    assert (inst.n_facilities, inst.n_customers) == (100, 1000)
    assert np.all(inst.capacity == 8000.0)


def test_wrong_number_count_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "cap99.txt"
    bad.write_text(" 2 1 \n 10 5. \n 10 5. \n 3 \n 1.5 \n")  # one cost missing
    with pytest.raises(InputError, match="needs 2 \\+ 2m \\+ n\\(1\\+m\\) = 9"):
        read_cflp(bad)
    bad.write_text(" 2 1 \n 10 5. \n 10 x \n 3 \n 1.5 2 \n")
    with pytest.raises(InputError, match="line 3"):
        read_cflp(bad)


def test_pmed1_last_line_wins(orlib_root: Path) -> None:
    path = orlib_root / "pmed" / "pmed1.txt"
    inst = read_pmed(path)
    assert inst.n == 100 and inst.p == 5
    # (30, 70) appears twice: length 5 (line 117) then 74 (line 176): 74 counts
    lines = [line.split() for line in path.read_text().splitlines()[1:]]
    lengths = [int(w) for i, j, w in lines if {i, j} == {"30", "70"}]
    assert lengths == [5, 74]
    assert 5 < inst.distance[29, 69] <= 74
    graph = nx.Graph()
    for i, j, w in lines:  # networkx: later add_edge overwrites the weight
        graph.add_edge(int(i) - 1, int(j) - 1, weight=int(w))
    expected = nx.floyd_warshall_numpy(graph, nodelist=range(100), weight="weight")
    np.testing.assert_array_equal(inst.distance, expected)


def test_pmed1_optimum_independent_mip(orlib_root: Path) -> None:
    """The distances reproduce the published optimum with a plain MIP (scipy/HiGHS)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix, csr_matrix, hstack, identity

    inst = read_pmed(orlib_root / "pmed" / "pmed1.txt")
    n = inst.n
    nx_ = n * n  # x[i, j]: vertex j served by median i
    cost = np.concatenate([inst.distance.ravel(), np.zeros(n)])
    serve = hstack(
        [
            coo_matrix((np.ones(nx_), (np.tile(np.arange(n), n), np.arange(nx_))), shape=(n, nx_)),
            csr_matrix((n, n)),
        ]
    )
    link = hstack(
        [
            identity(nx_),
            -coo_matrix((np.ones(nx_), (np.arange(nx_), np.repeat(np.arange(n), n))), (nx_, n)),
        ]
    )
    count = hstack([csr_matrix((1, nx_)), csr_matrix(np.ones((1, n)))])
    result = milp(
        cost,
        constraints=[
            LinearConstraint(serve, 1, 1),
            LinearConstraint(link, -np.inf, 0),
            LinearConstraint(count, inst.p, inst.p),
        ],
        integrality=np.concatenate([np.zeros(nx_), np.ones(n)]),
        bounds=Bounds(0, 1),
    )
    assert result.status == 0
    assert abs(result.fun - 5819) < 1e-6


def test_pmed_errors(tmp_path: Path) -> None:
    bad = tmp_path / "pmed99.txt"
    bad.write_text(" 3 2 1 \n 1 2 5 \n 2 9 5 \n")
    with pytest.raises(InputError, match="line 3.*vertex out of 1..3"):
        read_pmed(bad)
    bad.write_text(" 3 1 1 \n 1 2 5 \n")
    with pytest.raises(InputError, match="not connected"):
        read_pmed(bad)
    bad.write_text(" 3 2 1 \n 1 2 5 \n")
    with pytest.raises(InputError, match="announces 2 edges"):
        read_pmed(bad)


def test_detection(orlib_root: Path, tmp_path: Path) -> None:
    assert orlib_kind(orlib_root / "cflp" / "cap41.txt") == "cflp"
    assert orlib_kind(orlib_root / "cflp" / "capb.txt.gz") == "cflp"
    assert orlib_kind(orlib_root / "pmed" / "pmed7.txt") == "pmed"
    assert not is_orlib(orlib_root / "cflp" / "capopt.txt")
    assert not is_orlib(orlib_root / "cflp" / "optima.csv")
    # by content, whatever the name
    renamed = tmp_path / "facilities.txt"
    renamed.write_bytes(gzip.decompress((orlib_root / "cflp" / "capa.txt.gz").read_bytes())[:2000])
    assert orlib_kind(renamed) == "cflp"
    renamed.write_bytes((orlib_root / "pmed" / "pmed1.txt").read_bytes())
    assert orlib_kind(renamed) == "pmed"
    other = tmp_path / "network.txt"
    other.write_text("?SNDlib native format; type: network; version: 1.0\nNODES (\n")
    assert orlib_kind(other) is None


def test_optima_tables(orlib_root: Path) -> None:
    cflp = load_optima("cflp", orlib_root.parent)
    pmed = load_optima("pmed", orlib_root.parent)
    assert len(cflp) == 89 and len(pmed) == 40
    assert optimum("cap41", root=orlib_root.parent) == 1040444.375
    assert optimum("cap41", "uncapacitated", root=orlib_root.parent) == 932615.75
    assert optimum("capb", capacity=7000.0, root=orlib_root.parent) == 13198556.434
    assert optimum("pmed1", root=orlib_root.parent) == 5819
    with pytest.raises(KeyError):
        optimum("capa", root=orlib_root.parent)  # four capacities: one must be named
    with pytest.raises(InputError, match="GPUPLACE_BENCHMARKS"):
        load_optima("pmed", orlib_root / "nowhere")


def test_benchmarks_root_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GPUPLACE_BENCHMARKS", str(tmp_path))
    assert benchmarks_root() == tmp_path
    with pytest.raises(InputError, match="cap41.txt: not found"):
        benchmark_file("cflp", "cap41")


def test_benchmarks_root_is_in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GPUPLACE_BENCHMARKS", raising=False)
    repository = Path(__file__).resolve().parents[2]
    assert benchmarks_root() == repository / "bench" / "data"
    assert benchmark_file("cflp", "cap41") == repository / "bench/data/orlib/cflp/cap41.txt"
    assert benchmark_file("cflp", "capc").name == "capc.txt.gz"
    assert len(load_optima("cflp")) == 89


def test_stored_files_match_the_originals(orlib_root: Path) -> None:
    """Every file of SHA256SUMS (original bytes) is there, plain or gzipped, unchanged."""
    lines = (orlib_root / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 84  # 40 cap + capopt + optima, 40 pmed + pmedopt + optima
    for line in lines:
        digest, name = line.split(maxsplit=1)
        path = orlib_root / name
        data = (
            path.read_bytes()
            if path.exists()
            else gzip.decompress(path.with_suffix(".txt.gz").read_bytes())
        )
        assert hashlib.sha256(data).hexdigest() == digest, name
    stored = {str(p.relative_to(orlib_root)).removesuffix(".gz") for p in orlib_root.glob("*/*")}
    assert stored == {line.split(maxsplit=1)[1] for line in lines}


def test_gzipped_file_reads_as_the_plain_one(orlib_root: Path, tmp_path: Path) -> None:
    plain = orlib_root / "pmed" / "pmed2.txt"
    packed = tmp_path / "pmed2.txt.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_pmed(plain), read_pmed(packed)
    assert (b.name, b.p, b.n_edge_lines) == (a.name, a.p, a.n_edge_lines)
    np.testing.assert_array_equal(a.distance, b.distance)
    assert orlib_kind(packed) == "pmed"
    unnamed = tmp_path / "graph.txt.gz"
    os.link(packed, unnamed)
    assert orlib_kind(unnamed) == "pmed"  # by content, through gzip
    broken = tmp_path / "cap41.txt.gz"
    broken.write_bytes(gzip.compress((orlib_root / "cflp" / "cap41.txt").read_bytes())[:300])
    with pytest.raises(InputError, match="cap41.txt.gz: cannot read"):
        read_cflp(broken)
