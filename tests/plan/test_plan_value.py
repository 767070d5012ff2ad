"""The Plan value: byte-identical files, validated reads, arrays aligned with the instance.

The files in ``golden/`` were written before the Plan value existed: the APAC
demo by ``gpuplace solve datasets/apac/scenario.toml -o ...``, the tiny ones by
``plan_json(build_plan(...))`` on ``support.tiny_instance`` (the reference
solution; a feasible one with unserved demand, a bound and notes; an infeasible
one). Rebuilding each from the decisions it holds must give the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from gpuplace.errors import InputError
from gpuplace.scenario import load_instance
from gpuplace.solvers.kpis import TINY
from gpuplace.solvers.plan import Plan, build_plan, make_plan
from gpuplace.solvers.result import Solution, SolveParameters, Status, StopReason
from support.plan_samples import plan_a
from support.tiny_instance import SETTINGS, make_solution, make_tiny

GOLDEN = Path(__file__).parent / "golden"
APAC = Path(__file__).resolve().parents[2] / "datasets" / "apac" / "scenario.toml"
FILES = {
    "apac-demo.plan.json": lambda: load_instance(APAC),
    "tiny.plan.json": make_tiny,
    "tiny-unserved.plan.json": make_tiny,
    "tiny-infeasible.plan.json": make_tiny,
}


def _solution_of(plan: Plan, instance) -> Solution:
    """The Solution a plan file records: its decisions (arrays view) and its solver's report."""
    arrays = plan.arrays(instance)
    return Solution(
        status=plan.status,
        objective=plan.solver_objective,
        bound=plan.bound,
        open_sites=arrays.open_sites,
        new_gpus=arrays.new_gpus,
        pair_share=arrays.pair_share,
        unserved=arrays.unserved,
        wall_s=plan.wall_s,
        backend=plan.solver.name,
        backend_version=plan.solver.version,
        interrupted=bool(plan.interrupted),
        notes=tuple(plan.notes or ()),
        stop_reason=StopReason(plan.stop_reason) if plan.stop_reason else None,
    )


@pytest.mark.parametrize("name", sorted(FILES))
def test_round_trip_is_byte_identical(name):
    text = (GOLDEN / name).read_text(encoding="utf-8")
    plan = Plan.from_json(text, source=name)
    assert plan.to_json() == text
    assert plan.to_dict() == json.loads(text)
    assert Plan.from_dict(plan.to_dict()) == plan


def test_a_plan_written_before_the_added_fields_still_reads_and_round_trips():
    # written before stop_reason, the objective's other terms, site coordinates and
    # served_demand / region_demand were added: a reader must not need them
    text = (GOLDEN / "tiny-v1-first-fields.plan.json").read_text(encoding="utf-8")
    plan = Plan.from_json(text)
    assert plan.to_json() == text
    assert plan.stop_reason is None and plan.sites[0].lat is None
    assert plan.assignments[0].served_demand is None


@pytest.mark.parametrize("name", sorted(FILES))
def test_rebuilding_from_the_decisions_gives_the_same_file(name):
    text = (GOLDEN / name).read_text(encoding="utf-8")
    plan = Plan.from_json(text, source=name)
    instance = FILES[name]()
    assert instance.sha256 == plan.scenario.sha256, (
        f"the inputs of {plan.scenario.name} changed: rewrite golden/{name} with this version"
    )
    solver = plan.solver
    params = SolveParameters(
        time_limit_s=solver.time_limit_s, gap=solver.gap, threads=solver.threads, seed=solver.seed
    )
    rebuilt = make_plan(instance, _solution_of(plan, instance), params)
    assert rebuilt.to_json() == text
    assert rebuilt == plan


def test_build_plan_is_the_dict_of_make_plan(tiny):
    solution = make_solution(tiny)
    assert build_plan(tiny, solution, solver_settings=SETTINGS) == (
        make_plan(tiny, solution, SETTINGS).to_dict()
    )


def test_arrays_match_the_solution_they_were_built_from(tiny):
    shares = {("r1", "s1"): 1.0, ("r2", "s1"): 0.6, ("r2", "s2"): 0.4, ("r3", "s2"): 1e-12}
    solution = make_solution(
        tiny,
        shares=shares,
        new_gpus=[[2, 1], [1, 0], [0, 0], [0, 0]],
        open_sites=[True, True, False, True],
        unserved=[0.0, 0.0, 4.0],
    )
    arrays = make_plan(tiny, solution, SETTINGS).arrays(tiny)
    assert arrays.open_sites.tolist() == [True, True, False, True]
    np.testing.assert_array_equal(arrays.new_gpus, solution.new_gpus)
    np.testing.assert_array_equal(arrays.gpus, tiny.site_existing_gpus + solution.new_gpus)
    kept = np.where(solution.pair_share >= TINY, solution.pair_share, 0.0)
    np.testing.assert_array_equal(arrays.pair_share, kept)
    np.testing.assert_array_equal(arrays.unserved, solution.unserved)
    matrix = arrays.share_matrix()
    assert matrix.shape == (tiny.n_regions, tiny.n_sites)
    assert matrix[1].tolist() == [0.6, 0.4, 0.0, 0.0]
    assert (arrays.assignment_pair >= 0).all()


