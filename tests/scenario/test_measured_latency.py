"""[latency] measured, calibration and sla_margin_percentile: how they shape the candidate pairs,
and the verifier recomputing the same from the inputs on its own."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from gpuplace.errors import InputError
from gpuplace.scenario import load_instance
from gpuplace.scenario.instance import LatencySettings
from gpuplace.solvers.verify.network import Network
from gpuplace.solvers.verify.parsed import parse_plan
from gpuplace.solvers.verify.regions import check_assignments
from gpuplace.topo.geo import haversine_km
from support.cli_files import LINKS, REGIONS_HEADER, write_scenario

DERIVED_LINKS = [{k: v for k, v in link.items() if k != "latency_ms"} for link in LINKS]
MEASURED = "source,target,rtt_ms,rtt_p95_ms\nr1,s2,30,40\ns2,r1,32,\nr2,s1,5,9\ns1,s2,7,8\n"
RESIDUALS = [-2.0, 0.0, 1.0, 3.0, 10.0]  # P95 = 3 + 0.8 × 7 = 8.6
CALIBRATION = {
    "format": "gpuplace-latency-calibration",
    "version": 1,
    "model": {
        "fibre_km_per_ms": 100.0,
        "link_route_factor": 1.0,
        "per_hop_ms": 1.0,
        "access_route_factor": 2.0,
    },
    "holdout_residual_ms": RESIDUALS,
}


def scenario(tmp_path, *, sla: float = 50.0, extra: str = "", calibration=CALIBRATION):
    regions = REGIONS_HEADER + f"r1,0.1,0.0,10,{sla},,1\nr2,0.1,2.0,5,{sla},,1\n"
    path = write_scenario(
        tmp_path,
        regions=regions,
        links=DERIVED_LINKS,
        extra_toml='[latency]\nmeasured = "measured.csv"\ncalibration = "calibration.json"\n'
        + extra,
    )
    (tmp_path / "measured.csv").write_text(MEASURED)
    (tmp_path / "calibration.json").write_text(json.dumps(calibration))
    return path


def pair_rtts(instance) -> dict[tuple[str, str], float]:
    return {
        (instance.region_ids[r], instance.site_ids[s]): float(rtt)
        for r, s, rtt in zip(
            instance.pair_region, instance.pair_site, instance.pair_rtt_ms, strict=True
        )
    }


def test_measured_pairs_replace_the_calibrated_model(tmp_path):
    instance = load_instance(scenario(tmp_path))
    assert instance.latency.fibre_km_per_ms == 100.0 and instance.latency.per_hop_ms == 1.0
    rtts = pair_rtts(instance)
    assert rtts[("r1", "s2")] == pytest.approx(31.0)  # both directions, averaged
    assert rtts[("r2", "s1")] == pytest.approx(5.0)
    # r1 -> s4 (node B) is modelled: access to A at 2 × gc / 100, then A-B (111.2 km / 100 + 1 ms)
    access = float(haversine_km(0.1, 0.0, 0.0, 0.0)) * 2.0 / 100.0
    link = float(haversine_km(0.0, 0.0, 0.0, 1.0)) / 100.0 + 1.0
    assert rtts[("r1", "s4")] == pytest.approx(2.0 * (access + link))
    (warning,) = [w for w in instance.warnings if "measured.csv" in w]
    assert "1 of 4 rows name no region-site pair" in warning


def test_sla_margin_applies_to_modelled_pairs_and_percentiles_to_measured_ones(tmp_path):
    plain = load_instance(scenario(tmp_path / "plain", sla=9.5))
    margin = load_instance(
        scenario(tmp_path / "margin", sla=9.5, extra="sla_margin_percentile = 95\n")
    )
    assert margin.calibration.margin_ms(95) == pytest.approx(8.6)
    before, after = pair_rtts(plain), pair_rtts(margin)
    measured = {("r1", "s2"), ("r2", "s1")}
    # modelled pairs need rtt + 8.6 <= 9.5; the measured pair r2-s1 is checked on its p95 (9)
    expected = {p for p, rtt in before.items() if p not in measured and rtt + 8.6 <= 9.5}
    assert expected and set(after) == expected | {("r2", "s1")}
    assert len(before) > len(after)
    assert all(after[p] == before[p] for p in after)  # the margin moves the check, not the RTT


def test_measured_percentile_column_decides_the_sla(tmp_path):
    looser = load_instance(scenario(tmp_path / "a", sla=9.5, extra="sla_margin_percentile = 95\n"))
    assert ("r2", "s1") in pair_rtts(
        load_instance(scenario(tmp_path / "b", sla=9.0, extra="sla_margin_percentile = 95\n"))
    )
    assert ("r2", "s1") not in pair_rtts(
        load_instance(scenario(tmp_path / "c", sla=8.9, extra="sla_margin_percentile = 95\n"))
    )
    assert looser.measured is not None and looser.measured.region.size == 2


def test_verifier_uses_the_calibration_not_the_loaders_settings(tmp_path):
    instance = load_instance(scenario(tmp_path))
    network = Network(instance)
    for (region, site), rtt in pair_rtts(instance).items():
        r, s = instance.region_ids.index(region), instance.site_ids.index(site)
        assert network.rtt_ms(r, s) == pytest.approx(rtt, rel=1e-9)
    # an instance whose settings disagree with its calibration: the verifier follows the file
    skewed = dataclasses.replace(instance, latency=LatencySettings())
    r, s = instance.region_ids.index("r1"), instance.site_ids.index("s4")
    assert Network(skewed).rtt_ms(r, s) == pytest.approx(pair_rtts(instance)[("r1", "s4")])


def test_verifier_checks_the_sla_with_the_margin(tmp_path):
    instance = load_instance(scenario(tmp_path, sla=9.5))
    tight = load_instance(scenario(tmp_path / "m", sla=9.5, extra="sla_margin_percentile = 95\n"))
    rtt = pair_rtts(instance)[("r1", "s4")]
    assert rtt <= 9.5 < rtt + 8.6
    plan = {
        "status": "feasible",
        "sites": [],
        "assignments": [
            {"region": "r1", "site": "s4", "share": 1.0, "demand": 10.0, "rtt_ms": rtt}
        ],
    }
    for inst, expect_sla in ((instance, False), (tight, True)):
        parsed = parse_plan(inst, {**plan, "unserved": [], "links": []})
        kinds = {v.constraint for v in check_assignments(inst, parsed, Network(inst), [rtt], 1e-6)}
        assert ("sla" in kinds) is expect_sla


def test_margin_without_calibration_is_an_input_error(tmp_path):
    path = write_scenario(tmp_path, extra_toml="[latency]\nsla_margin_percentile = 90\n")
    with pytest.raises(InputError, match="sla_margin_percentile needs"):
        load_instance(path)


def test_measured_and_calibration_enter_the_scenario_hash(tmp_path):
    a = load_instance(scenario(tmp_path / "a"))
    changed = dict(CALIBRATION, holdout_residual_ms=[0.0])
    b = load_instance(scenario(tmp_path / "b", calibration=changed))
    assert a.sha256 != b.sha256
    assert np.isfinite(a.pair_rtt_ms).all()
