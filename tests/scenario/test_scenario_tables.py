"""Every CSV rule, one mutation of the valid base scenario each."""

import pytest

from gpuplace.scenario import InputError, load_instance


def problems_of(files):
    with pytest.raises(InputError) as caught:
        load_instance(files.toml)
    return caught.value.problems


# (file, row, column, value, message)
BAD_CELLS = [
    ("sites.csv", 1, "power_kw", "abc", "'abc' is not a number"),
    ("sites.csv", 1, "power_kw", "", "is empty, a number is required"),
    ("sites.csv", 2, "power_kw", "nan", "is not a finite number"),
    ("sites.csv", 2, "power_kw", "inf", "is not a finite number"),
    ("sites.csv", 3, "power_kw", "-1", "must be >= 0"),
    ("sites.csv", 1, "max_gpus", "-4", "must be >= 0"),
    ("sites.csv", 1, "max_gpus", "2.5", "is not an integer"),
    ("sites.csv", 1, "fixed_cost", "-10", "must be >= 0"),
    ("sites.csv", 1, "cost_factor", "0", "must be > 0"),
    ("sites.csv", 1, "pue", "0.9", "must be >= 1"),
    ("sites.csv", 1, "country", "FRA", "is not a two-letter country code"),
    ("sites.csv", 1, "country", "F1", "is not a two-letter country code"),
    ("sites.csv", 1, "status", "maybe", "is not a status"),
    ("sites.csv", 1, "node", "Lyon", "node 'Lyon' is not in the topology"),
    ("sites.csv", 1, "node", "", "a topology node is required"),
    ("sites.csv", 3, "id", "", "an id is required"),
    ("sites.csv", 2, "id", "par1", "duplicate id 'par1' (first at row 1)"),
    ("sites.csv", 1, "existing_H100", "-2", "must be >= 0"),
    ("sites.csv", 1, "existing_H100", "1.5", "is not an integer"),
    ("sites.csv", 2, "existing_H100", "1001", "more than power_kw"),
    ("sites.csv", 2, "status", "closed", "a closed site cannot hold existing GPUs"),
    ("regions.csv", 1, "lat", "north", "'north' is not a number"),
    ("regions.csv", 1, "lat", "95", "out of range [-90, 90]"),
    ("regions.csv", 1, "lon", "181", "out of range [-180, 180]"),
    ("regions.csv", 1, "demand", "-1", "must be >= 0"),
    ("regions.csv", 1, "demand", "NaN", "is not a finite number"),
    ("regions.csv", 1, "sla_rtt_ms", "0", "must be > 0"),
    ("regions.csv", 1, "sla_rtt_ms", "-3", "must be > 0"),
    ("regions.csv", 1, "node", "Atlantis", "node 'Atlantis' is not in the topology"),
    ("regions.csv", 1, "country", "France", "is not a two-letter country code"),
    ("regions.csv", 1, "allowed_countries", "FR;Germany", "'Germany' is not a two-letter"),
    ("regions.csv", 1, "gbps_per_unit", "-0.1", "must be >= 0"),
    ("regions.csv", 3, "id", "rhein-main", "duplicate id 'rhein-main' (first at row 2)"),
    ("gpus.csv", 1, "capex", "-1", "must be >= 0"),
    ("gpus.csv", 1, "power_kw", "0", "must be > 0"),
    ("gpus.csv", 2, "throughput", "0", "must be > 0"),
    ("gpus.csv", 2, "throughput", "fast", "is not a number"),
    ("gpus.csv", 2, "type", "H100", "duplicate type 'H100'"),
    ("rtt.csv", 1, "region", "mars", "unknown region 'mars'"),
    ("rtt.csv", 1, "site", "moon1", "unknown site 'moon1'"),
    ("rtt.csv", 1, "rtt_ms", "-2", "must be >= 0"),
]


@pytest.mark.parametrize(("name", "row", "column", "value", "message"), BAD_CELLS)
def test_bad_cell_is_reported_at_row_and_column(files, name, row, column, value, message):
    files.set_cell(name, row, column, value)
    problems = problems_of(files)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.file == str(files.path(name))
    assert problem.where.startswith(f"row {row}, column ")
    assert message in problem.what


def test_existing_gpus_beyond_max_gpus(files):
    files.set_cell("sites.csv", 2, "max_gpus", "8")
    (problem,) = problems_of(files)
    assert problem.where == "row 2, column max_gpus" and "exceed max_gpus" in problem.what


def test_lat_out_of_range_that_looks_swapped(files):
    files.set_cell("regions.csv", 1, "lat", "120")
    files.set_cell("regions.csv", 1, "lon", "48")
    (problem,) = problems_of(files)
    assert "looks swapped" in problem.what or "look swapped" in problem.what


