"""Periods of the day: two regions twelve hours apart share one pool, solved by hand.

See :mod:`support.time_cases`: the shared pool holds 12 GPUs where sizing each
region for its own peak needs 20. Every plan is checked by the verifier.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from gpuplace.errors import InputError
from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.scenario import load_instance
from gpuplace.solvers.verify import verify_plan
from support.time_cases import (
    LINKED_COST,
    PEAK_SIZED_GPUS,
    REGIONS,
    SHARED_GPUS,
    split_by_link,
    write_time_scenario,
)


def _solve(path: Path, solver: str = "highs"):
    inst = load_instance(path)
    plan = solve_plan(inst, solver=solver, params=solve_parameters(inst, gap=0.0))
    return inst, plan


def test_demand_follows_each_regions_local_clock(tmp_path: Path) -> None:
    inst = load_instance(write_time_scenario(tmp_path))
    assert inst.n_periods == 24 and inst.n_items == 48
    demand = np.asarray(inst.periods.demand)
    # west (UTC+0) peaks 18-21 UTC; east (UTC+12) peaks 06-09 UTC
    assert np.flatnonzero(demand[0] == 10).tolist() == [18, 19, 20, 21]
    assert np.flatnonzero(demand[1] == 10).tolist() == [6, 7, 8, 9]
    assert demand.sum(axis=0).max() == SHARED_GPUS
    # the day's mean demand stands in for the region's demand (diagnosis, heuristics)
    assert inst.region_demand.tolist() == pytest.approx([(4 * 10 + 20 * 2) / 24] * 2)


@pytest.mark.parametrize("solver", ["highs", "auto", "cpsat"])
def test_two_regions_twelve_hours_apart_share_one_pool(tmp_path: Path, solver: str) -> None:
    inst, plan = _solve(write_time_scenario(tmp_path), solver)
    assert plan.status.value == "optimal"
    assert plan.kpis.gpus == {"G": SHARED_GPUS} and SHARED_GPUS < PEAK_SIZED_GPUS
    assert plan.objective == pytest.approx(100 * SHARED_GPUS)
    (site,) = plan.sites
    assert site.served_demand == pytest.approx(SHARED_GPUS) and site.utilisation == pytest.approx(
        1.0
    )
    assert len(site.period_served) == 24 and max(site.period_served) == pytest.approx(12)
    assert {a.period for a in plan.assignments} == {f"h{h:02d}" for h in range(24)}
    assert plan.kpis.served_fraction == pytest.approx(1.0)
    assert [p["id"] for p in plan.extra["periods"]][:2] == ["h00", "h01"]
    assert verify_plan(inst, plan.to_dict()) == []


def test_same_time_zone_needs_the_sum_of_peaks(tmp_path: Path) -> None:
    regions = REGIONS.replace("+12:00", "+00:00")
    inst, plan = _solve(write_time_scenario(tmp_path, regions=regions))
    assert plan.kpis.gpus == {"G": PEAK_SIZED_GPUS}
    assert verify_plan(inst, plan.to_dict()) == []


def test_time_zone_names_and_derived_zones(tmp_path: Path) -> None:
    regions = REGIONS.replace("+00:00", "Europe/London").replace("+12:00", "")
    regions = regions.replace("east,0.0,0.9", "east,-36.85,174.76")  # Auckland: derived
    inst = load_instance(write_time_scenario(tmp_path, regions=regions))
    assert inst.periods.region_tz == ("Europe/London", "Pacific/Auckland")
    # 15 January: London on GMT, Auckland on daylight time (UTC+13)
    assert inst.periods.region_offset_h.tolist() == [0.0, 13.0]


def test_explicit_factors_replace_the_profile(tmp_path: Path) -> None:
    factors = "region,period,factor\nwest,h03,3\n"
    path = write_time_scenario(
        tmp_path,
        time='[time]\nperiods = "hourly"\nprofile = "profile.csv"\nfactors = "factors.csv"\n',
        files={"factors.csv": factors},
    )
    inst, plan = _solve(path)
    assert inst.periods.demand[0, 3] == 30
    assert plan.kpis.gpus == {"G": 32}  # 30 (west at 03 UTC) + 2 (east)
    assert verify_plan(inst, plan.to_dict()) == []


def test_representative_periods_with_weights(tmp_path: Path) -> None:
    table = "period,utc_hour,weight_h\nwest-peak,19,4\neast-peak,7,4\nquiet,0,16\n"
    path = write_time_scenario(
        tmp_path,
        time='[time]\nperiods = "periods.csv"\nprofile = "profile.csv"\n',
        files={"periods.csv": table},
        extra_toml='[objective]\nkind = "cost"\nlatency_weight = 1.0\n',
    )
    inst, plan = _solve(path)
    assert inst.periods.ids == ("west-peak", "east-peak", "quiet")
    assert plan.kpis.gpus == {"G": SHARED_GPUS}
    # the latency term is the day's mean: each period weighted by its hours
    assert verify_plan(inst, plan.to_dict()) == []


def test_link_capacity_holds_in_every_period(tmp_path: Path) -> None:
    inst = split_by_link(tmp_path)
    plan = solve_plan(inst, solver="highs", params=solve_parameters(inst, gap=0.0))
    d = plan.to_dict()
    assert plan.objective == pytest.approx(LINKED_COST)
    assert verify_plan(inst, d) == []
    assert {row["period"] for row in d["links"]} <= set(inst.periods.ids)
    assert max(row["load_gbps"] for row in d["links"]) == pytest.approx(6.0)


def test_verifier_flags_a_pool_too_small_for_the_busiest_hour(tmp_path: Path) -> None:
    inst, plan = _solve(write_time_scenario(tmp_path))
    bad = copy.deepcopy(plan.to_dict())
    bad["sites"][0]["gpus"] = {"G": 11}
    bad["sites"][0]["new_gpus"] = {"G": 11}
    assert "capacity" in {v.constraint for v in verify_plan(inst, bad)}


def test_verifier_recomputes_period_rows(tmp_path: Path) -> None:
    inst, plan = _solve(write_time_scenario(tmp_path))
    bad = copy.deepcopy(plan.to_dict())
    bad["sites"][0]["period_served"][0] += 1.0
    bad["periods"][3]["demand"] = 99.0
    del bad["assignments"][0]["period"]
    found = {v.constraint for v in verify_plan(inst, bad)}
    assert {"site_report", "periods", "unknown_id"} <= found


@pytest.mark.parametrize(
    ("time", "files", "where"),
    [
        (
            '[time]\nperiods = "hourly"\nprofile = "p.csv"\n',
            {"p.csv": "hour,factor\n0,1\n"},
            "column hour",
        ),
        (
            '[time]\nperiods = "hourly"\nprofile = "p.csv"\n',
            {"p.csv": "hour,factor\n24,1\n"},
            "row 1, column hour",
        ),
        ('[time]\nperiods = "hourly"\nreference_date = "soon"\n', {}, "time.reference_date"),
        (
            '[time]\nperiods = "t.csv"\n',
            {"t.csv": "period,utc_hour,weight_h\na,1,0\n"},
            "row 1, column weight_h",
        ),
        (
            '[time]\nperiods = "hourly"\nfactors = "f.csv"\n',
            {"f.csv": "region,period,factor\nnowhere,h99,1\n"},
            "row 1, column region",
        ),
        ('[time]\nperiod = "hourly"\n', {}, "time.period"),
    ],
)
def test_bad_time_input_names_file_and_place(
    tmp_path: Path, time: str, files: dict, where: str
) -> None:
    path = write_time_scenario(tmp_path, time=time, files=files)
    with pytest.raises(InputError) as error:
        load_instance(path)
    assert where in {p.where for p in error.value.problems}


def test_unknown_time_zone_names_the_row(tmp_path: Path) -> None:
    path = write_time_scenario(tmp_path, regions=REGIONS.replace("+12:00", "Mars/Olympus"))
    with pytest.raises(InputError) as error:
        load_instance(path)
    (problem,) = error.value.problems
    assert problem.where == "row 2, column tz" and "Mars/Olympus" in problem.what


def test_periods_refuse_site_failure_survival(tmp_path: Path) -> None:
    path = write_time_scenario(tmp_path, extra_toml="[constraints]\nsurvive_site_failure = true\n")
    with pytest.raises(InputError) as error:
        load_instance(path)
    assert "constraints.survive_site_failure" in {p.where for p in error.value.problems}


def test_without_time_the_tz_column_changes_nothing(tmp_path: Path) -> None:
    inst, plan = _solve(write_time_scenario(tmp_path, time=""))
    assert inst.periods is None and inst.pair_period is None
    assert plan.kpis.gpus == {"G": 20}  # static demand: 10 + 10
    assert "periods" not in plan.to_dict()