def test_arrays_keep_an_assignment_the_instance_has_no_pair_for(tiny):
    data = make_plan(tiny, make_solution(tiny), SETTINGS).to_dict()
    data["assignments"].append(dict(data["assignments"][0], region="r3", site="s1", share=0.0))
    far = [i for i, s in enumerate(tiny.pair_site) if s == 0 and tiny.pair_region[i] == 2]
    arrays = Plan.from_dict(data).arrays(tiny)
    assert arrays.assignment_pair[-1] == (far[0] if far else -1)
    assert arrays.share_matrix()[2, 0] == 0.0


def test_a_file_with_only_the_required_fields_reads(tmp_path):
    """A hand-written plan (PLAN.md fields only, integer time limit) keeps its values."""
    sample = plan_a()
    path = tmp_path / "a.json"
    path.write_text(json.dumps(sample))
    plan = Plan.read(path)
    assert plan.solver.time_limit_s == 10 and isinstance(plan.solver.time_limit_s, int)
    assert plan.sites[0].open is None and plan.notes is None
    assert plan.to_dict() == {**sample, "solver_objective": None}
    assert plan.source == str(path)


def test_unknown_top_level_fields_are_kept_and_written_last():
    data = {**plan_a(), "made_by": {"tool": "x"}}
    plan = Plan.from_dict(data)
    assert plan.extra == {"made_by": {"tool": "x"}}
    assert list(plan.to_dict())[-1] == "made_by"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda p: p.pop("kpis"), "kpis"),
        (lambda p: p["sites"][0].update(gpus=[1]), "sites[0].gpus"),
        (lambda p: p["sites"][0].update(open="yes"), "sites[0].open"),
        (lambda p: p.update(interrupted=1), "interrupted"),
        (lambda p: p.update(cost_breakdown={"fixed": 1.0}), "cost_breakdown.gpu_capex"),
        (lambda p: p.update(notes=["ok", 3]), "notes[1]"),
        (lambda p: p.update(status="done"), "status"),
    ],
)
def test_bad_fields_name_the_source_and_the_key(change, key):
    data = plan_a()
    change(data)
    with pytest.raises(InputError) as info:
        Plan.from_json(json.dumps(data), source="bad.json")
    assert key in [p.where for p in info.value.problems]
    assert {p.file for p in info.value.problems} == {"bad.json"}


def test_invalid_json_names_line_and_column():
    with pytest.raises(InputError) as info:
        Plan.from_json('{\n  "schema": ', source="cut.json")
    problem = info.value.problems[0]
    assert (problem.file, problem.where) == ("cut.json", "line 2, column 13")
    assert "invalid JSON" in problem.what


def test_arrays_report_every_unknown_id_and_bad_value(tiny):
    data = make_plan(tiny, make_solution(tiny), SETTINGS).to_dict()
    data["sites"][0]["id"] = "nowhere"
    data["sites"][1]["gpus"] = {"A100": 1, "H100": 1.5}
    data["assignments"][0]["region"] = "atlantis"
    data["assignments"][1]["share"] = 1.5
    data["unserved"] = [{"region": "r1", "demand": -1.0}]
    with pytest.raises(InputError) as info:
        Plan.from_dict(data, source="p.json").arrays(tiny)
    assert sorted(p.where for p in info.value.problems) == [
        "assignments[0].region",
        "assignments[1].share",
        "sites[0].id",
        "sites[1].gpus",
        "sites[1].gpus.H100",
        "unserved[0].demand",
    ]
    assert {p.file for p in info.value.problems} == {"p.json"}


def test_plan_is_frozen_and_pickles(tiny):
    plan = make_plan(tiny, make_solution(tiny), SETTINGS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.objective = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.sites[0].power_kw = 0.0  # type: ignore[misc]
    assert isinstance(plan.sites, tuple)
    copy = pickle.loads(pickle.dumps(plan))
    assert copy == plan and copy.to_json() == plan.to_json()


def test_plan_without_decisions(tiny):
    solution = dataclasses.replace(
        make_solution(tiny, status=Status.NO_SOLUTION), notes=("stopped before any plan",)
    )
    plan = make_plan(tiny, solution, SETTINGS)
    assert not plan.has_decisions and plan.objective is None
    assert plan.diagnosis == () and plan.notes == ("stopped before any plan",)
    assert "solver_objective" not in plan.to_dict()
    assert plan.arrays(tiny).new_gpus.sum() == 0


def test_write_and_read_back(tmp_path, tiny):
    plan = make_plan(tiny, make_solution(tiny), SETTINGS)
    path = plan.write(tmp_path / "sub" / "plan.json")
    assert path.read_text(encoding="utf-8") == plan.to_json()
    assert Plan.read(path) == plan
    with pytest.raises(InputError):
        plan.write(path)
