"""``gpuplace latency calibrate``, and a scenario with measured RTTs and a calibration through
``solve``, ``verify``, ``report`` and ``inspect``; bad measured and calibration files exit 2."""

from __future__ import annotations

import json

import pytest

from support.cli_files import LINKS, REGIONS_HEADER, run, write_scenario

DERIVED_LINKS = [{k: v for k, v in link.items() if k != "latency_ms"} for link in LINKS]
# Points at the four nodes (by id) and two positions; RTTs slower than 200 km/ms fibre.
POINTS_CSV = """source,target,rtt_ms,rtt_p90_ms,source_lat,source_lon,target_lat,target_lon
A,B,3.1,4,,,,
A,C,5.2,6,,,,
A,D,7.4,,,,,
B,D,5.0,6,,,,
x,C,4.0,5,0.2,0.1,,
x,D,6.1,7,0.2,0.1,,
y,A,4.4,5,0.1,2.9,,
y,B,3.5,,0.1,2.9,,
"""
MEASURED_CSV = "source,target,rtt_ms,rtt_p90_ms\nr1,s2,6,9\nr2,s1,5.5,8\n"


def calibrated_scenario(tmp_path):
    regions = REGIONS_HEADER + "r1,0.1,0.0,10,12,,1\nr2,0.1,2.0,5,12,,1\n"
    path = write_scenario(
        tmp_path,
        regions=regions,
        links=DERIVED_LINKS,
        extra_toml='[latency]\nmeasured = "measured.csv"\ncalibration = "calibration.json"\n'
        "sla_margin_percentile = 90\n",
    )
    (tmp_path / "points.csv").write_text(POINTS_CSV)
    (tmp_path / "measured.csv").write_text(MEASURED_CSV)
    return path


