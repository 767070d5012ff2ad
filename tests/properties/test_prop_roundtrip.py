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

from gpuplace import solvers
from gpuplace.scenario import InputError, load_instance
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.planio import read_plan, write_plan
from gpuplace.solvers.verify import verify_plan
from support.prop_cases import BASE, EXACT, SETTINGS, build, specs, write_files


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
        if field.name in ("scenario_path", "input_files"):  # where the TOML is, not what it says
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
    write_files(root, "base.toml")
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
