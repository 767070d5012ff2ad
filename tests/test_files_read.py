"""The guarded reader (gpuplace.files_read): regular files only, a size limit, bounded nesting.

Every reader of the tool goes through it, so each special file is tried on each
kind of input: plans, SRLG files, topologies, tables, scenario TOML files,
calibration files and OR-Library files.
"""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest

from gpuplace import files_read
from gpuplace.errors import InputError
from gpuplace.files_read import (
    ENV_MAX_INPUT_MB,
    MAX_JSON_DEPTH,
    check_file,
    confined,
    json_depth,
    max_input_bytes,
    parse_json,
    read_bytes,
)


def test_size_guard_refuses_large_files(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"nodes": [{"id": i} for i in range(200)], "edges": []}))
    monkeypatch.setenv(ENV_MAX_INPUT_MB, str(1 / 1024))  # 1 KiB
    assert path.stat().st_size > 1024
    with pytest.raises(InputError) as info:
        read_bytes(path)
    assert "larger than the limit" in str(info.value) and ENV_MAX_INPUT_MB in str(info.value)
    with pytest.raises(InputError):
        check_file(path)


def test_size_guard_default_and_bad_env(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_MAX_INPUT_MB, raising=False)
    assert max_input_bytes() == 64 * 1024 * 1024
    path = tmp_path / "x.json"
    path.write_text("{}")
    assert check_file(path) == 2
    for bad in ("lots", "-1", "0", "inf", "nan", "1_0", "\uff11"):
        monkeypatch.setenv(ENV_MAX_INPUT_MB, bad)
        with pytest.raises(InputError, match=ENV_MAX_INPUT_MB):
            check_file(path)


def test_read_stops_at_the_limit_when_the_file_lies_about_its_size(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_MAX_INPUT_MB, str(1 / 1024))
    monkeypatch.setattr(files_read, "_checked_size", lambda name, fd, limit: 0)
    path = tmp_path / "grows.json"
    path.write_bytes(b" " * 5000)
    with pytest.raises(InputError, match="grew larger than the limit"):
        read_bytes(path)


def _fifo(path):
    os.mkfifo(path)
    return path


def _socket(path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return path


SPECIAL = {
    "character device": lambda tmp: "/dev/zero",
    "FIFO": lambda tmp: _fifo(tmp / "pipe.json"),
    "folder": lambda tmp: tmp,
    "socket": lambda tmp: _socket(tmp / "sock.json"),
    "link to a device": lambda tmp: (
        os.symlink("/dev/urandom", tmp / "link.json") or tmp / "link.json"
    ),
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_special_files_are_refused_without_blocking(tmp_path, kind):
    path = SPECIAL[kind](tmp_path)
    outcome: list[BaseException | bytes] = []

    def read() -> None:
        try:
            outcome.append(read_bytes(path))
        except BaseException as error:  # noqa: BLE001 - checked below
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), f"reading a {kind} blocked"
    assert isinstance(outcome[0], InputError)
    assert "not a regular file" in str(outcome[0])


def _every_reader(path):
    """Each public reader of the tool on ``path``."""
    from gpuplace.datasets.orlib_read import read_pmed
    from gpuplace.resilience.failure_cases import load_srlg
    from gpuplace.scenario import load_instance
    from gpuplace.solvers.planio import read_plan
    from gpuplace.topo import read_topology
    from gpuplace.topo.calibration import read_calibration

    return {
        "plan": lambda: read_plan(path),
        "srlg": lambda: load_srlg(path),
        "topology": lambda: read_topology(path),
        "scenario": lambda: load_instance(path),
        "calibration": lambda: read_calibration(path),
        "orlib": lambda: read_pmed(path),
    }


@pytest.mark.parametrize("reader", ["plan", "srlg", "topology", "scenario", "calibration", "orlib"])
def test_every_reader_refuses_a_fifo(tmp_path, reader):
    suffix = {"scenario": ".toml", "orlib": ".txt"}.get(reader, ".json")
    path = _fifo(tmp_path / f"input{suffix}")
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            _every_reader(path)[reader]()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - checked below
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), f"{reader} blocked on a FIFO"
    assert isinstance(outcome[0], InputError), outcome[0]
    assert str(path) in str(outcome[0])


@pytest.mark.parametrize("reader", ["plan", "srlg", "topology", "calibration"])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deep_json_is_refused_by_every_json_reader(tmp_path, reader, opening):
    path = tmp_path / "deep.json"
    closing = "]" if opening == "[" else "}"
    path.write_text(opening * 100_000 + "1" + closing * 100_000)
    with pytest.raises(InputError, match="nested more than 100 levels deep"):
        _every_reader(path)[reader]()


def test_scenario_toml_nested_too_deep(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("name = " + "[" * 50_000 + "]" * 50_000 + "\n")
    from gpuplace.scenario import load_instance

    with pytest.raises(InputError, match="nested too deeply"):
        load_instance(path)


@pytest.mark.parametrize(
    "text,what",
    [
        ("[NaN]", "NaN is not a JSON number"),
        ('{"a": Infinity}', "Infinity is not a JSON number"),
        ("[-Infinity]", "-Infinity is not a JSON number"),
        ("[1e999]", "out of range"),
        ("[" + "9" * 5000 + "]", "too many digits"),
        ('{"a": 1', "line 1, column 8"),
    ],
)
def test_json_that_is_not_json(text, what):
    with pytest.raises(InputError, match=what):
        parse_json(text, "f.json")


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth('{"a": [1, [2, "[[[{{{"]], "b": "\\"["}') == 3
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(nested, "f") is not None  # exactly the limit is fine


def test_confined_inputs(tmp_path):
    inside = tmp_path / "s"
    inside.mkdir()
    (inside / "a.csv").write_text("x")
    os.symlink(tmp_path / "outside.csv", inside / "link.csv")
    assert confined(inside / "a.csv", inside) == inside / "a.csv"
    for escaping in (inside / ".." / "outside.csv", inside / "link.csv", tmp_path / "b.csv"):
        with pytest.raises(InputError, match="outside the scenario's folder"):
            confined(escaping, inside)
