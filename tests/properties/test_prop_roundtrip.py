"""Round trips: a written plan reads back equal; ``--set`` equals editing the TOML."""

from __future__ import annotations

import copy
import dataclasses
import json
import tempfile
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from prop_cases import EXACT, SETTINGS, build, specs

import solvers
from scenario import InputError, load_instance
from solvers.plan import build_plan
from solvers.planio import read_plan, write_plan
from solvers.verify import verify_plan


@settings(max_examples=25)
@given(specs())
def test_written_plan_reads_back_equal(spec):
    instance = build(spec)
    plan = build_plan(instance, solvers.solve(instance, "highs", EXACT), solver_settings=SETTINGS)
    with tempfile.TemporaryDirectory() as folder:
        path = write_plan(Path(folder) / "sub" / "plan.json", plan)
        back = read_plan(path)
        assert sorted(p.name for p in Path(folder, "sub").iterdir()) == ["plan.json"]
    assert back == plan
    if plan["objective"] is not None:
        assert verify_plan(instance, back) == []


TOPOLOGY = {
    "nodes": [
        {"id": "A", "lat": 0.0, "lon": 0.0, "country": "AU", "kind": "city"},
        {"id": "B", "lat": 0.0, "lon": 1.0, "country": "AU", "kind": "city"},
        {"id": "C", "lat": 0.0, "lon": 2.0, "country": "NZ", "kind": "city"},
    ],
    "links": [
        {"source": "A", "target": "B", "latency_ms": 1.0, "capacity_gbps": 10},
        {"source": "B", "target": "C", "capacity_gbps": 10},
    ],
}
SITES = "id,node,power_kw,fixed_cost\ns1,A,100,1000\ns2,C,100,800\ns3,B,50,700\n"
REGIONS = "id,lat,lon,demand,sla_rtt_ms,allowed_countries\nr1,0.1,0.0,10,50,\nr2,0.1,2.0,5,50,NZ\n"
GPUS = "type,capex,power_kw,throughput\nH100,100,1.0,10\nL40S,40,0.5,3\n"
BASE = {
    "name": "roundtrip",
    "topology": {"file": "topology.json"},
    "sites": {"file": "sites.csv"},
    "regions": {"file": "regions.csv"},
    "gpus": {"file": "gpus.csv"},
    "solver": {"time_limit_s": 10},
}

# (dotted key, strategy of values); values valid or not: both paths must agree either way.
OVERRIDES = {
    "name": st.sampled_from(["other", "x y"]),
    "description": st.just("edited"),
    "topology.fibre_km_per_ms": st.sampled_from([150.0, 200.0, -1.0]),
    "topology.per_hop_ms": st.sampled_from([0.0, 0.5, 2]),
    "regions.access_route_factor": st.sampled_from([1.0, 2.5]),
    "regions.gbps_per_unit": st.sampled_from([0.0, 0.25]),
    "constraints.budget": st.sampled_from([2000.0, 1e4, 5e3]),
    "constraints.max_sites": st.integers(0, 3),
    "constraints.min_gpus_per_site": st.integers(0, 4),
    "constraints.max_utilisation": st.sampled_from([0.5, 0.85, 1.0, 1.5]),
    "constraints.single_sourcing": st.booleans(),
    "constraints.sovereignty": st.booleans(),
    "constraints.redundancy": st.integers(1, 2),
    "objective.kind": st.sampled_from(["cost", "latency", "served", "speed"]),
    "objective.latency_weight": st.sampled_from([0.0, 3.5]),
    "solver.name": st.sampled_from(["highs", "cpsat"]),
    "solver.seed": st.integers(0, 5),
    "solver.gap": st.sampled_from([0.0, 0.05]),
}


def _text(value) -> str:
    """A ``--set`` value as a user would type it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value.isidentifier() else json.dumps(value)
    return repr(value)


def _same_instance(a, b) -> None:
    for field in dataclasses.fields(a):
        if field.name == "scenario_path":
            continue
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y), field.name
        elif field.name == "topology":
            for sub in dataclasses.fields(x):
                u, v = getattr(x, sub.name), getattr(y, sub.name)
                if isinstance(u, np.ndarray):
                    assert np.array_equal(u, v, equal_nan=u.dtype.kind == "f"), sub.name
        else:
            assert x == y, field.name


def _load(path: Path, overrides=None):
    try:
        return load_instance(path, overrides), None
    except InputError as error:
        return None, sorted(p.what for p in error.problems)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("roundtrip")
    (root / "topology.json").write_text(json.dumps(TOPOLOGY))
    (root / "sites.csv").write_text(SITES)
    (root / "regions.csv").write_text(REGIONS)
    (root / "gpus.csv").write_text(GPUS)
    (root / "base.toml").write_text(tomli_w.dumps(BASE))
    return root


@settings(max_examples=40)
@given(
    st.lists(st.sampled_from(sorted(OVERRIDES)), min_size=1, max_size=4, unique=True).flatmap(
        lambda keys: st.tuples(*[st.tuples(st.just(k), OVERRIDES[k]) for k in keys])
    )
)
def test_set_override_equals_editing_the_toml(folder, changes):
    document = copy.deepcopy(BASE)
    for key, value in changes:
        section, _, name = key.rpartition(".")
        (document.setdefault(section, {}) if section else document)[name] = value
    with tempfile.NamedTemporaryFile("w", suffix=".toml", dir=folder, delete=False) as handle:
        handle.write(tomli_w.dumps(document))
    edited_path = Path(handle.name)
    try:
        assert tomllib.loads(edited_path.read_text()) == document
        edited, edited_errors = _load(edited_path)
        overridden, set_errors = _load(
            folder / "base.toml", {key: _text(value) for key, value in changes}
        )
    finally:
        edited_path.unlink()
    assert set_errors == edited_errors
    if edited is not None:
        _same_instance(overridden, edited)
        assert overridden.sha256 == edited.sha256
