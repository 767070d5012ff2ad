"""Atomic output: every file and folder gpuplace writes appears whole or not at all.

The ground floor beside :mod:`gpuplace.errors`: every layer may import it, and it
imports nothing else of gpuplace. Plans, reports, sweep results, failure tables,
converted topologies and scenarios, and generated datasets are all written here.

- A file is written to a temporary file in its own folder, flushed to disk
  (``fsync``) and moved into place with :func:`os.replace`: a reader sees the old
  file or the new one, never half of one.
- A folder is built in a temporary folder beside its destination and renamed into
  place. Without ``force`` the rename is the exclusive step: ``rename(2)`` never
  replaces a folder that holds files, so of two runs writing the same folder one
  wins and the other gets an :class:`~gpuplace.errors.InputError`.
- Modes are those of a plain ``open()`` / ``mkdir``: files ``0o666 & ~umask``,
  folders ``0o777 & ~umask``. The temporaries are created with exactly those
  requested modes and the kernel applies the umask, so the process umask is never
  read or set (``os.umask`` can only read it by changing it, which races threads).
- A location that cannot be written (no permission, disk full, a file where a
  folder should be) raises ``InputError`` "<path>: cannot write: <reason>", after
  removing the temporaries and any folder this call created.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from gpuplace.errors import InputError, Problem

__all__ = [
    "check_folder_output",
    "folder_output",
    "make_folder",
    "refuse_existing",
    "refuse_inputs",
    "write_bytes",
    "write_files",
    "write_json",
    "write_text",
]

_FILE_MODE = 0o666  # requested at creation; the kernel removes the umask bits
_FOLDER_MODE = 0o777
_TEMP_SUFFIX = ".tmp"

PathLike = str | os.PathLike[str]
_Path = TypeVar("_Path", bound=PathLike)


def _cannot_write(path: PathLike, error: OSError) -> InputError:
    reason = error.strerror or str(error)
    where = os.fspath(error.filename) if error.filename is not None else ""
    if error.errno == errno.ENOTDIR:
        blocker = next((p for p in Path(path).parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            reason = f"{blocker} is a file, not a folder"
    elif where and where != os.fspath(path) and Path(path).is_relative_to(where):
        reason = f"{reason} ({where})"  # a folder on the way, not a temporary file
    return InputError(Problem(os.fspath(path), "", f"cannot write: {reason}"))


def _unique(folder: Path, name: str, suffix: str, create) -> Path:
    """Create ``folder/.name.<random><suffix>`` with ``create(path)``; retry on a name clash."""
    while True:
        candidate = folder / f".{name}.{secrets.token_hex(4)}{suffix}"
        try:
            create(candidate)
        except FileExistsError:
            continue
        return candidate


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing ancestors; return those created, deepest first."""
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    created = []
    for step in reversed(missing):
        try:
            os.mkdir(step, _FOLDER_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to remove
        created.append(step)
    return created[::-1]


def _remove_created(folders: Iterable[Path]) -> None:
    for folder in folders:  # deepest first; a folder someone else filled stays
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _temp_file(target: Path, data: bytes) -> Path:
    """Write ``data`` to a new synced temporary file beside ``target``."""
    holder: list[int] = []

    def create(path: Path) -> None:
        holder.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE))

    temp = _unique(target.parent, target.name, _TEMP_SUFFIX, create)
    try:
        with os.fdopen(holder[0], "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def _check_target(target: Path) -> None:
    """Refuse to replace anything but a regular file (``-o /dev/null`` would replace the device)."""
    try:
        mode = os.lstat(target).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise InputError(Problem(os.fspath(target), "", f"cannot write: exists and is {kind}"))


def write_files(contents: Mapping[_Path, bytes | str]) -> list[Path]:
    """Write several files that belong together (text as UTF-8), all or none.

    Every file is first written and synced to a temporary file beside its
    destination; only when all are complete are they moved into place, one
    after another. A failure while writing leaves none of them (and no folder
    this call created).

    Returns
    -------
    list of Path
        The written paths, in the order given.

    Raises
    ------
    InputError
        "<path>: cannot write: <reason>" for a location that cannot be written,
        and for an existing folder, device, FIFO or socket (never replaced).
    """
    targets = [Path(path) for path in contents]
    for target in targets:
        _check_target(target)
    payloads = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in contents.values()]
    created: list[Path] = []
    temps: list[Path] = []
    target = targets[0] if targets else Path()
    try:
        for target, data in zip(targets, payloads, strict=True):
            created = _make_parents(target.parent) + created
            temps.append(_temp_file(target, data))
        while temps:
            target = targets[len(targets) - len(temps)]
            os.replace(temps[0], target)
            temps.pop(0)
    except BaseException as error:
        for temp in temps:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        _remove_created(created)
        if isinstance(error, OSError):
            raise _cannot_write(target, error) from None
        raise
    return targets


def write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (folders created as needed); returns the path.

    Raises
    ------
    InputError
        "<path>: cannot write: <reason>"; nothing is left behind.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_bytes(Path(folder) / "sub" / "a.bin", b"\\x00\\x01")
    ...     path.read_bytes(), sorted(p.name for p in path.parent.iterdir())
    (b'\\x00\\x01', ['a.bin'])
    """
    return write_files({path: bytes(data)})[0]


def write_text(path: PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (line endings as given)."""
    return write_files({path: text})[0]


def write_json(path: PathLike, value: Any, *, indent: int = 2) -> Path:
    """Write ``value`` as indented JSON with a final newline; NaN and infinity are refused."""
    return write_text(path, json.dumps(value, indent=indent, allow_nan=False) + "\n")


