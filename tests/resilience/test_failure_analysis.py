"""Failure analysis in re-home mode on hand-solvable instances."""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace.errors import InputError
from gpuplace.planning.failures import analyse_failures, redundancy_guarantee
from gpuplace.resilience import ReachablePairs, rehome
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers.plan import Plan
from support import resilience_cases
from support.resilience_cases import line_instance, plan_dict

PLAIN_PLAN = Plan.from_dict(resilience_cases.PLAIN_PLAN)
REDUNDANT_PLAN = Plan.from_dict(resilience_cases.REDUNDANT_PLAN)
SURVIVABLE_PLAN = Plan.from_dict(resilience_cases.SURVIVABLE_PLAN)


def _by_name(impacts):
    return {(i.kind, i.name): i for i in impacts}


def test_plain_plan_losing_its_only_site_leaves_all_demand_unserved():
    impacts = analyse_failures(line_instance(), PLAIN_PLAN, links=False)
    assert [(i.kind, i.name) for i in impacts] == [("site", "sB")]
    (impact,) = impacts
    assert impact.unserved_demand == pytest.approx(20.0)
    assert impact.unserved_fraction == pytest.approx(1.0)
    assert impact.kept_demand == pytest.approx(0.0)
    assert impact.affected_regions == ("rA", "rC")
    assert impact.unserved_regions == ("rA", "rC")
    assert impact.worst_rtt_ms is None


def test_survivable_plan_loses_nothing_to_any_site_and_rehomes_via_sb():
    impacts = _by_name(analyse_failures(line_instance(), SURVIVABLE_PLAN, links=False))
    assert set(impacts) == {("site", "sA"), ("site", "sB"), ("site", "sC")}
    for impact in impacts.values():
        assert impact.unserved_demand == pytest.approx(0.0, abs=1e-6)
    lost_a = impacts[("site", "sA")]
    assert lost_a.affected_regions == ("rA",)
    assert lost_a.kept_demand == pytest.approx(10.0)
    # rA moves to sB at 10 ms RTT; rC stays at sC (0 ms).
    assert lost_a.worst_rtt_ms == pytest.approx(10.0)
    assert lost_a.mean_rtt_ms == pytest.approx(5.0)
    # sB serves nothing in the plan: its loss disturbs no assignment.
    assert impacts[("site", "sB")].affected_regions == ()
    assert impacts[("site", "sB")].kept_demand == pytest.approx(20.0)


def test_link_failure_pushes_a_path_beyond_sla():
    impacts = _by_name(analyse_failures(line_instance(), PLAIN_PLAN, sites=False))
    cut = impacts[("link", "A--B")]
    # rA -> sB now takes A-D-B: 2 x 12 = 24 ms > 12 ms SLA; sA has no GPUs.
    assert cut.unserved_demand == pytest.approx(10.0)
    assert cut.unserved_fraction == pytest.approx(0.5)
    assert cut.affected_regions == ("rA",)
    assert cut.unserved_regions == ("rA",)
    assert cut.kept_demand == pytest.approx(10.0)
    # The unused detour links change nothing.
    for name in ("A--D", "D--B"):
        assert impacts[("link", name)].unserved_demand == 0.0
        assert impacts[("link", name)].affected_regions == ()
    # Worst first.
    ordered = analyse_failures(line_instance(), PLAIN_PLAN)
    assert [(i.kind, i.name) for i in ordered[:3]] == [
        ("site", "sB"),
        ("link", "A--B"),
        ("link", "B--C"),
    ]


def test_srlg_group_fails_its_links_together():
    impacts = analyse_failures(
        line_instance(),
        PLAIN_PLAN,
        sites=False,
        links=False,
        srlg={"cable": [("A", "B"), ("C", "B")]},
    )
    (group,) = impacts
    assert (group.kind, group.name) == ("srlg", "cable")
    assert group.failed == ("A--B", "B--C")
    assert group.unserved_demand == pytest.approx(20.0)


def test_srlg_naming_an_unknown_link_is_an_input_error():
    with pytest.raises(InputError) as caught:
        analyse_failures(
            line_instance(),
            PLAIN_PLAN,
            srlg={"cable": [("A", "C"), ("A", "Z")]},
            srlg_source="g.csv",
        )
    messages = [str(p) for p in caught.value.problems]
    assert any("no link 'A'--'C'" in m and "g.csv" in m for m in messages)
    assert any("unknown node(s) 'Z'" in m for m in messages)


