"""Every TOML rule: types, ranges, unknown and missing keys."""

import pytest

from gpuplace.errors import ProblemCollector
from gpuplace.scenario import InputError, load_instance
from gpuplace.scenario.schema import all_keys, validate_settings


def problems_of(files):
    with pytest.raises(InputError) as caught:
        load_instance(files.toml)
    return caught.value.problems


BAD_VALUES = [
    ("name", 3, "must be a string"),
    ("name", "  ", "must not be empty"),
    ("topology.file", 1, "must be a string"),
    ("topology.fibre_km_per_ms", 0, "must be > 0"),
    ("topology.fibre_km_per_ms", "fast", "must be a number"),
    ("topology.link_route_factor", -1.0, "must be > 0"),
    ("topology.per_hop_ms", -0.5, "must be >= 0"),
    ("regions.access_route_factor", 0.0, "must be > 0"),
    ("regions.gbps_per_unit", -1, "must be >= 0"),
    ("latency.matrix_only", "yes", "must be true or false"),
    ("constraints.budget", -1.0, "must be >= 0"),
    ("constraints.budget", float("nan"), "must be a finite number"),
    ("constraints.budget", float("inf"), "must be a finite number"),
    ("constraints.budget", True, "must be a number"),
    ("constraints.max_sites", 2.5, "must be an integer"),
    ("constraints.max_sites", -1, "must be >= 0"),
    ("constraints.min_gpus_per_site", -8, "must be >= 0"),
    ("constraints.max_utilisation", 0.0, "0 < value <= 1"),
    ("constraints.max_utilisation", 1.2, "0 < value <= 1"),
    ("constraints.redundancy", 0, "must be >= 1"),
    ("constraints.redundancy", 1.5, "must be an integer"),
    ("constraints.redundancy", True, "must be an integer"),
    ("constraints.failover_sla_factor", 0.9, "must be >= 1"),
    ("constraints.single_sourcing", 1, "must be true or false"),
    ("constraints.unserved_penalty", -1, "must be >= 0"),
    ("objective.kind", "revenue", "must be one of cost, latency, served, profit"),
    ("objective.latency_weight", -0.1, "must be >= 0"),
    ("solver.name", 5, "must be a string"),
    ("solver.time_limit_s", 0, "must be > 0"),
    ("solver.gap", 1.0, "0 <= value < 1"),
    ("solver.gap", -0.1, "0 <= value < 1"),
    ("solver.threads", 0, "must be >= 1"),
    ("solver.seed", -1, "must be >= 0"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES)
def test_bad_value_is_reported_at_its_key(files, key, value, message):
    files.set_key(key, value)
    (problem,) = problems_of(files)
    assert problem.file == str(files.toml)
    assert problem.where == key
    assert message in problem.what


def test_unknown_key_is_named_with_a_suggestion(files):
    files.set_key("constraints.budgett", 3.0)
    (problem,) = problems_of(files)
    assert problem.where == "constraints.budgett"
    assert "unknown key 'constraints.budgett'" in problem.what
    assert "did you mean 'budget'" in problem.what


def test_unknown_section_and_top_level_key(files):
    files.set_key("solverr.name", "x")
    files.set_key("title", "x")
    wheres = {p.where for p in problems_of(files)}
    assert wheres == {"solverr", "title"}


@pytest.mark.parametrize(
    "key", ["name", "topology.file", "sites.file", "regions.file", "gpus.file"]
)
def test_missing_required_key(files, key):
    files.delete_key(key)
    (problem,) = problems_of(files)
    assert problem.where == key and "missing required key" in problem.what


def test_missing_required_section():
    problems = ProblemCollector()
    assert validate_settings({"name": "x"}, "s.toml", problems) is None
    assert {p.where for p in problems.problems} == {"topology", "sites", "regions", "gpus"}


def test_section_that_is_not_a_table(files):
    text = files.toml.read_text().replace('name = "euro-mini"', 'name = "euro-mini"\nsolver = 3')
    text = text.replace("[solver]\n", "[unused]\n")
    files.write("scenario.toml", text)
    wheres = {p.where for p in problems_of(files)}
    assert "solver" in wheres


def test_min_sites_above_max_sites(files):
    files.set_key("constraints.min_sites", 4)
    (problem,) = problems_of(files)
    assert problem.where == "constraints.min_sites" and "larger than max_sites" in problem.what


def test_matrix_only_needs_a_matrix(files):
    files.delete_key("latency.matrix")
    files.set_key("latency.matrix_only", True)
    (problem,) = problems_of(files)
    assert problem.where == "latency.matrix_only"


@pytest.mark.parametrize(
    ("custom", "where"),
    [
        ({"limit": 3}, "constraints.custom[0].kind"),
        ({"kind": ""}, "constraints.custom[0].kind"),
        ({"kind": 7}, "constraints.custom[0].kind"),
    ],
)
def test_custom_constraint_needs_a_kind(files, custom, where):
    files.set_key("constraints.custom", [custom])
    (problem,) = problems_of(files)
    assert problem.where == where


def test_custom_constraints_must_be_tables(files):
    files.set_key("constraints.custom", 3)
    (problem,) = problems_of(files)
    assert problem.where == "constraints.custom"


def test_every_problem_of_the_toml_at_once(files):
    files.set_key("constraints.budget", -1.0)
    files.set_key("solver.threads", 0)
    files.set_key("objective.kindd", "cost")
    assert len(problems_of(files)) == 3


def test_all_keys_lists_dotted_keys():
    keys = all_keys()
    assert "constraints.budget" in keys and "name" in keys and "solver.seed" in keys


def test_defaults_when_optional_sections_absent(files):
    for section in ("latency", "constraints", "objective", "solver"):
        files.delete_key(section)
    inst = load_instance(files.toml)
    assert inst.constraints.budget is None and inst.constraints.custom == ()
    assert inst.objective.kind == "cost" and inst.solver.name == "auto"
    assert inst.matrix_region.size == 0