def make_folder(path: PathLike) -> Path:
    """Create the folder ``path`` and missing parents (mode ``0o777 & ~umask``); returns it.

    Raises
    ------
    InputError
        "<path>: cannot write: <reason>".
    """
    target = Path(path)
    try:
        _make_parents(target)
    except OSError as error:
        raise _cannot_write(target, error) from None
    if not target.is_dir():
        raise InputError(Problem(str(target), "", "cannot write: exists and is not a folder"))
    return target


def refuse_existing(paths: Iterable[PathLike], *, force: bool) -> None:
    """Refuse to overwrite existing outputs unless ``force``.

    Raises
    ------
    InputError
        One problem per existing path, when ``force`` is false.
    """
    if force:
        return
    problems = [
        Problem(os.fspath(path), "", "already exists; use --force to overwrite")
        for path in paths
        if Path(path).exists()
    ]
    if problems:
        raise InputError(problems)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _spellings(path: PathLike) -> tuple[Path, Path]:
    """The path made absolute (``..`` removed, links kept) and resolved (links followed)."""
    return Path(os.path.abspath(path)), Path(path).resolve()


def refuse_inputs(output: PathLike, inputs: Iterable[PathLike | None], *, folder: bool) -> None:
    """The input-protection rule: an output never replaces an input, with or without ``--force``.

    A file output may not be an input: the same path, a symbolic link to it, or
    a hard link to it. A folder output (replaced as a whole, or written into)
    may not be an input nor hold one at any depth, whichever way either path is
    spelt. Call it with every file the run reads (``Instance.input_files``, the
    plan, an SRLG file, ...), once they are known and before anything is written.

    Raises
    ------
    InputError
        Naming the output and the input it would overwrite.

    Examples
    --------
    >>> refuse_inputs("/data/report", ["/data/report/../scenario.toml"], folder=True)
    >>> refuse_inputs("/data", ["/data/scenario.toml"], folder=True)
    Traceback (most recent call last):
    ...
    gpuplace.errors.InputError: /data: holds the input /data/scenario.toml; inputs are never overwritten
    """
    targets = _spellings(output)
    for given in inputs:
        if given is None:
            continue
        sources = _spellings(given)
        same = any(t == s for t in targets for s in sources) or _same_file(targets[1], sources[1])
        inside = folder and any(t in s.parents for t in targets for s in sources)
        if same or inside:
            verb = "is" if same else "holds"
            raise InputError(
                Problem(
                    os.fspath(output),
                    "",
                    f"{verb} the input {os.fspath(given)}; inputs are never overwritten",
                )
            )


def check_folder_output(path: PathLike, *, force: bool) -> None:
    """Refuse a file, or a folder holding anything unless ``force``: call before the work.

    Raises
    ------
    InputError
        ``path`` is not a folder, or holds files and ``force`` is false.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise InputError(Problem(str(target), "", "exists and is not a folder"))
    if not force and target.is_dir() and any(target.iterdir()):
        raise InputError(
            Problem(str(target), "", "folder exists and is not empty (use --force to replace it)")
        )


def _in_target(error: InputError, stage: Path, target: Path) -> InputError:
    """The same problems, naming the destination instead of the temporary folder."""
    inner, outer = str(stage), str(target)
    return InputError(
        [
            Problem(
                p.file.replace(inner, outer, 1) if p.file.startswith(inner) else p.file,
                p.where,
                p.what,
            )
            for p in error.problems
        ]
    )


def _commit(stage: Path, target: Path, *, force: bool) -> None:
    """Rename the finished ``stage`` to ``target`` (with ``force``, the old one goes aside first)."""
    old = None
    if force and target.is_dir():
        old = _unique(target.parent, target.name, ".old", lambda p: os.rename(target, p))
    try:
        os.rename(stage, target)
    except OSError as error:
        if old is not None and not target.exists():
            os.rename(old, target)
            old = None
        if target.is_dir() and any(target.iterdir()):
            raise InputError(
                Problem(
                    str(target),
                    "",
                    "another run wrote this folder first; nothing written (use --force to replace it)",
                )
            ) from None
        raise _cannot_write(target, error) from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def folder_output(path: PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a new temporary folder beside ``path``; when the block ends it becomes ``path``.

    Write the files into the yielded folder (with :func:`write_bytes` etc.). An
    exception in the block removes the temporary folder and leaves ``path`` as it
    was. The rename into place fails, naming ``path``, when another run wrote a
    non-empty ``path`` meanwhile (unless ``force``, which replaces it: the old
    folder is moved aside first, so the swap is never half done).

    Raises
    ------
    InputError
        See :func:`check_folder_output`; a location that cannot be written; a
        folder another run wrote first.
    """
    target = Path(path).absolute()
    check_folder_output(target, force=force)
    try:
        created = _make_parents(target.parent)
        stage = _unique(
            target.parent, target.name, _TEMP_SUFFIX, lambda p: os.mkdir(p, _FOLDER_MODE)
        )
    except OSError as error:
        raise _cannot_write(target, error) from None
    try:
        yield stage
        _commit(stage, target, force=force)
    except BaseException as error:
        shutil.rmtree(stage, ignore_errors=True)
        if not target.exists():
            _remove_created(created)
        if isinstance(error, InputError):
            raise _in_target(error, stage, target) from None
        if isinstance(error, OSError):
            raise _cannot_write(target, error) from None
        raise
