"""Atomic file and folder output for the planning commands.

A file is written to a temporary file in the same folder, then moved into
place with :func:`os.replace`, so a reader never sees half a file. A report
folder is built in a temporary folder beside its destination and renamed into
place when complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem

# mkstemp creates files 0600; written files get the usual mode (0666 less the umask).
_UMASK = os.umask(0)
os.umask(_UMASK)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike[str], value: Any) -> None:
    """Write ``value`` as indented JSON to ``path`` atomically."""
    write_text_atomic(path, json.dumps(value, indent=2, allow_nan=False) + "\n")


def is_nonempty_dir(path: str | os.PathLike[str]) -> bool:
    target = Path(path)
    return target.is_dir() and any(target.iterdir())


def check_output_dir(path: str | os.PathLike[str], *, force: bool) -> None:
    """Refuse an existing file, or an existing non-empty folder unless ``force``.

    Raises
    ------
    InputError
        When ``path`` is a file, or a non-empty folder and ``force`` is false.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise InputError(Problem(str(target), "", "exists and is not a folder"))
    if is_nonempty_dir(target) and not force:
        raise InputError(
            Problem(str(target), "", "folder exists and is not empty (use --force to replace it)")
        )


@contextlib.contextmanager
def staged_dir(path: str | os.PathLike[str], *, force: bool) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path``.

    On an exception the temporary folder is removed and ``path`` is left as it
    was. With ``force`` an existing ``path`` is replaced (it is moved aside
    first, then deleted, so the swap is never half done).
    """
    target = Path(path).absolute()
    check_output_dir(target, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
    os.chmod(stage, 0o777 & ~_UMASK)
    os.rename(stage, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
