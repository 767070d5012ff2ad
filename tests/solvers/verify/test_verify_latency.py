"""The verifier's own latency: hand-computed RTTs, the measured matrix, tied paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gpuplace.scenario.build import build_instance
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import Solution, Status
from gpuplace.solvers.verify import verify_plan
from gpuplace.solvers.verify.network import Network, great_circle_km, link_one_way_ms
from gpuplace.topo.graph import make_topology
from support.tiny_instance import SETTINGS, make_solution, make_tiny

KM_PER_DEGREE = math.pi / 180.0 * 6371.0088
ACCESS_MS = 0.1 * KM_PER_DEGREE * 1.5 / 200.0  # each region sits 0.1 degree from its node


def test_great_circle_on_the_contract_sphere():
    assert great_circle_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(KM_PER_DEGREE, rel=1e-12)


def test_link_latency_given_or_derived(tiny):
    assert link_one_way_ms(tiny, 0) == 1.0
    assert link_one_way_ms(tiny, 2) == pytest.approx(KM_PER_DEGREE / 200.0, rel=1e-12)


@pytest.mark.parametrize(
    ("region", "site", "one_way_path_ms"),
    [
        (0, 0, 0.0),  # r1 at A, s1 at A
        (0, 1, 2.0),  # r1 -> A-B-C (two 1 ms links)
        (2, 1, KM_PER_DEGREE / 200.0),  # r3 at D -> C, derived link
        (2, 0, 2.0 + KM_PER_DEGREE / 200.0),
    ],
)
def test_rtt_matches_hand_computation(tiny, region, site, one_way_path_ms):
    expected = 2.0 * (ACCESS_MS + one_way_path_ms)
    assert Network(tiny).rtt_ms(region, site) == pytest.approx(expected, rel=1e-9)


def test_rtt_agrees_with_the_model_pairs(tiny):
    network = Network(tiny)
    for r, s, rtt in zip(tiny.pair_region, tiny.pair_site, tiny.pair_rtt_ms, strict=True):
        assert network.rtt_ms(int(r), int(s)) == pytest.approx(float(rtt), rel=1e-9)


def test_per_hop_and_route_factor():
    from gpuplace.scenario.instance import LatencySettings

    instance = make_tiny(
        latency_settings=LatencySettings(
            per_hop_ms=0.25, link_route_factor=1.2, access_route_factor=2.0, fibre_km_per_ms=100.0
        )
    )
    expected_link = KM_PER_DEGREE * 1.2 / 100.0 + 0.25
    assert link_one_way_ms(instance, 2) == pytest.approx(expected_link, rel=1e-12)
    access = 0.1 * KM_PER_DEGREE * 2.0 / 100.0
    assert Network(instance).rtt_ms(2, 1) == pytest.approx(2 * (access + expected_link), rel=1e-9)


def test_matrix_overrides_derived_rtt():
    instance = make_tiny(matrix=([1], [0], [7.0]))
    network = Network(instance)
    assert network.rtt_ms(1, 0) == 7.0
    plan = build_plan(instance, make_solution(instance), solver_settings=SETTINGS)
    row = next(a for a in plan["assignments"] if (a["region"], a["site"]) == ("r2", "s1"))
    assert row["rtt_ms"] == 7.0
    assert verify_plan(instance, plan) == []
    # The same plan against the instance without the matrix: r2 -> s1 is 4.17 ms.
    violations = verify_plan(make_tiny(), plan)
    assert {v.constraint for v in violations} >= {"rtt"}


def _square():
    """A(0,0) to D through B or C: two paths of exactly 2 ms."""
    topology = make_topology(
        ["A", "B", "C", "D"],
        [0.0, 1.0, -1.0, 0.0],
        [0.0, 1.0, 1.0, 2.0],
        [("A", "B"), ("B", "D"), ("A", "C"), ("C", "D")],
        latency_ms=[1.0, 1.0, 1.0, 1.0],
        capacity_gbps=[5.0, 5.0, 5.0, 5.0],
    )
    instance = build_instance(
        topology=topology,
        site_ids=["sa"],
        site_node=[0],
        site_power_kw=[100.0],
        region_ids=["rd"],
        region_lat=[0.0],
        region_lon=[2.0],
        region_demand=[4.0],
        region_sla_rtt_ms=[10.0],
        region_gbps_per_unit=[1.0],
        gpu_types=["H100"],
        gpu_capex=[1.0],
        gpu_power_kw=[1.0],
        gpu_throughput=[10.0],
    )
    solution = Solution(
        status=Status.OPTIMAL,
        objective=None,
        bound=None,
        open_sites=np.array([True]),
        new_gpus=np.array([[1]]),
        pair_share=np.array([1.0]),
        unserved=np.array([0.0]),
        wall_s=0.0,
        backend="hand",
        backend_version="1",
    )
    return instance, build_plan(instance, solution, solver_settings=SETTINGS)


def _links(*rows):
    return [{"source": u, "target": v, "load_gbps": x, "capacity_gbps": 5.0} for u, v, x in rows]


def test_tied_paths_either_route_is_accepted():
    instance, plan = _square()
    assert verify_plan(instance, plan) == []
    for via in ("B", "C"):
        plan["links"] = _links(("A", via, 4.0), (via, "D", 4.0))
        assert verify_plan(instance, plan) == [], via
    plan["links"] = _links(("A", "B", 2.0), ("B", "D", 2.0), ("A", "C", 2.0), ("C", "D", 2.0))
    plan["kpis"]["max_link_utilisation"] = 0.4
    assert verify_plan(instance, plan) == []


def test_tied_paths_still_catch_wrong_loads():
    instance, plan = _square()
    plan["links"] = _links(("A", "B", 4.0), ("B", "D", 4.0), ("C", "D", 1.0))
    found = verify_plan(instance, plan)
    assert {v.constraint for v in found} == {"link_load"}
    assert {v.subject for v in found} == {"C", "D", "links"}
    plan["links"] = _links(("A", "B", 6.0), ("B", "D", 4.0))
    found = [v for v in verify_plan(instance, plan) if v.constraint == "link_load"]
    assert "A->B" in [v.subject for v in found]
    plan["links"] = _links(("D", "B", 4.0), ("B", "A", 4.0))  # wrong direction
    assert {v.constraint for v in verify_plan(instance, plan)} >= {"link_load"}


@pytest.mark.parametrize("from_sites", [False, True])
def test_both_dijkstra_orientations_agree(tiny, from_sites):
    network = Network(tiny, from_sites=from_sites)
    for r in range(tiny.n_regions):
        for s in range(tiny.n_sites):
            path = network.path(r, s)
            assert path[0] == tiny.region_node[r]
            assert path[-1] == tiny.site_node[s]
            hops = sum(
                network.graph[u][v]["weight"] for u, v in zip(path[:-1], path[1:], strict=True)
            )
            assert hops == pytest.approx(network.one_way_ms(r, s))
            assert network.rtt_ms(r, s) == pytest.approx(Network(tiny).rtt_ms(r, s))
