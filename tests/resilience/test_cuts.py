"""Failover cuts (gpuplace.resilience.cuts) on the line instance, answers checked by hand.

Line instance (resilience_cases): rA reaches sA, sB; rC reaches sB, sC (failover
factor 1); demand 10 each; one GPU type of throughput 1, capex 100; fixed costs
sA 1000, sB 500, sC 1000; power 1000 kW per site, 1 kW per GPU.
"""

from __future__ import annotations

import numpy as np

from gpuplace.resilience.cuts import (
    closure_cuts,
    closures,
    min_open_rows,
    separate,
    site_capacity_bound,
    violated,
)
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers.constraints.survivability import may_open
from gpuplace.solvers.reachable import reachable_pairs
from support.resilience_cases import line_instance

FLAGGED = Constraints(survive_site_failure=True)


def _pairs(instance):
    return reachable_pairs(instance, sla_factor=instance.constraints.failover_sla_factor)


def test_separate_splits_the_minimum_cut_into_independent_components():
    instance = line_instance(FLAGGED)
    served = np.array([10.0, 10.0])
    # Plain plan: 20 units at sB. Losing sB, rA can use only sA and rC only sC:
    # two independent violated cuts, rA <= cap(sA) and rC <= cap(sC).
    cuts = separate(np.array([0.0, 20.0, 0.0]), served, 1, _pairs(instance))
    assert sorted(cuts) == [((0,), (0,)), ((1,), (2,))]
    # Only rA's side short: one cut.
    assert separate(np.array([4.0, 20.0, 10.0]), served, 1, _pairs(instance)) == [((0,), (0,))]
    # Survivable capacities, and losing a site that serves nobody.
    assert separate(np.array([10.0, 10.0, 10.0]), served, 1, _pairs(instance)) == []
    assert separate(np.array([0.0, 20.0, 0.0]), served, 0, _pairs(instance)) == []


def test_separate_finds_shortfalls_below_one_unit_with_fractional_capacities():
    instance = line_instance(FLAGGED)
    cuts = separate(np.array([9.999, 20.0, 10.0]), np.array([10.0, 10.0]), 1, _pairs(instance))
    assert cuts == [((0,), (0,))]


def test_closure_cuts_by_hand():
    instance = line_instance(FLAGGED)
    usable = may_open(instance)
    # Neighbourhoods: rA {sA, sB}, rC {sB, sC}; each closure holds one region.
    assert closures(instance, _pairs(instance), usable) == [((0,), (0, 1)), ((1,), (1, 2))]
    assert closure_cuts(instance, _pairs(instance), usable) == [
        ((0,), (0,)),  # sB lost: rA fits in sA
        ((0,), (1,)),  # sA lost: rA fits in sB
        ((1,), (1,)),
        ((1,), (2,)),
    ]
    # With twice the SLA every region reaches every site: one closure {rA, rC} in 3 sites.
    wide = line_instance(Constraints(survive_site_failure=True, failover_sla_factor=2.0))
    assert closure_cuts(wide, _pairs(wide), may_open(wide)) == [
        ((0, 1), (0, 1)),
        ((0, 1), (0, 2)),
        ((0, 1), (1, 2)),
    ]


def test_violated_checks_a_pool_at_once():
    pool = [((0,), (0,)), ((0,), (1,)), ((1,), (1,)), ((1,), (2,))]
    served = np.array([10.0, 10.0])
    assert violated(pool, np.array([0.0, 20.0, 0.0]), served) == [((0,), (0,)), ((1,), (2,))]
    assert violated(pool, np.array([10.0, 10.0, 10.0]), served) == []


def test_min_open_rows_one_per_distinct_neighbourhood():
    instance = line_instance(FLAGGED)
    assert min_open_rows(instance, _pairs(instance), may_open(instance)) == [
        (0, (0, 1)),
        (1, (1, 2)),
    ]


def test_site_capacity_bound_from_power():
    # capmax: 1000 kW / 1 kW per GPU × throughput 1.
    assert site_capacity_bound(line_instance()).tolist() == [1000.0, 1000.0, 1000.0]
