"""Suspicious but valid input: warnings, not errors."""

import pytest

from gpuplace.scenario import InputError, load_instance


def swap_all(files):
    header, rows = files.rows("regions.csv")
    lat, lon = header.index("lat"), header.index("lon")
    for row in rows:
        row[lat], row[lon] = row[lon], row[lat]
    files.write_rows("regions.csv", header, rows)


def test_base_has_no_warnings(files):
    assert load_instance(files.toml).warnings == ()


def test_every_region_swapped_is_a_warning(files):
    swap_all(files)
    (warning,) = load_instance(files.toml).warnings
    assert "regions.csv" in warning and "rows 1, 2, 3, 4, 5" in warning
    assert "every region's lat/lon look swapped" in warning


def test_one_region_swapped_names_its_row(files):
    files.set_cell("regions.csv", 4, "lat", "-0.13")
    files.set_cell("regions.csv", 4, "lon", "51.51")
    (warning,) = load_instance(files.toml).warnings
    assert "row 4: the lat/lon look swapped" in warning


def test_region_far_from_every_node(files):
    files.set_cell("regions.csv", 3, "lat", "-33.87")
    files.set_cell("regions.csv", 3, "lon", "151.21")
    (warning,) = load_instance(files.toml).warnings
    assert "row 3:" in warning and "from every topology node" in warning


def test_split_topology_is_a_warning(files):
    text = files.path("topology.json").read_text()
    text = text.replace(
        '"kind": "city"}\n  ],',
        '"kind": "city"},\n    {"id": "Reykjavik", "lat": 64.15, "lon": -21.94, "country": "IS"}\n  ],',
    )
    files.write("topology.json", text)
    inst = load_instance(files.toml)
    (warning,) = inst.warnings
    assert "split into 2 components" in warning and "5 of 6 nodes" in warning


def test_regions_need_an_attach_node_when_every_node_is_a_waypoint(files):
    text = files.path("topology.json").read_text().replace('"kind": "city"', '"kind": "waypoint"')
    files.write("topology.json", text)
    with pytest.raises(InputError) as caught:
        load_instance(files.toml)
    (problem,) = caught.value.problems
    assert problem.file.endswith("regions.csv") and problem.where == "column node"
