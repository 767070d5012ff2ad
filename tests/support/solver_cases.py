"""Tiny hand-made instances for solver tests (no files)."""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints, Instance, Objective
from gpuplace.topo.graph import make_topology


def tiny(
    demand,
    rtt,
    *,
    power=None,
    fixed=None,
    capex=(10.0,),
    thr=(1.0,),
    gpu_kw=(1.0,),
    sla=100.0,
    constraints: Constraints | None = None,
    objective: Objective | None = None,
    **kwargs,
) -> Instance:
    """Sites s0..s{S-1}, regions r0..; ``rtt[r][s]`` (inf: unreachable), measured RTTs only."""
    rtt = np.asarray(rtt, dtype=float)
    R, S = rtt.shape
    topo = make_topology(
        [f"n{s}" for s in range(S)],
        np.zeros(S),
        np.arange(S, dtype=float),
        country=kwargs.pop("node_country", None),
    )
    r_idx, s_idx = np.nonzero(np.isfinite(rtt))
    return build_instance(
        topology=topo,
        site_ids=[f"s{s}" for s in range(S)],
        site_node=list(range(S)),
        site_power_kw=power if power is not None else [100.0] * S,
        site_fixed_cost=fixed if fixed is not None else [0.0] * S,
        region_ids=[f"r{r}" for r in range(R)],
        region_lat=np.zeros(R),
        region_lon=np.zeros(R),
        region_node=[0] * R,
        region_demand=demand,
        region_sla_rtt_ms=np.broadcast_to(np.asarray(sla, dtype=float), (R,)),
        gpu_types=[f"g{t}" for t in range(len(capex))],
        gpu_capex=capex,
        gpu_power_kw=gpu_kw,
        gpu_throughput=thr,
        matrix=(r_idx, s_idx, rtt[r_idx, s_idx]),
        matrix_only=True,
        constraints=constraints or Constraints(),
        objective=objective or Objective(),
        **kwargs,
    )


def base(**kwargs) -> Instance:
    """Sites s0 (fixed 100), s1 (fixed 50); regions of demand 1, 2, 3; capex 10, throughput 1.

    Optimum without extra constraints: open s1 only with 6 GPUs, cost 110.
    """
    rtt = kwargs.pop("rtt", [[1.0, 10.0], [10.0, 1.0], [10.0, 1.0]])
    return tiny([1.0, 2.0, 3.0], rtt, fixed=kwargs.pop("fixed", [100.0, 50.0]), **kwargs)


def installed_backends() -> list[str]:
    from gpuplace import solvers

    return [name for name, ok in solvers.available_solvers().items() if ok and name != "auto"]


def linked_instance(capacity: float, link_capacity: bool = True):
    """Two sites on one link of ``capacity`` Gb/s; every region attaches at A (1 Gb/s per unit)."""
    topo = make_topology(
        ["A", "B"], [0.0, 0.0], [0.0, 1.0], [("A", "B")], latency_ms=[1.0], capacity_gbps=[capacity]
    )
    return build_instance(
        topology=topo,
        site_ids=["sa", "sb"],
        site_node=[0, 1],
        site_power_kw=[100.0, 100.0],
        site_fixed_cost=[100.0, 50.0],
        region_ids=["r0", "r1", "r2"],
        region_lat=[0.0] * 3,
        region_lon=[0.0] * 3,
        region_node=[0, 0, 0],
        region_demand=[1.0, 2.0, 3.0],
        region_sla_rtt_ms=[100.0] * 3,
        region_gbps_per_unit=[1.0] * 3,
        gpu_types=["g"],
        gpu_capex=[10.0],
        gpu_power_kw=[1.0],
        gpu_throughput=[1.0],
        constraints=Constraints(link_capacity=link_capacity),
    )
