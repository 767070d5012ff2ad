"""The modules of the installed ``gpuplace``, found from the folders without importing them.

The packages are those ``pyproject.toml`` installs; the repository's ``bench/`` and
``tests/`` are not part of the package.
"""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES: list[str] = PYPROJECT["tool"]["setuptools"]["packages"]


def module_path(name: str) -> Path:
    """The source file of module or package ``name`` (``gpuplace.a.b``)."""
    parts = name.split(".")[1:]
    folder = ROOT.joinpath(*parts)
    return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")


def package_modules() -> list[str]:
    """Every module of the installed packages (packages by their own name), sorted."""
    found = []
    for package in PACKAGES:
        found.append(package)
        folder = ROOT.joinpath(*package.split(".")[1:])
        found += [
            f"{package}.{info.name}"
            for info in pkgutil.iter_modules([str(folder)])
            if not info.ispkg
        ]
    return sorted(found)
