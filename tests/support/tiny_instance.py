"""A hand-solvable instance and a correct solution for it (shared by plan and verify tests).

Nodes on the equator, one degree apart: A(0,0) - B(0,1) - C(0,2) - D(0,3).
A-B and B-C have latency_ms 1.0; C-D is derived from coordinates (111.195 km / 200).
Every link direction carries at most 10 Gbit/s. Sites: s1@A (AU), s2@C (NZ),
s3@D (closed), s4@B. Regions r1 near A, r2 near C, r3 near D, 1 Gbit/s per unit.

Solution: s1 opens with 2 H100 and serves r1 and half of r2; s2 opens with 1 H100
and serves the other half of r2 and all of r3.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints, LatencySettings
from gpuplace.solvers.result import Solution, Status
from gpuplace.topo.graph import make_topology


def make_tiny(constraints: Constraints | None = None, **overrides):
    topology = make_topology(
        ["A", "B", "C", "D"],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 2.0, 3.0],
        [("A", "B"), ("B", "C"), ("C", "D")],
        latency_ms=[1.0, 1.0, np.nan],
        capacity_gbps=[10.0, 10.0, 10.0],
        country=["AU", "AU", "NZ", "NZ"],
        kind=["city", "city", "city", "city"],
    )
    kwargs = dict(
        topology=topology,
        site_ids=["s1", "s2", "s3", "s4"],
        site_node=[0, 2, 3, 1],
        site_power_kw=[100.0, 100.0, 100.0, 100.0],
        site_max_gpus=[50, 50, 50, 50],
        site_fixed_cost=[1000.0, 800.0, 500.0, 700.0],
        site_cost_factor=[1.0, 1.5, 1.0, 1.0],
        site_pue=[1.2, 1.0, 1.0, 1.0],
        site_status=[0, 0, 2, 0],
        region_ids=["r1", "r2", "r3"],
        region_lat=[0.1, 0.1, 0.0],
        region_lon=[0.0, 2.0, 3.1],
        region_demand=[10.0, 5.0, 4.0],
        region_sla_rtt_ms=[50.0, 50.0, 50.0],
        region_gbps_per_unit=[1.0, 1.0, 1.0],
        gpu_types=["H100", "L40S"],
        gpu_capex=[100.0, 40.0],
        gpu_power_kw=[1.0, 0.5],
        gpu_throughput=[10.0, 3.0],
        latency_settings=LatencySettings(),
        constraints=constraints or Constraints(),
        name="tiny",
    )
    kwargs.update(overrides)
    return build_instance(**kwargs)


def shares_for(instance, shares: dict[tuple[str, str], float]) -> np.ndarray:
    """pair_share aligned with instance.pair_* from {(region, site): share}."""
    out = np.zeros(instance.n_pairs)
    for p in range(instance.n_pairs):
        key = (
            instance.region_ids[instance.pair_region[p]],
            instance.site_ids[instance.pair_site[p]],
        )
        out[p] = shares.pop(key, 0.0)
    assert not shares, f"pairs not in the instance: {shares}"
    return out


BASE_SHARES = {("r1", "s1"): 1.0, ("r2", "s1"): 0.5, ("r2", "s2"): 0.5, ("r3", "s2"): 1.0}


def make_solution(
    instance,
    shares: dict[tuple[str, str], float] | None = None,
    new_gpus: list[list[int]] | None = None,
    open_sites: list[bool] | None = None,
    unserved: list[float] | None = None,
    status: Status = Status.OPTIMAL,
    bound: float | None = None,
) -> Solution:
    return Solution(
        status=status,
        objective=None,
        bound=bound,
        open_sites=np.array(open_sites or [True, True, False, False]),
        new_gpus=np.array(new_gpus or [[2, 0], [1, 0], [0, 0], [0, 0]], dtype=np.int64),
        pair_share=shares_for(instance, dict(shares or BASE_SHARES)),
        unserved=np.array(unserved or [0.0, 0.0, 0.0]),
        wall_s=0.01,
        backend="hand",
        backend_version="1",
    )


SETTINGS = {"time_limit_s": 10.0, "gap": 0.0, "threads": 1, "seed": 0}


def with_constraints(instance, **changes):
    """The same instance (same pairs) with some constraints changed."""
    return dataclasses.replace(
        instance, constraints=dataclasses.replace(instance.constraints, **changes)
    )