@pytest.mark.parametrize(
    ("name", "column", "misspelt"),
    [
        ("sites.csv", "power_kw", "power_kW"),
        ("regions.csv", "sla_rtt_ms", "sla_rtt"),
        ("gpus.csv", "throughput", "througput"),
    ],
)
def test_misspelt_required_column_suggests_the_name(files, name, column, misspelt):
    files.rename_column(name, column, misspelt)
    problems = problems_of(files)
    missing = [p for p in problems if p.where == f"column {column}"]
    assert missing and f"found '{misspelt}'" in missing[0].what
    assert any(p.where == f"column {misspelt}" and "unknown column" in p.what for p in problems)


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("sites.csv", "node"),
        ("regions.csv", "demand"),
        ("gpus.csv", "capex"),
        ("rtt.csv", "rtt_ms"),
    ],
)
def test_missing_required_column(files, name, column):
    files.drop_column(name, column)
    (problem,) = problems_of(files)
    assert problem.where == f"column {column}" and "missing required column" in problem.what


def test_unknown_column(files):
    files.add_column("regions.csv", "population", "1")
    (problem,) = problems_of(files)
    assert problem.where == "column population" and "unknown column" in problem.what


def test_existing_column_of_a_type_not_in_the_catalogue(files):
    files.add_column("sites.csv", "existing_A100", "2")
    (problem,) = problems_of(files)
    assert problem.where == "column existing_A100"
    assert "'A100' is not in the GPU catalogue" in problem.what


def test_duplicate_column_name(files):
    files.add_column("gpus.csv", "capex", "1")
    (problem,) = problems_of(files)
    assert "appears more than once" in problem.what


def test_duplicate_matrix_pair(files):
    files.append_row("rtt.csv", {"region": "greater-london", "site": "par1", "rtt_ms": "6"})
    (problem,) = problems_of(files)
    assert problem.where.startswith("row 2") and "appears twice" in problem.what


@pytest.mark.parametrize("name", ["sites.csv", "regions.csv", "gpus.csv", "rtt.csv"])
def test_empty_file(files, name):
    files.write(name, "")
    (problem,) = problems_of(files)
    assert problem.file == str(files.path(name)) and "empty" in problem.what


@pytest.mark.parametrize("name", ["sites.csv", "regions.csv", "gpus.csv"])
def test_header_without_rows(files, name):
    header, _ = files.rows(name)
    files.write_rows(name, header, [])
    (problem,) = problems_of(files)
    assert "no data rows" in problem.what


@pytest.mark.parametrize("name", ["sites.csv", "topology.json", "rtt.csv"])
def test_file_not_found(files, name):
    files.path(name).unlink()
    (problem,) = problems_of(files)
    assert problem.file == str(files.path(name)) and "not found" in problem.what


def test_not_utf8(files):
    files.write(
        "regions.csv", "id,lat,lon,demand,sla_rtt_ms\nz\xfcrich,47.4,8.5,1,10\n".encode("latin-1")
    )
    (problem,) = problems_of(files)
    assert "not UTF-8" in problem.what


def test_ragged_row(files):
    files.write("gpus.csv", "type,capex,power_kw,throughput\nH100,1,1,1,1,1\n")
    (problem,) = problems_of(files)
    assert problem.where == "row 1" and "has 6 values, the header has 4 columns" in problem.what


def test_blank_lines_keep_row_numbers(files):
    files.write("gpus.csv", "type,capex,power_kw,throughput\nH100,30000,1,10\n\nL40S,x,0.45,3\n")
    (problem,) = problems_of(files)
    assert problem.where == "row 3, column capex"


def test_bom_and_spaces_are_accepted(files):
    files.write("gpus.csv", "\ufefftype , capex,power_kw,throughput\n H100 ,30000, 1.0,10\n")
    assert load_instance(files.toml).gpu_types == ("H100",)


def test_problems_in_every_file_reported_together(files):
    files.set_cell("sites.csv", 1, "node", "Lyon")
    files.set_cell("regions.csv", 1, "sla_rtt_ms", "0")
    files.set_cell("gpus.csv", 1, "capex", "-5")
    files.set_cell("rtt.csv", 1, "rtt_ms", "x")
    files.set_key("constraints.budget", -1.0)
    problems = problems_of(files)
    # TOML problems stop loading before the tables are read
    assert [p.where for p in problems] == ["constraints.budget"]
    files.set_key("constraints.budget", 1.0)
    assert len(problems_of(files)) == 4
