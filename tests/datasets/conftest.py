"""Fixtures for the dataset tests: the OR-Library benchmark folder (bench/data/orlib)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.datasets.orlib import benchmarks_root


@pytest.fixture(scope="session")
def orlib_root() -> Path:
    root = benchmarks_root() / "orlib"
    assert (root / "cflp" / "optima.csv").is_file(), f"OR-Library benchmarks missing under {root}"
    return root
