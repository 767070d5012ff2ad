"""The cut loop's rows as constraint pieces (gpuplace.resilience.*_rows), checked by hand.

Line instance (resilience_cases): rA reaches sA, sB; rC reaches sB, sC (failover
factor 1); demand 10 each; one GPU type of throughput 1, capex 100; fixed costs
sA 1000, sB 500, sC 1000; power 1000 kW per site, 1 kW per GPU.
"""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace.resilience.apriori_rows import MinOpenRows, SpreadRows
from gpuplace.resilience.cut_rows import CapacityCutRows
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers.backends.solution import warm_start_vector
from gpuplace.solvers.diagnosis.messages import partial_survivability
from gpuplace.solvers.model import build_model
from gpuplace.solvers.result import Solution, Status
from support.resilience_cases import line_instance

FLAGGED = Constraints(survive_site_failure=True)


def _rows(instance, pieces, row_block: str):
    """(A rows as dense arrays keyed by variable block, lb, ub) of one named row block."""
    model = build_model(instance, extra_pieces=pieces)
    block = next(b for b in model.con_blocks if b.name == row_block)
    rows = model.A[block.start : block.stop].toarray()
    out = {name: rows[:, vb.start : vb.stop] for name, vb in model.var_blocks.items()}
    return out, model.row_lb[block.start : block.stop], model.row_ub[block.start : block.stop]


def test_capacity_cut_rows_are_the_hall_inequality_and_its_open_cover():
    # rA's 10 units fit in sA: 1 × g_A >= 10, and min(capmax_A, 10) open_A >= 10.
    pieces = [CapacityCutRows([((0,), (0,))])]
    rows, lb, ub = _rows(line_instance(), pieces, "survive_site_failure:cuts")
    assert rows["gpus"].tolist() == [[-1.0, 0.0, 0.0]]
    assert ub.tolist() == [-10.0]
    cover, lb, _ = _rows(line_instance(), pieces, "survive_site_failure:open_cover")
    assert cover["open"].tolist() == [[10.0, 0.0, 0.0]]
    assert lb.tolist() == [10.0]


def test_min_open_rows_two_sites_in_each_neighbourhood():
    pieces = [MinOpenRows([(0, (0, 1))])]
    rows, lb, _ = _rows(line_instance(), pieces, "survive_site_failure:min_open")
    assert rows["open"].tolist() == [[1.0, 1.0, 0.0]] and lb.tolist() == [2.0]
    # With unserved demand allowed: open_A + open_B + 2 u_A / 10 >= 2.
    loose = line_instance(Constraints(allow_unserved=True))
    rows, lb, _ = _rows(loose, pieces, "survive_site_failure:min_open")
    assert rows["unserved"].tolist() == [[0.2, 0.0]]


def test_spread_rows_by_hand_and_tight_at_the_optimum():
    # R' = {rA}, K = {sA, sB}, need 10:
    #   m = 2: g_A + g_B + 5 (open_A + open_B) >= 30
    #   m = 3: g_A + g_B + 10/6 (open_A + open_B) >= 20
    pieces = [SpreadRows([((0,), (0, 1))])]
    two, lb2, _ = _rows(line_instance(), pieces, "survive_site_failure:spread2")
    three, lb3, _ = _rows(line_instance(), pieces, "survive_site_failure:spread3")
    assert two["gpus"].tolist() == [[1.0, 1.0, 0.0]]
    assert two["open"].tolist() == [[5.0, 5.0, 0.0]] and lb2.tolist() == [30.0]
    assert three["open"][0].tolist() == pytest.approx([10 / 6, 10 / 6, 0.0])
    assert lb3.tolist() == [20.0]
    # The optimum (10 GPUs at each site, all open) meets m = 2 with equality.
    gpus, opened = np.array([10.0, 10.0, 10.0]), np.ones(3)
    assert float((two["gpus"] @ gpus + two["open"] @ opened)[0]) == pytest.approx(30.0)
    assert float((three["gpus"] @ gpus + three["open"] @ opened)[0]) >= 20.0
    # One site short of its share breaks it.
    assert float((two["gpus"] @ (gpus - [1, 0, 0]) + two["open"] @ opened)[0]) < 30.0


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8])
def test_spread_rows_hold_for_the_least_capacity_at_n_sites(n):
    # n equal sites each holding need / (n - 1) survive any single loss, with least capacity.
    need = 12.0
    total = need * n / (n - 1)
    for m in (2, 3):
        assert total + need / (m * (m - 1)) * n >= need * (m + 1) / (m - 1) - 1e-9


def test_spread_rows_refused_with_unserved_demand():
    loose = line_instance(Constraints(allow_unserved=True))
    with pytest.raises(ValueError, match="all demand served"):
        build_model(loose, extra_pieces=[SpreadRows([((0,), (0, 1))])])


def _solution(instance, gpus_per_site, share):
    return Solution(
        status=Status.FEASIBLE,
        objective=0.0,
        bound=None,
        open_sites=np.array(gpus_per_site) > 0,
        new_gpus=np.array(gpus_per_site, dtype=np.int64)[:, None],
        pair_share=np.array(share, dtype=float),
        unserved=np.zeros(instance.n_regions),
        wall_s=0.0,
        backend="test",
        backend_version="",
    )


def test_rows_hold_for_the_survivable_plan_and_break_for_the_plain_one():
    instance = line_instance()
    pieces = [
        CapacityCutRows([((0,), (0,))]),
        MinOpenRows([(0, (0, 1))]),
        SpreadRows([((0,), (0, 1))]),
    ]
    model = build_model(instance, extra_pieces=pieces)
    # Pairs in (region, site) order: rA-sA, rA-sB, rC-sB, rC-sC.
    plain = _solution(instance, [0, 20, 0], [0.0, 1.0, 1.0, 0.0])
    survivable = _solution(instance, [10, 10, 10], [1.0, 0.0, 0.0, 1.0])
    broken = model.violations(warm_start_vector(model, instance, plain), tol=1e-7)
    assert set(broken) == {"survive_site_failure"}
    assert model.violations(warm_start_vector(model, instance, survivable), tol=1e-7) == {}


def test_diagnosis_knows_a_model_with_some_failover_rows_is_partial():
    pieces = [CapacityCutRows([((0,), (0,))])]
    assert partial_survivability(build_model(line_instance(), extra_pieces=pieces), line_instance())
    full = line_instance(FLAGGED)
    assert not partial_survivability(build_model(full), full)
    assert not partial_survivability(build_model(line_instance()), line_instance())
