"""Reading and writing plan files (PLAN.md): atomic writes, validated reads."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.files import write_text
from gpuplace.files_read import read_json
from gpuplace.solvers.verify.schema import schema_problems


def _finite(value: Any) -> Any:
    """JSON has no inf/NaN: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def plan_json(plan: dict[str, Any]) -> str:
    """The plan as indented JSON text (non-finite numbers as null), ending with a newline."""
    return json.dumps(_finite(plan), indent=2, allow_nan=False) + "\n"


def write_plan(path: str | os.PathLike[str], plan: dict[str, Any], *, force: bool = False) -> Path:
    """Write a plan atomically (:func:`gpuplace.files.write_text`).

    Parameters
    ----------
    path : path-like
        Destination; its folder is created when missing.
    plan : dict
        The plan object.
    force : bool
        Overwrite an existing file.

    Returns
    -------
    Path
        The written path.

    Raises
    ------
    InputError
        The file exists and ``force`` is false, or the path cannot be written.
    """
    target = Path(path)
    if target.exists() and not force:
        raise InputError([Problem(str(target), "", "already exists (use --force to overwrite)")])
    return write_text(target, plan_json(plan))


def read_plan(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and structurally check a plan file.

    Raises
    ------
    InputError
        Not a regular file, larger than the input limit, nested too deeply,
        invalid JSON (with line and column; ``NaN`` and ``Infinity`` are not
        JSON), a missing or mistyped field, or a schema other than
        ``gpuplace.plan/1``; each problem names the file and the key
        (:func:`gpuplace.files_read.read_json`).
    """
    source = Path(path)
    plan = read_json(source)
    problems = schema_problems(plan)
    if problems:
        raise InputError([Problem(str(source), key, what) for key, what in problems])
    return plan


__all__ = ["plan_json", "read_plan", "write_plan"]
