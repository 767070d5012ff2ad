"""The folder of a sweep: who may write it, and which sweep it holds.

A sweep folder holds one sweep, named by its manifest (``sweep.json``): the
scenario, the ``--set`` overrides, the ``--vary`` grid and the solver settings.

- A run with the same grid resumes the folder; a run with a different grid is
  refused unless ``force`` (its results would replace the first sweep's).
- A folder that is not empty and holds no sweep is refused unless ``force``.
- The folder may not be, nor hold, a file the sweep reads
  (:func:`gpuplace.files.refuse_inputs`), with or without ``force``.
- One run at a time: the folder is locked (``flock`` on the folder itself, so
  nothing is left in it and the lock ends with the process) from before the
  manifest is written until the sweep ends; a second run meanwhile is refused.
- The folders this run created (the sweep folder and missing parents) are removed
  again when the manifest cannot be written.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.files import make_folder, refuse_inputs, write_json
from gpuplace.files_read import read_json

__all__ = ["CASES_DIR", "MANIFEST", "PLANS_DIR", "SWEEP_SCHEMA", "check_folder", "claim_folder"]

SWEEP_SCHEMA = "gpuplace.sweep/1"
MANIFEST = "sweep.json"
PLANS_DIR = "plans"
CASES_DIR = "cases"
# What makes two sweeps the same sweep (the Pareto axes may change between runs).
_IDENTITY = ("schema", "scenario", "set", "vary", "solver")


def _held_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest in ``folder``, None when there is none or it cannot be read as one."""
    if not (folder / MANIFEST).is_file():
        return None
    try:
        held = read_json(folder / MANIFEST)
    except InputError:
        return None
    return held if isinstance(held, dict) else None


def check_folder(folder: Path, manifest: dict[str, Any], *, force: bool) -> None:
    """Whether this sweep may write ``folder`` (before any work; see the module docstring).

    Raises
    ------
    InputError
        ``folder`` is a file; holds files but no sweep; holds another grid (without ``force``).
    """
    if folder.exists() and not folder.is_dir():
        raise InputError(Problem(str(folder), "", "exists and is not a folder"))
    if force or not folder.is_dir() or not any(folder.iterdir()):
        return
    held = _held_manifest(folder)
    if held is None:
        raise InputError(
            Problem(
                str(folder),
                "",
                "folder is not empty and holds no sweep (use --force to write into it)",
            )
        )
    changed = [key for key in _IDENTITY if held.get(key) != manifest.get(key)]
    if changed:
        raise InputError(
            Problem(
                str(folder),
                "",
                f"holds another sweep (its {', '.join(changed)} differ); use another folder, "
                "or --force to replace its results",
            )
        )


@contextlib.contextmanager
def claim_folder(
    folder: Path, manifest: dict[str, Any], *, force: bool, inputs: Iterable[str | os.PathLike]
) -> Iterator[Path]:
    """Create and lock ``folder`` for this run, write the manifest; yields the folder.

    Raises
    ------
    InputError
        The folder holds an input; another run holds the lock; see :func:`check_folder`;
        "cannot write" (a folder created here is removed again).
    """
    refuse_inputs(folder, inputs, folder=True)
    created = [p for p in (folder, *folder.absolute().parents) if not p.exists()]  # deepest first
    make_folder(folder)
    handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                Problem(str(folder), "", "another sweep is writing this folder; nothing written")
            ) from None
        try:
            check_folder(folder, manifest, force=force)  # again: another run may have finished
            make_folder(folder / PLANS_DIR)
            make_folder(folder / CASES_DIR)
            write_json(folder / MANIFEST, manifest)
        except InputError:
            if created:
                for part in (folder / PLANS_DIR, folder / CASES_DIR, *created):
                    with contextlib.suppress(OSError):
                        part.rmdir()
            raise
        yield folder
    finally:
        os.close(handle)
