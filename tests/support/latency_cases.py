"""Synthetic ground truth for calibration: a topology, points on it, RTTs from known parameters."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gpuplace.topo.graph import Topology, make_topology
from gpuplace.topo.measured import LatencyParameters, MeasuredRtts, attach_points, model_rtt_ms

TRUTH = LatencyParameters(
    fibre_km_per_ms=150.0, link_route_factor=1.0, per_hop_ms=0.8, access_route_factor=2.0
)


def mesh(n: int = 40, seed: int = 1) -> Topology:
    """``n`` cities over ~3,000 km, each linked to its 3 nearest neighbours (lengths derived)."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(40.0, 60.0, n)
    lon = rng.uniform(-5.0, 25.0, n)
    ids = [f"n{i}" for i in range(n)]
    d = np.hypot(lat[:, None] - lat[None, :], (lon[:, None] - lon[None, :]) * 0.6)
    edges = set()
    for i in range(n):
        for j in np.argsort(d[i])[1:4]:
            edges.add((min(i, int(j)), max(i, int(j))))
    # a chain through all nodes keeps the mesh connected
    edges |= {(i, i + 1) for i in range(n - 1)}
    pairs = sorted(edges)
    return make_topology(ids, lat, lon, [(ids[a], ids[b]) for a, b in pairs], kind=["city"] * n)


def measured(
    topology: Topology,
    truth: LatencyParameters = TRUTH,
    *,
    points: int = 24,
    noise: float = 0.0,
    seed: int = 2,
) -> MeasuredRtts:
    """RTTs between ``points`` random positions (every ordered pair), from ``truth``.

    ``noise`` is the standard deviation of a multiplicative Gaussian error.
    """
    rng = np.random.default_rng(seed)
    lat = rng.uniform(41.0, 59.0, points)
    lon = rng.uniform(-4.0, 24.0, points)
    node, km = attach_points(topology, lat, lon)
    a, b = np.nonzero(~np.eye(points, dtype=bool))
    rows = MeasuredRtts(
        file="synthetic",
        rows=np.arange(1, a.size + 1),
        source=tuple(f"p{i}" for i in a),
        target=tuple(f"p{i}" for i in b),
        source_node=node[a],
        target_node=node[b],
        source_access_km=km[a],
        target_access_km=km[b],
        rtt_ms=np.ones(a.size),
    )
    exact = model_rtt_ms(topology, rows, truth)
    noisy = exact * (1.0 + noise * rng.standard_normal(a.size))
    return replace(rows, rtt_ms=noisy)