def test_calibrate_writes_a_calibration_a_scenario_can_name(tmp_path):
    calibrated_scenario(tmp_path)
    out = tmp_path / "calibration.json"
    args = ("latency", "calibrate", tmp_path / "topology.json", tmp_path / "points.csv")
    result = run(*args, "-o", out, "--folds", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert json.loads(out.read_text()) == document
    assert document["format"] == "gpuplace-latency-calibration"
    assert document["summary"]["rows"] == 8 and document["summary"]["folds"] == 3
    assert len(document["holdout_residual_ms"]) == 8
    # 200 km/ms without hop delay is too fast for these RTTs: the fit slows the model down
    assert document["summary"]["before"]["median_ratio"] < 0.7
    assert document["model"]["fibre_km_per_ms"] < 200.0 or document["model"]["per_hop_ms"] > 0
    assert (
        document["summary"]["after"]["median_abs_ms"]
        < document["summary"]["before"]["median_abs_ms"]
    )
    again = run(*args, "-o", out)
    assert again.exit_code == 2 and "already exists" in again.output
    text = run(*args, "--folds", "2")
    assert text.exit_code == 0 and "SLA margin (held-out error)" in text.stdout


def test_scenario_with_measured_rtts_solves_verifies_and_reports(tmp_path):
    scenario = calibrated_scenario(tmp_path)
    calibration = tmp_path / "calibration.json"
    points = tmp_path / "points.csv"
    made = run(
        "latency",
        "calibrate",
        tmp_path / "topology.json",
        points,
        "-o",
        calibration,
        "--folds",
        "2",
    )
    assert made.exit_code == 0, made.output
    plan = tmp_path / "plan.json"
    solved = run("solve", scenario, "-o", plan, "--format", "json")
    assert solved.exit_code == 0, solved.output
    assignments = json.loads(plan.read_text())["assignments"]
    measured = {("r1", "s2"): 6.0, ("r2", "s1"): 5.5}
    for a in assignments:
        if (a["region"], a["site"]) in measured:
            assert a["rtt_ms"] == pytest.approx(measured[(a["region"], a["site"])])
    verified = run("verify", scenario, plan, "--format", "json")
    assert verified.exit_code == 0, verified.output
    report = run("report", scenario, plan, "-o", tmp_path / "report", "--tiles", "none")
    assert report.exit_code == 0, report.output
    png = (tmp_path / "report" / "measured.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert "measured.png" in (tmp_path / "report" / "index.html").read_text()
    inspected = run("inspect", scenario, "--format", "json")
    latency = json.loads(inspected.stdout)["latency"]
    assert latency["measured_pairs"] == 2
    assert latency["sla_margin_percentile"] == 90
    assert latency["calibration"]["holdout_pairs"] == 8
    assert latency["predicted_vs_measured"]["median_ratio"] > 0
    assert "model against measurements" in run("inspect", scenario).stdout


BAD_MEASURED = [
    ("source,target\nA,B\n", "column rtt_ms", "missing required column"),
    ("source,target,rtt_ms\nA,B,fast\n", "row 1, column rtt_ms", "'fast' is not a number"),
    ("source,target,rtt_ms\nA,B,-3\n", "row 1, column rtt_ms", "must be > 0"),
    ("source,target,rtt_ms\nA,Q,3\n", "row 1, column target", "'Q' is not a topology node"),
    ("source,target,rtt_ms\nA,A,3\n", "row 1, column target", "the same point"),
    ("source,target,rtt_ms\nA,B,3\nC,D,2\nA,B,4\n", "row 3, column source", "appears twice"),
    ("source,target,rtt_ms,source_lat\nx,B,3,1.0\n", "row 1, column source_lon", "is empty"),
    (
        "source,target,rtt_ms,source_lat,source_lon\nx,B,3,95,0\n",
        "row 1, column source_lat",
        "within -90..90",
    ),
    ("source,target,rtt_ms,rtt_p100_ms\nA,B,3,4\n", "column rtt_p100_ms", "not between 0 and 100"),
    ("source,target,rtt_ms,delay\nA,B,3,4\n", "column delay", "unknown column"),
]


@pytest.mark.parametrize(("text", "where", "what"), BAD_MEASURED)
def test_bad_measured_table_exits_2_naming_row_and_column(tmp_path, text, where, what):
    write_scenario(tmp_path, links=DERIVED_LINKS)
    (tmp_path / "m.csv").write_text(text)
    result = run("latency", "calibrate", tmp_path / "topology.json", tmp_path / "m.csv")
    assert result.exit_code == 2, result.output
    assert f"m.csv: {where}: " in result.stderr and what in result.stderr
    assert "Traceback" not in result.output


GOOD = {
    "format": "gpuplace-latency-calibration",
    "version": 1,
    "model": {
        "fibre_km_per_ms": 150,
        "link_route_factor": 1,
        "per_hop_ms": 0.5,
        "access_route_factor": 2,
    },
    "holdout_residual_ms": [1.0, 2.0],
}
BAD_CALIBRATION = [
    ("{not json", "line 1, column 2", "is not valid JSON"),
    ("[]", "", "must be a JSON object"),
    (json.dumps({**GOOD, "format": "other"}), "format", "must be 'gpuplace-latency-calibration'"),
    (json.dumps({**GOOD, "version": 2}), "version", "must be 1"),
    (
        json.dumps({**GOOD, "model": {**GOOD["model"], "fibre_km_per_ms": 0}}),
        "model.fibre_km_per_ms",
        "must be > 0",
    ),
    (
        json.dumps({**GOOD, "model": {**GOOD["model"], "per_hop_ms": "x"}}),
        "model.per_hop_ms",
        "finite number",
    ),
    (json.dumps({**GOOD, "model": {**GOOD["model"], "speed": 1}}), "model.speed", "unknown key"),
    (
        json.dumps({**GOOD, "holdout_residual_ms": [1, None]}),
        "holdout_residual_ms[1]",
        "finite number",
    ),
    (json.dumps({k: v for k, v in GOOD.items() if k != "model"}), "model", "missing"),
]


@pytest.mark.parametrize(("text", "where", "what"), BAD_CALIBRATION)
def test_bad_calibration_file_exits_2_naming_the_key(tmp_path, text, where, what):
    scenario = write_scenario(tmp_path, extra_toml='[latency]\ncalibration = "cal.json"\n')
    (tmp_path / "cal.json").write_text(text)
    result = run("solve", scenario)
    assert result.exit_code == 2, result.output
    location = f"cal.json: {where}: " if where else "cal.json: "
    assert location in result.stderr and what in result.stderr
    assert "Traceback" not in result.output


def test_scenario_measured_table_problems_name_the_file_row_and_column(tmp_path):
    scenario = write_scenario(tmp_path, extra_toml='[latency]\nmeasured = "m.csv"\n')
    (tmp_path / "m.csv").write_text("source,target,rtt_ms,rtt_p90_ms\nr1,s1,3,x\n")
    result = run("solve", scenario)
    assert result.exit_code == 2
    assert "m.csv: row 1, column rtt_p90_ms: 'x' is not a number" in result.stderr
    missing = write_scenario(tmp_path / "b", extra_toml='[latency]\ncalibration = "none.json"\n')
    result = run("solve", missing)
    assert result.exit_code == 2 and "none.json: file not found" in result.stderr


def test_outputs_never_overwrite_the_latency_inputs(tmp_path):
    scenario = calibrated_scenario(tmp_path)
    points = tmp_path / "points.csv"
    result = run(
        "latency", "calibrate", tmp_path / "topology.json", points, "-o", points, "--force"
    )
    assert result.exit_code == 2 and "inputs are never overwritten" in result.stderr
    calibration = tmp_path / "calibration.json"
    assert (
        run("latency", "calibrate", tmp_path / "topology.json", points, "-o", calibration).exit_code
        == 0
    )
    before = calibration.read_bytes()
    solved = run("solve", scenario, "-o", calibration, "--force")
    assert calibration.read_bytes() == before
    assert solved.exit_code == 2 and "inputs are never overwritten" in solved.stderr
