"""Numbers are ASCII decimal or scientific notation, within the range the solvers handle exactly.

Before: ``1_2``, full-width ``１２`` and Arabic-Indic ``١٢`` loaded as 12 (Python's
``float()`` reads them); money far outside the solvers' numeric range gave
"infeasible" from one backend and "no_solution" from another; a link latency of
1e308 was reported as "the topology is split".
"""

from __future__ import annotations

import json
import re

import pytest

from gpuplace.errors import InputError
from gpuplace.scenario import load_instance
from gpuplace.topo import read_topology
from support.cli_files import GPUS, REGIONS, SITES, run, write_scenario
from support.topo_helpers import FIXTURES

NOT_NUMBERS = ["1_2", "\uff11\uff12", "\u0661\u0662", "\u0967\u0968", "0x10", "1e", "--1", "½"]

# (file, column, the text to replace in the file, the value it replaces)
CELLS = [
    ("sites.csv", "power_kw", "s1,A,100,", "s1,A,{},"),
    ("sites.csv", "max_gpus", "s1,A,100,50,", "s1,A,100,{},"),
    ("sites.csv", "fixed_cost", "s1,A,100,50,1000", "s1,A,100,50,{}"),
    ("regions.csv", "demand", "r1,0.1,0.0,10,", "r1,0.1,0.0,{},"),
    ("regions.csv", "sla_rtt_ms", "r1,0.1,0.0,10,50,", "r1,0.1,0.0,10,{},"),
    ("regions.csv", "lat", "r1,0.1,", "r1,{},"),
    ("gpus.csv", "capex", "H100,100,", "H100,{},"),
    ("gpus.csv", "throughput", "H100,100,1.0,10", "H100,100,1.0,{}"),
]
DEFAULT = {"sites.csv": SITES, "regions.csv": REGIONS, "gpus.csv": GPUS}


def _scenario_with(tmp_path, file, old, new):
    scenario = write_scenario(tmp_path)
    text = DEFAULT[file]
    assert old in text
    (tmp_path / file).write_text(text.replace(old, new, 1))
    return scenario


@pytest.mark.parametrize("raw", NOT_NUMBERS)
@pytest.mark.parametrize(("file", "column", "old", "new"), CELLS, ids=[c[1] for c in CELLS])
def test_only_ascii_numbers_in_tables(tmp_path, file, column, old, new, raw):
    scenario = _scenario_with(tmp_path, file, old, new.format(raw))
    with pytest.raises(InputError) as caught:
        load_instance(scenario)
    problems = [p for p in caught.value.problems if p.where == f"row 1, column {column}"]
    assert problems and "is not a number" in problems[0].what, caught.value.problems


@pytest.mark.parametrize(
    ("file", "column", "old", "new", "value"),
    [
        ("gpus.csv", "capex", "H100,100,", "H100,{},", "1e13"),
        ("sites.csv", "fixed_cost", "s1,A,100,50,1000", "s1,A,100,50,{}", "1e300"),
        ("sites.csv", "power_kw", "s1,A,100,", "s1,A,{},", "1e-9"),
        ("regions.csv", "demand", "r1,0.1,0.0,10,", "r1,0.1,0.0,{},", "2e12"),
        ("gpus.csv", "throughput", "H100,100,1.0,10", "H100,100,1.0,{}", "1e-300"),
    ],
)
def test_money_and_quantities_outside_the_numeric_range(tmp_path, file, column, old, new, value):
    scenario = _scenario_with(tmp_path, file, old, new.format(value))
    with pytest.raises(InputError) as caught:
        load_instance(scenario)
    (problem,) = caught.value.problems
    assert problem.where == f"row 1, column {column}"
    assert "outside the numeric range the solvers handle exactly" in problem.what


@pytest.mark.parametrize(
    "override",
    [
        "constraints.budget=1e13",
        "constraints.unserved_penalty=1e300",
        "objective.latency_weight=1e-9",
    ],
)
def test_scenario_amounts_outside_the_numeric_range(tmp_path, override):
    scenario = write_scenario(tmp_path)
    result = run("solve", scenario, "--set", override)
    assert result.exit_code == 2
    assert override.split("=")[0] in result.stderr and "numeric range" in result.stderr


def test_the_ends_of_the_range_solve_alike(tmp_path):
    scenario = _scenario_with(tmp_path, "gpus.csv", "H100,100,", "H100,1e12,")
    objectives = set()
    for solver in ("highs", "cpsat", "scip"):
        result = run("solve", scenario, "--solver", solver, "--set", "constraints.budget=1e12")
        plan = run("solve", scenario, "--solver", solver, "--format", "json")
        assert result.exit_code == plan.exit_code == 0, result.output
        document = json.loads(plan.stdout)
        assert document["status"] == "optimal"
        objectives.add(round(document["objective"], 3))
    assert len(objectives) == 1


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("latency_ms", 1e308, "latency_ms 1e+308 is above the largest accepted"),
        ("latency_ms", "1_0", "latency_ms must be a number"),
        ("distance_km", "\uff11", "distance_km must be a number"),
        ("capacity_gbps", 1e300, "capacity_gbps 1e+300 is above the largest accepted"),
    ],
)
def test_link_values_are_checked(tmp_path, field, value, what):
    path = tmp_path / "t.json"
    edge = {"source": "a", "target": "b", field: value}
    path.write_text(json.dumps({"nodes": [{"id": "a"}, {"id": "b"}], "edges": [edge]}))
    with pytest.raises(InputError, match=re.escape(what)):
        read_topology(path)


def test_graphml_and_sndlib_numbers_are_ascii(tmp_path):
    graphml = (FIXTURES / "zoo_small.graphml").read_text().replace("40.71427", "\u0664\u0660", 1)
    (tmp_path / "z.graphml").write_text(graphml)
    with pytest.raises(InputError, match="must be a number"):
        read_topology(tmp_path / "z.graphml")
    sndlib = (FIXTURES / "sndlib_small.txt").read_text().replace("-122.30", "-122_30", 1)
    (tmp_path / "s.txt").write_text(sndlib)
    with pytest.raises(InputError, match="must be a number"):
        read_topology(tmp_path / "s.txt")


def test_orlib_numbers_are_ascii(tmp_path):
    from gpuplace.datasets.orlib_read import read_cflp

    path = tmp_path / "cap1.txt"
    path.write_text("1 1\n1_0 5\n3\n4\n")
    with pytest.raises(InputError, match="expected a number"):
        read_cflp(path)
