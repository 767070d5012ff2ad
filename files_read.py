"""Guarded input: every file gpuplace reads is read here, and trusted no further than this.

The ground floor beside :mod:`gpuplace.errors` and :mod:`gpuplace.files` (which
writes): every layer may import it, and it imports nothing of gpuplace but
:mod:`gpuplace.errors` and :mod:`gpuplace.untrusted`.
Scenario TOML files, tables, topologies, latency and calibration files, plans,
SRLG files, OR-Library files and a sweep's own case files are all read through
:func:`read_bytes`.

- **Regular files only.** The file is opened without blocking and checked with
  ``fstat`` on the open descriptor: a folder, a FIFO (which would wait for a
  writer for ever), a device (``/dev/zero`` never ends) or a socket is refused
  before a byte is read, and a path swapped for one of them between a check and
  the open cannot slip through.
- **Size.** A file larger than :func:`max_input_bytes` (64 MiB, or
  ``GPUPLACE_MAX_INPUT_MB``) is refused before it is read; one that grows past
  the limit while it is read is refused too (never more than the limit plus one
  byte is read).
- **Nesting.** JSON deeper than :data:`MAX_JSON_DEPTH` levels is refused before
  it is parsed ("nested more than 100 levels deep", not "not valid JSON" and
  never a ``RecursionError``). ``NaN``, ``Infinity`` and numbers that overflow
  to infinity are not JSON numbers and are refused with their line and column.
- **Confinement** (optional, :func:`confined`): a file named by a scenario must
  resolve, symbolic links followed, inside the scenario's folder; for services
  that load scenarios written by others.

Every refusal is an :class:`~gpuplace.errors.InputError` naming the file.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np

from gpuplace.errors import InputError, Problem
from gpuplace.untrusted import parse_number

__all__ = [
    "DEFAULT_MAX_INPUT_MB",
    "ENV_MAX_INPUT_MB",
    "MAX_JSON_DEPTH",
    "ENV_CONFINE_INPUTS",
    "check_file",
    "confined",
    "confinement_requested",
    "json_depth",
    "max_input_bytes",
    "parse_json",
    "read_bytes",
    "read_json",
    "read_text",
]

DEFAULT_MAX_INPUT_MB = 64.0
ENV_MAX_INPUT_MB = "GPUPLACE_MAX_INPUT_MB"
ENV_CONFINE_INPUTS = "GPUPLACE_CONFINE_INPUTS"
# No file gpuplace reads nests deeper than 6 levels (a plan: 4).
MAX_JSON_DEPTH = 100
_MIB = 1024 * 1024
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_OPENING = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSING = np.frombuffer(b"]}", dtype=np.uint8)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)

PathLike = str | os.PathLike[str]


def max_input_bytes() -> int:
    """The size limit for input files, in bytes: 64 MiB or ``GPUPLACE_MAX_INPUT_MB`` MiB.

    Raises
    ------
    InputError
        When the environment variable is not a positive finite number.
    """
    raw = os.environ.get(ENV_MAX_INPUT_MB, "").strip()
    if not raw:
        return int(DEFAULT_MAX_INPUT_MB * _MIB)
    limit_mb = parse_number(raw)
    if limit_mb is None or not 0 < limit_mb < math.inf:
        raise InputError(
            Problem(ENV_MAX_INPUT_MB, "", f"must be a positive number of MiB, got {raw[:40]!r}")
        )
    return int(limit_mb * _MIB)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _too_large(name: str, size: int, limit: int) -> InputError:
    return InputError(
        Problem(
            name,
            "",
            f"file is {size / _MIB:.1f} MiB, larger than the limit of "
            f"{limit / _MIB:g} MiB (set {ENV_MAX_INPUT_MB} to raise it)",
        )
    )


def _open(name: str) -> int:
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(name, flags)
    except FileNotFoundError:
        raise InputError(Problem(name, "", "file not found")) from None
    except OSError as error:
        try:  # a socket cannot be opened at all: say what it is
            mode = os.stat(name).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise InputError(Problem(name, "", f"is {_kind(mode)}, not a regular file")) from None
        raise InputError(Problem(name, "", f"cannot read: {error.strerror}")) from None


def _checked_size(name: str, fd: int, limit: int) -> int:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(Problem(name, "", f"is {_kind(info.st_mode)}, not a regular file"))
    if info.st_size > limit:
        raise _too_large(name, info.st_size, limit)
    return info.st_size


def check_file(path: PathLike) -> int:
    """Check that ``path`` is a regular file within the size limit; returns its size in bytes.

    The file is opened without blocking (a FIFO does not wait for a writer) and
    not read.

    Raises
    ------
    InputError
        Missing, unreadable, not a regular file, or larger than :func:`max_input_bytes`.
    """
    name = os.fspath(path)
    limit = max_input_bytes()
    fd = _open(name)
    try:
        return _checked_size(name, fd, limit)
    finally:
        os.close(fd)


def read_bytes(path: PathLike) -> bytes:
    """The bytes of a regular input file within the size limit (see the module docstring).

    Raises
    ------
    InputError
        As :func:`check_file`, or when the file grows past the limit while it is read.

    Examples
    --------
    >>> read_bytes("/dev/zero")
    Traceback (most recent call last):
    ...
    gpuplace.errors.InputError: /dev/zero: is a character device, not a regular file
    """
    name = os.fspath(path)
    limit = max_input_bytes()
    fd = _open(name)
    try:
        _checked_size(name, fd, limit)
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise InputError(Problem(name, "", f"cannot read: {error.strerror}")) from None
    finally:
        os.close(fd)
    if total > limit:
        raise InputError(
            Problem(name, "", f"file grew larger than the limit of {limit / _MIB:g} MiB")
        )
    return b"".join(chunks)


def read_text(path: PathLike) -> str:
    """An input file as UTF-8 text (a byte-order mark is allowed), within the size limit.

    Raises
    ------
    InputError
        As :func:`read_bytes`, or when the file is not UTF-8 text.
    """
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            Problem(os.fspath(path), f"byte {error.start}", "is not UTF-8 text")
        ) from None


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets in strings not counted).

    >>> json_depth('{"a": [1, [2, "[[["]]}')
    3
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    codes = np.frombuffer(_STRING.sub(b'""', data), dtype=np.uint8)
    steps = np.isin(codes, _OPENING).astype(np.int64) - np.isin(codes, _CLOSING)
    return int(np.cumsum(steps).max(initial=0))


class _Refused(ValueError):
    """A token JSON text may hold but a reader refuses; ``token`` locates it."""

    def __init__(self, token: str, what: str):
        super().__init__(what)
        self.token = token


def _not_a_number(token: str) -> float:
    raise _Refused(token, f"{token} is not a JSON number")


def _finite_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _Refused(token, f"number {token[:24]} is out of range")
    return value


def _where(text: str, token: str) -> str:
    """``line L, column C`` of the first ``token`` outside strings (empty if not found)."""
    pattern = re.compile(r'"(?:[^"\\]|\\.)*"|' + re.escape(token))
    for found in pattern.finditer(text):
        if not found.group().startswith('"'):
            line = text.count("\n", 0, found.start()) + 1
            column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
            return f"line {line}, column {column}"
    return ""


def parse_json(text: str, source: str) -> Any:
    """Parse JSON text from the file ``source``, refusing what a reader should not trust.

    Raises
    ------
    InputError
        Nested deeper than :data:`MAX_JSON_DEPTH`; not valid JSON (with line and
        column); ``NaN``, ``Infinity`` or a number outside the float range.
    """
    if json_depth(text) > MAX_JSON_DEPTH:
        raise InputError(
            Problem(source, "", f"JSON is nested more than {MAX_JSON_DEPTH} levels deep")
        )
    decoder = json.JSONDecoder(parse_constant=_not_a_number, parse_float=_finite_float)
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InputError(Problem(source, where, f"is not valid JSON: {error.msg}")) from None
    except _Refused as error:
        raise InputError(
            Problem(source, _where(text, error.token), f"is not valid JSON: {error}")
        ) from None
    except ValueError:  # an integer of more digits than Python converts
        raise InputError(
            Problem(source, "", "is not valid JSON: an integer has too many digits")
        ) from None


def read_json(path: PathLike) -> Any:
    """Read an input file as JSON (:func:`read_text`, then :func:`parse_json`)."""
    return parse_json(read_text(path), os.fspath(path))


def confinement_requested() -> bool:
    """Whether the environment asks to confine inputs (``GPUPLACE_CONFINE_INPUTS=1``).

    Raises
    ------
    InputError
        For a value other than empty, ``0`` or ``1`` (``true``/``false``, ``yes``/``no``).
    """
    raw = os.environ.get(ENV_CONFINE_INPUTS, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise InputError(Problem(ENV_CONFINE_INPUTS, "", f"must be 0 or 1, got {raw[:20]!r}"))


def confined(path: PathLike, folder: PathLike, *, what: str = "") -> Path:
    """``path`` when it resolves (symbolic links followed) inside ``folder``.

    Parameters
    ----------
    path
        A file named by an input (already joined to ``folder`` when relative).
    folder
        The folder every input must stay in.
    what
        Where the name came from (``"sites.file"``), for the message.

    Raises
    ------
    InputError
        When ``path`` leaves ``folder`` (``..``, an absolute path, a link pointing out).

    Examples
    --------
    >>> confined("/data/s/sites.csv", "/data/s").name
    'sites.csv'
    >>> confined("/data/s/../t/sites.csv", "/data/s")
    Traceback (most recent call last):
    ...
    gpuplace.errors.InputError: /data/s/../t/sites.csv: is outside the scenario's folder /data/s (inputs are confined to it)
    """
    target = Path(path)
    inside = Path(folder).resolve()
    if not target.resolve().is_relative_to(inside):
        raise InputError(
            Problem(
                os.fspath(path),
                what,
                f"is outside the scenario's folder {inside} (inputs are confined to it)",
            )
        )
    return target
