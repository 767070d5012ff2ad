"""The examples in the docstrings run: one case per module of the installed ``gpuplace``.

The modules are those of the packages ``pyproject.toml`` installs (the repository's
``bench/`` and ``tests/`` are not part of the package). A module that needs an optional
extra which is not installed is skipped; any other import error, and any failed
example, fails its case. ``--doctest-modules`` is not used: with the repository root as
the package it would import every module a second time under another name.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import gpuplace
from support.package_modules import PACKAGES, PYPROJECT, package_modules

NOT_INSTALLED = {"gpuplace.bench"}  # the repository's benchmark harness (``make bench``)


def _optional_modules() -> set[str]:
    """Top-level import names of the optional extras (``data``, ``report``, ...)."""
    names = set()
    for requirements in PYPROJECT["project"]["optional-dependencies"].values():
        for requirement in requirements:
            name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
            names.add(name.lower().replace("-", "_"))
    return names - {"gpuplace"}


@pytest.mark.parametrize("name", package_modules())
def test_doctests(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        missing = (error.name or "").split(".")[0]
        if missing in _optional_modules():
            pytest.skip(f"{name} needs the optional {missing}, not installed")
        raise
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples failed (output above)"
    )


def _package_folders(folder: Path, name: str) -> set[str]:
    """``name`` and the packages below it, from the folders (nothing imported)."""
    names = {name}
    for info in pkgutil.iter_modules([str(folder)]):
        child = f"{name}.{info.name}"
        if info.ispkg and child not in NOT_INSTALLED:
            names |= _package_folders(folder / info.name, child)
    return names


def test_every_package_folder_is_installed() -> None:
    """A package folder missing from ``pyproject.toml`` would be left out of the wheel."""
    assert _package_folders(Path(gpuplace.__path__[0]), "gpuplace") == set(PACKAGES)
