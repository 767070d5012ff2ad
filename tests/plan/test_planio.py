"""Plan files: atomic writes, no overwrite without force, reads that name the problem."""

from __future__ import annotations

import json
import os

import pytest

from gpuplace.errors import InputError
from gpuplace.solvers.planio import read_plan, write_plan


def test_round_trip(tmp_path, tiny_plan):
    path = write_plan(tmp_path / "out" / "plan.json", tiny_plan)
    assert path.exists()
    assert read_plan(path) == json.loads(json.dumps(tiny_plan))
    assert [p.name for p in path.parent.iterdir()] == ["plan.json"]


def test_refuses_to_overwrite_without_force(tmp_path, tiny_plan):
    path = tmp_path / "plan.json"
    path.write_text("keep me")
    with pytest.raises(InputError) as info:
        write_plan(path, tiny_plan)
    assert str(path) in str(info.value)
    assert "--force" in str(info.value)
    assert path.read_text() == "keep me"
    write_plan(path, tiny_plan, force=True)
    assert read_plan(path)["status"] == "optimal"


def test_failed_replace_leaves_no_file(tmp_path, tiny_plan, monkeypatch):
    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(InputError):
        write_plan(tmp_path / "plan.json", tiny_plan)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_leaves_old_file_intact(tmp_path, tiny_plan, monkeypatch):
    path = tmp_path / "plan.json"
    path.write_text("old")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_plan(path, tiny_plan, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    assert path.read_text() == "old"


def test_unserialisable_plan_writes_nothing(tmp_path, tiny_plan):
    tiny_plan["notes"] = [object()]
    with pytest.raises(TypeError):
        write_plan(tmp_path / "plan.json", tiny_plan)
    assert list(tmp_path.iterdir()) == []


def test_non_finite_numbers_are_written_as_null(tmp_path, tiny_plan):
    tiny_plan["bound"] = float("-inf")
    path = write_plan(tmp_path / "plan.json", tiny_plan)
    assert read_plan(path)["bound"] is None


def test_read_invalid_json(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text('{"schema": "gpuplace.plan/1",\n  oops}')
    with pytest.raises(InputError) as info:
        read_plan(path)
    problem = info.value.problems[0]
    assert (problem.file, problem.where) == (str(path), "line 2, column 3")


def test_read_missing_field_names_the_key(tmp_path, tiny_plan):
    del tiny_plan["assignments"][1]["rtt_ms"]
    del tiny_plan["kpis"]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(tiny_plan))
    with pytest.raises(InputError) as info:
        read_plan(path)
    wheres = {p.where for p in info.value.problems}
    assert wheres == {"kpis", "assignments[1].rtt_ms"}
    assert all(p.file == str(path) for p in info.value.problems)


def test_read_wrong_schema(tmp_path, tiny_plan):
    tiny_plan["schema"] = "other/2"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(tiny_plan))
    with pytest.raises(InputError) as info:
        read_plan(path)
    assert [p.where for p in info.value.problems] == ["schema"]


def test_read_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        read_plan(tmp_path / "nope.json")
    assert "nope.json" in str(info.value)
