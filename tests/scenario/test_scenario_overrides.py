"""``--set KEY=VALUE`` overrides."""

import pytest

from gpuplace.scenario import InputError, load_instance, parse_set_options, parse_value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2e8", 2e8),
        ("12", 12),
        ("0.85", 0.85),
        ("true", True),
        ("false", False),
        ('"quoted"', "quoted"),
        ("highs", "highs"),
        ("[1, 2]", [1, 2]),
        ('[{kind = "x", limit = 3}]', [{"kind": "x", "limit": 3}]),
    ],
)
def test_values_are_toml_literals(text, value):
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def test_parse_set_options():
    assert parse_set_options(["constraints.budget=2e8", "solver.name = highs"]) == {
        "constraints.budget": "2e8",
        "solver.name": " highs",
    }


@pytest.mark.parametrize("item", ["constraints.budget", "=3"])
def test_set_option_without_key_or_equals(item):
    with pytest.raises(InputError) as caught:
        parse_set_options([item])
    assert caught.value.problems[0].where == item


def test_override_changes_the_instance(files):
    inst = load_instance(
        files.toml,
        {
            "constraints.budget": "2e8",
            "constraints.single_sourcing": "true",
            "objective.kind": "latency",
            "solver.name": "highs",
            "regions.access_route_factor": "2",
        },
    )
    assert inst.constraints.budget == 2e8
    assert inst.constraints.single_sourcing is True
    assert inst.objective.kind == "latency"
    assert inst.solver.name == "highs"
    assert inst.latency.access_route_factor == 2.0


def test_override_of_a_key_absent_from_the_file(files):
    files.delete_key("constraints")
    inst = load_instance(files.toml, {"constraints.max_sites": "2"})
    assert inst.constraints.max_sites == 2


def test_override_of_a_file_key(files):
    files.path("gpus.csv").rename(files.path("catalogue.csv"))
    assert load_instance(files.toml, {"gpus.file": "catalogue.csv"}).n_types == 2


def test_unknown_override_key_is_named(files):
    with pytest.raises(InputError) as caught:
        load_instance(files.toml, {"constraints.budgte": "1", "solver.nmae": "x"})
    wheres = [p.where for p in caught.value.problems]
    assert wheres == ["--set constraints.budgte", "--set solver.nmae"]
    assert "did you mean 'constraints.budget'" in caught.value.problems[0].what


@pytest.mark.parametrize("key", ["constraints", "bogus", "constraints.budget.x", "solver."])
def test_override_must_name_a_leaf_key(files, key):
    with pytest.raises(InputError) as caught:
        load_instance(files.toml, {key: "1"})
    assert caught.value.problems[0].where == f"--set {key}"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("constraints.budget", "-5", "must be >= 0"),
        ("constraints.budget", "cheap", "must be a number"),
        ("constraints.redundancy", "1.5", "must be an integer"),
        ("solver.threads", "0", "must be >= 1"),
        ("constraints.max_utilisation", "1.5", "0 < value <= 1"),
    ],
)
def test_overridden_values_are_validated(files, key, value, message):
    with pytest.raises(InputError) as caught:
        load_instance(files.toml, {key: value})
    (problem,) = caught.value.problems
    assert problem.where == key and message in problem.what


def test_overrides_never_modify_the_file(files):
    before = files.toml.read_bytes()
    load_instance(files.toml, {"constraints.budget": "1"})
    assert files.toml.read_bytes() == before