def test_overloaded_links_when_traffic_keeps_its_site_on_the_detour():
    # Link capacities: A-B and B-C 100 Gbps, detour 4 Gbps; 1 Gbps per demand unit.
    instance = line_instance(capacity_gbps=(100.0, 100.0, 4.0, 4.0), gbps_per_unit=1.0)
    impacts = _by_name(analyse_failures(instance, PLAIN_PLAN, sites=False))
    overloads = {(o.source, o.target): o for o in impacts[("link", "A--B")].overloaded_links}
    # sB -> rA traffic (10 Gbps) now flows B -> D -> A.
    assert set(overloads) == {("B", "D"), ("D", "A")}
    assert all(o.load_gbps == pytest.approx(10.0) for o in overloads.values())
    assert all(o.capacity_gbps == pytest.approx(4.0) for o in overloads.values())


def test_redundancy_two_guarantees_half_the_demand():
    instance = line_instance(Constraints(redundancy=2))
    guarantee = redundancy_guarantee(instance, REDUNDANT_PLAN)
    assert guarantee.k == 2
    assert guarantee.promised_fraction == pytest.approx(0.5)
    assert guarantee.guaranteed_demand == pytest.approx(10.0)
    assert guarantee.guaranteed_fraction == pytest.approx(0.5)
    assert guarantee.max_share == {"rA": pytest.approx(0.5), "rC": pytest.approx(0.5)}
    # Each single-site loss keeps at least the guaranteed half without re-homing.
    impacts = analyse_failures(instance, REDUNDANT_PLAN, links=False)
    assert len(impacts) == 3
    assert min(i.kept_demand for i in impacts) >= guarantee.guaranteed_demand - 1e-9
    # The plain plan guarantees nothing.
    assert redundancy_guarantee(line_instance(), PLAIN_PLAN).guaranteed_demand == 0.0


def test_plan_naming_unknown_ids_is_an_input_error():
    bad = plan_dict({"sA": 1, "sB": 2}, [("rZ", "sA", 2.0)])
    bad["sites"][0]["id"] = "nowhere"
    bad["sites"][1]["gpus"] = {"X": 2}
    with pytest.raises(InputError) as caught:
        analyse_failures(line_instance(), Plan.from_dict(bad, source="p.json"))
    wheres = {p.where for p in caught.value.problems}
    assert {
        "sites[0].id",
        "sites[1].gpus",
        "assignments[0].region",
        "assignments[0].share",
    } <= wheres
    assert all(p.file == "p.json" for p in caught.value.problems)


def test_unknown_mode_is_an_input_error():
    with pytest.raises(InputError):
        analyse_failures(line_instance(), PLAIN_PLAN, mode="panic")


def test_rehome_lp_prefers_low_rtt_among_max_served_answers():
    # Two regions, two sites; region 0 can use both, region 1 only site 1.
    pairs = ReachablePairs(
        region=np.array([0, 0, 1]), site=np.array([0, 1, 1]), rtt_ms=np.array([9.0, 1.0, 2.0])
    )
    result = rehome(np.array([5.0, 5.0]), pairs, np.array([5.0, 5.0]))
    assert result.ok
    assert result.served == pytest.approx([5.0, 5.0])
    # Region 1 needs site 1 entirely, so region 0 must use the slower site 0.
    assert result.share == pytest.approx([1.0, 0.0, 1.0], abs=1e-6)
    tight = rehome(np.array([5.0, 5.0]), pairs, np.array([0.0, 6.0]))
    assert tight.served.sum() == pytest.approx(6.0)
    assert tight.unserved(np.array([5.0, 5.0])).sum() == pytest.approx(4.0)


def test_failover_mode_rehomes_within_the_failover_sla():
    plan = Plan.from_dict(plan_dict({"sB": 20, "sC": 20}, [("rA", "sB", 1.0), ("rC", "sC", 1.0)]))
    instance = line_instance(Constraints(failover_sla_factor=2.0))
    normal = _by_name(analyse_failures(instance, plan, links=False))
    # Within the 12 ms SLA rA cannot reach sC (20 ms): losing sB strands it.
    assert normal[("site", "sB")].unserved_demand == pytest.approx(10.0)
    failover = _by_name(analyse_failures(instance, plan, links=False, failover=True))
    # Within 2 x 12 ms it can, and sC has room for both regions.
    assert failover[("site", "sB")].unserved_demand == 0.0
    assert failover[("site", "sB")].worst_rtt_ms == pytest.approx(20.0)
    assert failover[("site", "sC")].unserved_demand == 0.0
