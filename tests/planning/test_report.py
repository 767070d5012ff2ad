"""report: every file written, GeoJSON valid, CSV rows = plan rows, PNGs, index, CLI."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from gpuplace.cli import app
from gpuplace.errors import InputError
from gpuplace.planning.report import ReportSection, build_report
from gpuplace.planning.report.data import report_data
from gpuplace.planning.report.maps import build_map
from gpuplace.solvers.plan import Plan
from support.plan_samples import plan_a, plan_b, tiny_instance, write_tiny_scenario

runner = CliRunner()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPECTED = {
    "index.html", "map.html", "sites.geojson", "regions.geojson", "assignments.geojson",
    "links.geojson", "sites.csv", "assignments.csv", "links.csv", "rtt.png", "cost.png",
    "utilisation.png", "links.png",
}  # fmt: skip


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "report"
    build_report(tiny_instance(), Plan.from_dict(plan_a()), out, tiles=None)
    return out


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_all_files_written(report_dir):
    assert {p.name for p in report_dir.iterdir()} == EXPECTED
    assert not [p for p in report_dir.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("name", "geometry", "count"),
    [("sites", "Point", 3), ("regions", "Point", 4), ("assignments", "LineString", 4),
     ("links", "LineString", 2)],
)  # fmt: skip
def test_geojson_valid(report_dir, name, geometry, count):
    collection = json.loads((report_dir / f"{name}.geojson").read_text())
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == count
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == geometry
        coords = feature["geometry"]["coordinates"]
        positions = [coords] if geometry == "Point" else coords
        for lon, lat in positions:
            # [lon, lat] order: the tiny instance is in Australia / New Zealand.
            assert 140 < lon < 180 and -45 < lat < -25


def test_geojson_links_skip_nodes_without_coordinates(report_dir):
    links = json.loads((report_dir / "links.geojson").read_text())["features"]
    ends = {(f["properties"]["source"], f["properties"]["target"]) for f in links}
    assert ends == {("Sydney", "Melbourne"), ("Sydney", "Brisbane")}  # Auckland->Sea skipped


def test_geojson_site_properties(report_dir):
    sites = json.loads((report_dir / "sites.geojson").read_text())["features"]
    by_id = {f["properties"]["id"]: f for f in sites}
    assert by_id["syd1"]["geometry"]["coordinates"] == [151.21, -33.87]
    assert by_id["syd1"]["properties"]["gpus_total"] == 35
    assert by_id["mel1"]["properties"]["in_plan"] is False


def test_csv_rows_match_plan(report_dir):
    plan = plan_a()
    sites = _rows(report_dir / "sites.csv")
    assert [r["id"] for r in sites] == [s["id"] for s in plan["sites"]]
    assert sites[0]["gpus_H100"] == "35" and sites[1]["gpus_L40S"] == "4"
    # syd1: fixed 1e6 + 35 x 30000; akl1: 0.8e6 + 30000 + 4 x 9000
    assert float(sites[0]["total_cost"]) == 2_050_000.0
    assert float(sites[1]["total_cost"]) == 866_000.0
    assignments = _rows(report_dir / "assignments.csv")
    assert len(assignments) == len(plan["assignments"])
    assert {r["within_sla"] for r in assignments} == {"True"}
    links = _rows(report_dir / "links.csv")
    assert len(links) == len(plan["links"])
    assert float(links[2]["utilisation"]) == 0.25


def test_pngs(report_dir):
    for name in ("rtt.png", "cost.png", "utilisation.png"):
        data = (report_dir / name).read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 5000


def test_index_links_everything(report_dir):
    index = (report_dir / "index.html").read_text()
    for name in EXPECTED - {"index.html"}:
        assert f'href="{name}"' in index or f'src="{name}"' in index
    assert "2,620,000" in index  # total cost in the KPI table
    assert "<iframe" in index


def test_map_is_self_contained(report_dir):
    html = (report_dir / "map.html").read_text()
    assert "<script src=" not in html and "stylesheet" not in html
    assert "L.map(" in html and "Leaflet 1.9.4" in html
    for name in ("Sites", "Regions", "Assignments", "Links"):
        assert f'"{name}"' in html


def test_map_reproducible():
    data = report_data(tiny_instance(), Plan.from_dict(plan_a()))
    assert build_map(data, tiles=None) == build_map(data, tiles=None)


def test_map_background_tiles_optional():
    data = report_data(tiny_instance(), Plan.from_dict(plan_a()))
    html = build_map(data, tiles="OpenStreetMap")
    assert "tile.openstreetmap.org" in html  # background tiles optional, data inline


def test_region_rtt_and_primary():
    data = report_data(tiny_instance(), Plan.from_dict(plan_b()))
    geelong = next(r for r in data.regions if r.id == "Geelong")
    assert geelong.primary_site == "mel1"
    assert math.isclose(geelong.mean_rtt_ms, (15 * 1.2 + 5 * 9.9) / 20)
    assert geelong.served_demand == 20.0


def test_unserved_plan_renders(tmp_path):
    plan = plan_a()
    plan["sites"], plan["assignments"], plan["links"] = [], [], []
    plan["unserved"] = [{"region": "Geelong", "demand": 20.0}]
    report = build_report(tiny_instance(), Plan.from_dict(plan), tmp_path / "out", tiles=None)
    assert "index.html" in report.files
    assert (tmp_path / "out/rtt.png").read_bytes().startswith(PNG_MAGIC)


def test_extra_section(tmp_path):
    section = ReportSection("Failure impact", "<p id='fx'>see</p>", {"failures/table.csv": "a,b\n"})
    report = build_report(
        tiny_instance(), Plan.from_dict(plan_a()), tmp_path / "out", extra_sections=[section]
    )
    assert "failures/table.csv" in report.files
    assert (tmp_path / "out/failures/table.csv").read_text() == "a,b\n"
    index = (tmp_path / "out/index.html").read_text()
    assert "Failure impact" in index and "<p id='fx'>see</p>" in index


def test_extra_section_rejects_reserved_name(tmp_path):
    section = ReportSection("bad", "", {"map.html": "x"})
    with pytest.raises(ValueError, match="reserved"):
        build_report(
            tiny_instance(), Plan.from_dict(plan_a()), tmp_path / "out", extra_sections=[section]
        )
    assert not (tmp_path / "out").exists()


def test_refuses_nonempty_dir_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(InputError):
        build_report(tiny_instance(), Plan.from_dict(plan_a()), out, tiles=None)
    assert (out / "keep.txt").exists()
    build_report(tiny_instance(), Plan.from_dict(plan_a()), out, tiles=None, force=True)
    assert not (out / "keep.txt").exists()
    assert (out / "index.html").exists()


def test_other_scenario_warns():
    import tempfile

    plan = plan_a()
    plan["scenario"]["sha256"] = "f" * 64
    with tempfile.TemporaryDirectory() as folder:
        report = build_report(tiny_instance(), Plan.from_dict(plan), f"{folder}/out", tiles=None)
    assert any("not this scenario" in w for w in report.warnings)


def test_cli_report(tmp_path):
    scenario = write_tiny_scenario(tmp_path / "scenario")
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan_a()))
    out = tmp_path / "report"
    args = ["report", str(scenario), str(plan_path), "-o", str(out), "--tiles", "none"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == EXPECTED
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "not empty" in again.stderr
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_cli_report_with_failures_section(tmp_path):
    scenario = write_tiny_scenario(tmp_path / "scenario")
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan_a()))
    out = tmp_path / "report"
    args = ["report", str(scenario), str(plan_path), "-o", str(out), "--tiles", "none"]
    result = runner.invoke(app, [*args, "--failures"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == EXPECTED | {"failures"}
    assert "<h2>Failure impact</h2>" in (out / "index.html").read_text()
    rows = (out / "failures" / "failures.csv").read_text().splitlines()
    sites = {site["id"] for site in plan_a()["sites"]}
    assert len(rows) > len(sites)  # header + one row per open site + one per link


def test_cli_report_bad_plan_exits_2(tmp_path):
    scenario = write_tiny_scenario(tmp_path / "scenario")
    bad = tmp_path / "plan.json"
    bad.write_text("[]")
    result = runner.invoke(app, ["report", str(scenario), str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "plan.json" in result.stderr


def test_map_across_the_antimeridian():
    from gpuplace.scenario.build import build_instance
    from gpuplace.topo.graph import make_topology

    topology = make_topology(
        ("Fiji", "Samoa"), (-18.0, -13.8), (178.4, -171.8), [("Fiji", "Samoa")]
    )
    instance = build_instance(
        topology=topology, site_ids=("fj1",), site_node=(0,), site_power_kw=(100.0,),
        region_ids=("Apia",), region_lat=(-13.83,), region_lon=(-171.76,), region_demand=(1.0,),
        region_sla_rtt_ms=(100.0,), gpu_types=("H100",), gpu_capex=(1.0,), gpu_power_kw=(1.0,),
        gpu_throughput=(1.0,), region_node=(1,),
    )  # fmt: skip
    site = {"id": "fj1", "node": "Fiji", "gpus": {"H100": 1}, "new_gpus": {"H100": 1}}
    site.update(power_kw=1.0, served_demand=1.0, utilisation=1.0)
    served = {"region": "Apia", "site": "fj1", "share": 1.0, "demand": 1.0, "rtt_ms": 1.0}
    plan = Plan.from_dict(dict(plan_a(), sites=[site], assignments=[served], links=[], unserved=[]))
    html = build_map(report_data(instance, plan), tiles=None)
    # Drawn east of 180 degrees rather than across the whole map.
    assert "[-13.83, 188.24]" in html and "[-13.8, 188.2]" in html
    assert "-171.76" not in html


def _pacific_case():
    """Paris, Los Angeles and Tokyo: the map centres on the Pacific (longitudes past 180)."""
    from gpuplace.scenario.build import build_instance
    from gpuplace.topo.graph import make_topology

    topology = make_topology(
        ("Paris", "LosAngeles", "Tokyo"),
        (48.86, 34.05, 35.68),
        (2.35, -118.24, 139.69),
        [("Paris", "LosAngeles"), ("LosAngeles", "Tokyo")],
        capacity_gbps=(100.0, 100.0),
    )
    instance = build_instance(
        topology=topology, site_ids=("par1", "lax1"), site_node=(0, 1),
        site_power_kw=(100.0, 100.0), region_ids=("Paris-r", "Tokyo-r"),
        region_lat=(48.86, 35.68), region_lon=(2.35, 139.69), region_demand=(1.0, 1.0),
        region_sla_rtt_ms=(500.0, 500.0), gpu_types=("H100",), gpu_capex=(1.0,),
        gpu_power_kw=(1.0,), gpu_throughput=(1.0,), region_node=(0, 2),
        region_gbps_per_unit=(1.0, 1.0),
    )  # fmt: skip
    sites = [
        {"id": "par1", "node": "Paris", "gpus": {"H100": 1}, "new_gpus": {"H100": 1},
         "power_kw": 1.0, "served_demand": 1.0, "utilisation": 1.0},
        {"id": "lax1", "node": "LosAngeles", "gpus": {"H100": 1}, "new_gpus": {"H100": 1},
         "power_kw": 1.0, "served_demand": 1.0, "utilisation": 1.0},
    ]  # fmt: skip
    served = [
        {"region": "Paris-r", "site": "lax1", "share": 1.0, "demand": 1.0, "rtt_ms": 150.0},
        {"region": "Tokyo-r", "site": "lax1", "share": 1.0, "demand": 1.0, "rtt_ms": 110.0},
    ]
    links = [
        {"source": "LosAngeles", "target": "Paris", "load_gbps": 1.0, "capacity_gbps": 100.0},
        {"source": "LosAngeles", "target": "Tokyo", "load_gbps": 1.0, "capacity_gbps": 100.0},
    ]
    plan = Plan.from_dict(dict(plan_a(), sites=sites, assignments=served, links=links))
    return instance, plan


def test_lines_across_the_antimeridian_end_at_the_markers():
    import re

    instance, plan = _pacific_case()
    html = build_map(report_data(instance, plan), tiles=None)
    markers = {tuple(map(float, m)) for m in re.findall(
        r"L\.circleMarker\(\s*\[([-\d.]+), ([-\d.]+)\]", html)}  # fmt: skip
    assert (34.05, 241.76) in markers  # Los Angeles drawn east of 180, beside Tokyo
    decoder = json.JSONDecoder()
    lines = [decoder.raw_decode(html, m.end())[0]
             for m in re.finditer(r"L\.polyline\(\s*", html)]  # fmt: skip
    assert lines
    ends = set()
    for segments in lines:
        segments = segments if isinstance(segments[0][0], list) else [segments]
        for segment in segments:
            # the short way: no segment spans more than half the world
            assert abs(segment[-1][1] - segment[0][1]) <= 180.0, segment
            ends |= {tuple(segment[0]), tuple(segment[-1])}
    # every marker of the plan has the lines that meet it, drawn where it is drawn
    assert {(48.86, 2.35), (34.05, 241.76), (35.68, 139.69)} <= ends
    # Paris - Los Angeles crosses the Atlantic: drawn twice, once ending at each marker
    assert (34.05, -118.24) in ends and (48.86, 362.35) in ends


def test_geojson_lines_are_split_at_the_antimeridian():
    from gpuplace.planning.report.geojson import geojson_layers

    instance, plan = _pacific_case()
    layers = geojson_layers(report_data(instance, plan))
    kinds = {}
    for name in ("assignments", "links"):
        for feature in layers[name]["features"]:
            geometry = feature["geometry"]
            key = feature["properties"].get("target") or feature["properties"]["region"]
            kinds[name, key] = geometry["type"]
            parts = geometry["coordinates"]
            parts = parts if geometry["type"] == "MultiLineString" else [parts]
            for part in parts:
                assert all(-180.0 <= lon <= 180.0 for lon, _ in part)
                assert all(
                    abs(b[0] - a[0]) <= 180.0 for a, b in zip(part[:-1], part[1:], strict=True)
                )
    # Los Angeles -> Tokyo crosses 180 the short way (RFC 7946: split there)
    assert kinds["links", "Tokyo"] == kinds["assignments", "Tokyo-r"] == "MultiLineString"
    assert kinds["links", "Paris"] == "LineString"
    tokyo = next(f for f in layers["links"]["features"] if f["properties"]["target"] == "Tokyo")
    first, second = tokyo["geometry"]["coordinates"]
    assert first[-1][0] == -180.0 and second[0][0] == 180.0
    assert first[-1][1] == second[0][1]  # the same crossing latitude on both sides


def _has_colour(png: bytes, colour: str) -> bool:
    from matplotlib.colors import to_rgb
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(png))[..., :3]
    target = (np.asarray(to_rgb(colour)) * 255).round()
    return bool((np.abs(pixels * 255 - target).max(axis=-1) < 1.5).any())


def test_plots_use_the_map_colour_scale(report_dir):
    from gpuplace.planning.report.colours import utilisation_colour

    data = report_data(tiny_instance(), Plan.from_dict(plan_a()))
    html = build_map(data, tiles=None)
    syd = next(s for s in data.sites if s.id == "syd1")
    colour = utilisation_colour(syd.utilisation)
    assert f'"fillColor": "{colour}"' in html  # the site's marker on the map
    assert _has_colour((report_dir / "utilisation.png").read_bytes(), colour)  # its bar
    busiest = max(link.utilisation for link in data.links if link.utilisation is not None)
    assert _has_colour((report_dir / "links.png").read_bytes(), utilisation_colour(busiest))


def test_link_utilisation_plot_names_the_busiest_links(report_dir):
    index = (report_dir / "index.html").read_text()
    assert 'src="links.png"' in index and "Utilisation by link" in index


def test_tables_show_no_float_noise_and_the_plan_keeps_every_digit(tmp_path):
    from pathlib import Path

    from gpuplace.scenario import load_instance

    root = Path(__file__).resolve().parents[2]
    plan = Plan.read(root / "tests" / "plan" / "golden" / "apac-demo.plan.json")
    build_report(load_instance(root / "datasets" / "apac" / "scenario.toml"), plan,
                 tmp_path / "r", tiles=None)  # fmt: skip
    noisy = [p.utilisation for p in plan.sites if len(repr(p.utilisation)) > 15]
    assert noisy  # the plan holds sums and ratios with every binary digit
    sites = {row["id"]: row for row in _rows(tmp_path / "r" / "sites.csv")}
    for site in plan.sites:
        cell = sites[site.id]["utilisation"]
        assert len(cell.replace("-", "").replace(".", "").lstrip("0")) <= 10, cell
        assert math.isclose(float(cell), site.utilisation, rel_tol=1e-9)
    for name in ("sites.csv", "assignments.csv", "links.csv"):
        text = (tmp_path / "r" / name).read_text()
        assert "00000000" not in text.replace("000000000.0", "") and "9999999" not in text


def test_index_says_why_the_solve_stopped_and_what_the_objective_adds_up_to():
    from pathlib import Path

    from gpuplace.planning.report.index import kpi_rows

    golden = Path(__file__).resolve().parents[1] / "plan" / "golden"
    plan = Plan.read(golden / "apac-demo.plan.json")
    rows = dict((label.strip("\u2003"), value) for label, value in kpi_rows(plan))
    assert rows["stopped by"] == "gap reached"
    parts = ("fixed site costs", "GPU capex", "latency term", "unserved penalty")
    total = sum(float(rows[p].replace(",", "")) for p in parts)
    assert total == pytest.approx(plan.objective, abs=2.0)  # each part rounded to a unit
    assert dict(kpi_rows(Plan.from_dict(plan_a())))["stopped by"] == "-"  # an older plan
