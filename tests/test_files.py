"""gpuplace.files: atomic files and folders, the usual modes, clear errors, nothing half-written."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from gpuplace import files
from gpuplace.errors import InputError

UMASK = 0o027


@pytest.fixture
def umask():
    """A umask other than the usual 022, restored afterwards (the test process is one thread)."""
    old = os.umask(UMASK)
    yield UMASK
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def everything(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_files_and_folders_get_the_umask_modes(tmp_path, umask):
    text = files.write_text(tmp_path / "a" / "b" / "plan.json", "{}\n")
    assert mode(text) == 0o666 & ~umask == 0o640
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o777 & ~umask
    binary = files.write_bytes(tmp_path / "x.png", b"\x89PNG")
    assert mode(binary) == 0o640
    pair = files.write_files({tmp_path / "s.toml": "a = 1\n", tmp_path / "s.csv": "id\n"})
    assert [mode(p) for p in pair] == [0o640, 0o640]
    with files.folder_output(tmp_path / "report") as stage:
        files.write_text(stage / "index.html", "<html>")
        files.write_text(stage / "sub" / "t.csv", "id\n")
    report = tmp_path / "report"
    assert mode(report) == mode(report / "sub") == 0o750
    assert mode(report / "index.html") == mode(report / "sub" / "t.csv") == 0o640
    assert mode(files.make_folder(tmp_path / "plans")) == 0o750


def test_the_process_umask_is_never_read_or_set(tmp_path, monkeypatch):
    def no_umask(_mask):
        raise AssertionError("os.umask called")

    monkeypatch.setattr(os, "umask", no_umask)
    files.write_text(tmp_path / "a.txt", "x")
    with files.folder_output(tmp_path / "out") as stage:
        files.write_bytes(stage / "b", b"y")
    assert (tmp_path / "out" / "b").read_bytes() == b"y"


def test_replace_keeps_no_temporary_and_overwrites(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("old")
    assert files.write_text(path, "new\r\n") == path
    assert path.read_bytes() == b"new\r\n"  # line endings as given
    assert everything(tmp_path) == ["t.txt"]


def _disk_full(monkeypatch, after: int = 0) -> None:
    """fsync fails with ENOSPC from call ``after + 1`` on."""
    real = os.fsync
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_failing_write_leaves_nothing_behind(tmp_path, monkeypatch):
    keep = tmp_path / "keep.json"
    keep.write_text("old")
    _disk_full(monkeypatch)
    with pytest.raises(InputError) as info:
        files.write_text(tmp_path / "new" / "deeper" / "plan.json", "{}")
    assert str(info.value) == (
        f"{tmp_path / 'new' / 'deeper' / 'plan.json'}: cannot write: No space left on device"
    )
    with pytest.raises(InputError, match="cannot write"):
        files.write_text(keep, "new")
    assert keep.read_text() == "old"
    assert everything(tmp_path) == ["keep.json"]  # folders made for the file are gone too


def test_a_set_of_files_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    _disk_full(monkeypatch, after=2)  # the third file fails
    targets = {tmp_path / "out" / f"{name}.csv": "id\n" for name in ("a", "b", "c")}
    with pytest.raises(InputError, match=r"c\.csv: cannot write: No space left"):
        files.write_files(targets)
    assert everything(tmp_path) == []


def test_a_failing_folder_output_leaves_nothing_behind(tmp_path, monkeypatch):
    target = tmp_path / "out" / "report"
    _disk_full(monkeypatch, after=1)
    with pytest.raises(InputError) as info, files.folder_output(target) as stage:
        files.write_text(stage / "index.html", "<html>")
        files.write_text(stage / "map.html", "<html>")
    # the problem names the destination, not the temporary folder
    assert str(info.value) == f"{target / 'map.html'}: cannot write: No space left on device"
    assert everything(tmp_path) == []


def test_an_exception_in_the_block_keeps_the_old_folder(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    (target / "old.html").write_text("old")
    with pytest.raises(KeyboardInterrupt), files.folder_output(target, force=True) as stage:
        files.write_text(stage / "new.html", "new")
        raise KeyboardInterrupt
    assert everything(tmp_path) == ["report", "report/old.html"]
    with files.folder_output(target, force=True) as stage:
        files.write_text(stage / "new.html", "new")
    assert everything(tmp_path) == ["report", "report/new.html"]  # replaced as a whole


def test_folder_output_refuses_what_it_must_not_replace(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a folder"):
        files.check_folder_output(tmp_path / "file", force=True)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("keep")
    with pytest.raises(InputError, match="not empty .*--force"), files.folder_output(full):
        pytest.fail("the block must not run")
    empty = tmp_path / "empty"
    empty.mkdir()
    with files.folder_output(empty) as stage:  # an empty folder may be filled
        files.write_text(stage / "a.txt", "a")
    assert (empty / "a.txt").read_text() == "a"


def test_two_concurrent_folder_outputs_one_wins(tmp_path):
    target = tmp_path / "report"
    both_staged = threading.Barrier(2, timeout=30)
    outcome: dict[str, str] = {}

    def run(name: str) -> None:
        try:
            with files.folder_output(target) as stage:
                files.write_text(stage / "who.txt", name)
                files.write_text(stage / f"{name}.txt", name)
                both_staged.wait()  # both passed the up-front check and built their folder
            outcome[name] = "won"
        except InputError as error:
            outcome[name] = str(error)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, result in outcome.items() if result == "won"]
    assert len(winners) == 1, outcome
    (loser,) = set(outcome) - set(winners)
    assert outcome[loser] == (
        f"{target}: another run wrote this folder first; nothing written (use --force to replace it)"
    )
    # the folder is the winner's, whole; no temporary folder is left
    assert everything(tmp_path) == ["report", f"report/{winners[0]}.txt", "report/who.txt"]
    assert (target / "who.txt").read_text() == winners[0]


def test_an_unwritable_location_is_an_input_error(tmp_path):
    blocker = tmp_path / "plan.json"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(InputError) as info:
        files.write_text(blocker / "out.json", "{}")
    assert (
        str(info.value)
        == f"{blocker / 'out.json'}: cannot write: {blocker} is a file, not a folder"
    )
    with (
        pytest.raises(
            InputError, match="deeper: cannot write: .*plan.json is a file, not a folder"
        ),
        files.folder_output(blocker / "report" / "deeper"),
    ):
        pytest.fail("the block must not run")
    with pytest.raises(InputError, match="cannot write"):
        files.make_folder(blocker / "plans")
    with pytest.raises(InputError, match="cannot write: exists and is not a folder"):
        files.make_folder(blocker)
    tmp_dir = tmp_path / "folder"
    tmp_dir.mkdir()
    with pytest.raises(InputError, match="folder: cannot write: exists and is a folder"):
        files.write_text(tmp_dir, "a folder where the file should be")
    assert everything(tmp_path) == ["folder", "plan.json"]


def test_refuse_existing(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    with pytest.raises(InputError) as info:
        files.refuse_existing([tmp_path / "a.csv", tmp_path / "b.csv"], force=False)
    assert [p.file for p in info.value.problems] == [str(tmp_path / "a.csv")]
    assert "already exists; use --force" in str(info.value)
    files.refuse_existing([tmp_path / "a.csv"], force=True)


def test_json_refuses_nan(tmp_path):
    path = files.write_json(tmp_path / "a.json", {"x": [1, 2.5]})
    assert path.read_text() == '{\n  "x": [\n    1,\n    2.5\n  ]\n}\n'
    with pytest.raises(ValueError):
        files.write_json(tmp_path / "b.json", {"x": float("nan")})
    assert everything(tmp_path) == ["a.json"]
