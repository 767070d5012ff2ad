"""Size guard for input files: refuse huge files before reading them."""

from __future__ import annotations

import os
from pathlib import Path

from gpuplace.errors import InputError, Problem

DEFAULT_MAX_INPUT_MB = 64.0
ENV_MAX_INPUT_MB = "GPUPLACE_MAX_INPUT_MB"
_MIB = 1024 * 1024


def max_input_bytes() -> int:
    """The size limit for input files, in bytes.

    64 MiB unless the environment variable ``GPUPLACE_MAX_INPUT_MB`` sets another
    number of MiB.

    Raises
    ------
    InputError
        When the environment variable is not a positive number.
    """
    raw = os.environ.get(ENV_MAX_INPUT_MB, "").strip()
    if not raw:
        return int(DEFAULT_MAX_INPUT_MB * _MIB)
    try:
        limit_mb = float(raw)
    except ValueError:
        limit_mb = float("nan")
    if not limit_mb > 0 or limit_mb == float("inf"):
        raise InputError(
            Problem(ENV_MAX_INPUT_MB, "", f"must be a positive number of MiB, got {raw!r}")
        )
    return int(limit_mb * _MIB)


def check_size(path: str | Path) -> int:
    """Check that ``path`` is a regular file within the input size limit.

    The size comes from the file system; the file is not read.

    Parameters
    ----------
    path
        The input file.

    Returns
    -------
    int
        The file size in bytes.

    Raises
    ------
    InputError
        When the file does not exist, is not a regular file, or is larger than
        :func:`max_input_bytes` (64 MiB by default, ``GPUPLACE_MAX_INPUT_MB``).
    """
    limit = max_input_bytes()
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", "file not found")) from None
    except OSError as error:
        raise InputError(Problem(str(path), "", f"cannot read: {error.strerror}")) from None
    if not Path(path).is_file():
        raise InputError(Problem(str(path), "", "not a regular file"))
    if stat.st_size > limit:
        raise InputError(
            Problem(
                str(path),
                "",
                f"file is {stat.st_size / _MIB:.1f} MiB, larger than the limit of "
                f"{limit / _MIB:g} MiB (set {ENV_MAX_INPUT_MB} to raise it)",
            )
        )
    return stat.st_size


def read_bytes(path: str | Path) -> bytes:
    """Read an input file after :func:`check_size`, never more than the limit.

    Raises
    ------
    InputError
        As :func:`check_size`, or when the file grows past the limit while read.
    """
    check_size(path)
    limit = max_input_bytes()
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise InputError(Problem(str(path), "", f"cannot read: {error.strerror}")) from None
    if len(data) > limit:
        raise InputError(
            Problem(str(path), "", f"file is larger than the limit of {limit / _MIB:g} MiB")
        )
    return data


def read_text(path: str | Path) -> str:
    """Read an input file as UTF-8 text (BOM allowed), within the size limit.

    Raises
    ------
    InputError
        As :func:`read_bytes`, or when the file is not UTF-8 text.
    """
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(Problem(str(path), f"byte {error.start}", "not UTF-8 text")) from None
