"""Shared helpers for the topology tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).parents[1] / "topo" / "fixtures"


def topohub_available() -> bool:
    try:
        import topohub  # noqa: F401
    except ImportError:
        return False
    return True


needs_topohub = pytest.mark.skipif(not topohub_available(), reason="topohub not installed")


def assert_same_topology(a, b) -> None:
    """Equal ids, names, countries, kinds, coordinates, links and link values (NaN == NaN)."""
    assert a.node_ids == b.node_ids
    assert a.node_name == b.node_name
    assert a.node_country == b.node_country
    assert a.node_kind == b.node_kind
    np.testing.assert_array_equal(a.node_lat, b.node_lat)
    np.testing.assert_array_equal(a.node_lon, b.node_lon)
    np.testing.assert_array_equal(a.edge_src, b.edge_src)
    np.testing.assert_array_equal(a.edge_dst, b.edge_dst)
    np.testing.assert_array_equal(a.edge_latency_ms, b.edge_latency_ms)
    np.testing.assert_array_equal(a.edge_distance_km, b.edge_distance_km)
    np.testing.assert_array_equal(a.edge_capacity_gbps, b.edge_capacity_gbps)
