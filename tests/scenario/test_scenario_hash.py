"""The scenario hash: same inputs -> same hash; any change -> another; solver settings excluded."""

import shutil

import pytest

from gpuplace.scenario import load_instance


def sha(files, overrides=None):
    return load_instance(files.toml, overrides).sha256


def test_same_inputs_same_hash(files):
    assert sha(files) == sha(files)


def test_hash_does_not_depend_on_the_folder(files, tmp_path):
    other = tmp_path / "elsewhere" / "copy"
    shutil.copytree(files.folder, other)
    assert load_instance(other / "scenario.toml").sha256 == sha(files)


@pytest.mark.parametrize(
    ("name", "row", "column", "value"),
    [
        ("sites.csv", 1, "power_kw", "801"),
        ("regions.csv", 1, "demand", "121"),
        ("gpus.csv", 1, "capex", "30001"),
        ("rtt.csv", 1, "rtt_ms", "5.2"),
    ],
)
def test_any_table_change_changes_the_hash(files, name, row, column, value):
    before = sha(files)
    files.set_cell(name, row, column, value)
    assert sha(files) != before


def test_topology_change_changes_the_hash(files):
    before = sha(files)
    text = (
        files.path("topology.json")
        .read_text()
        .replace('"capacity_gbps": 100', '"capacity_gbps": 101')
    )
    files.write("topology.json", text)
    assert sha(files) != before


def test_same_values_written_differently_change_the_hash(files):
    # The bytes of referenced files are hashed, not their parsed values.
    before = sha(files)
    files.write("gpus.csv", files.path("gpus.csv").read_text() + "\n")
    assert sha(files) != before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("constraints.budget", 4.0e6),
        ("objective.kind", "latency"),
        ("description", "other"),
        ("regions.gbps_per_unit", 0.02),
    ],
)
def test_toml_change_changes_the_hash(files, key, value):
    before = sha(files)
    files.set_key(key, value)
    assert sha(files) != before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("solver.name", "cpsat"),
        ("solver.time_limit_s", 5),
        ("solver.gap", 0.0),
        ("solver.threads", 1),
        ("solver.seed", 7),
    ],
)
def test_solver_settings_do_not_change_the_hash(files, key, value):
    before = sha(files)
    files.set_key(key, value)
    assert sha(files) == before
    assert sha(files, {key: str(value) if key != "solver.name" else value}) == before


def test_removing_the_solver_section_keeps_the_hash(files):
    before = sha(files)
    files.delete_key("solver")
    assert sha(files) == before


def test_overrides_count_like_edits(files):
    before = sha(files)
    changed = sha(files, {"constraints.budget": "4e6"})
    assert changed != before
    files.set_key("constraints.budget", 4.0e6)
    assert sha(files) == changed
    assert sha(files, {"constraints.budget": "5e6"}) == before


def test_integer_and_float_spellings_of_a_number_hash_alike(files):
    files.set_key("constraints.budget", 5_000_000)
    as_int = sha(files)
    files.set_key("constraints.budget", 5.0e6)
    assert sha(files) == as_int
