"""Fixtures for the dataset tests: the OR-Library benchmark folder (skip when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.datasets.orlib import benchmarks_root


@pytest.fixture(scope="session")
def orlib_root() -> Path:
    root = benchmarks_root() / "orlib"
    if not (root / "cflp" / "cap41.txt").exists():
        pytest.skip(f"OR-Library benchmarks not found under {root} (set GPUPLACE_BENCHMARKS)")
    return root
