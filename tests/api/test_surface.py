"""The public API: one small set of names, documented, typed and light to import."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gpuplace
import gpuplace.api

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(n for n in gpuplace.api.__all__ if inspect.isfunction(getattr(gpuplace.api, n)))


def test_the_package_exports_the_api():
    assert set(gpuplace.API_NAMES) == set(gpuplace.api.__all__)
    assert set(gpuplace.__all__) == {"__version__", *gpuplace.api.__all__}
    for name in gpuplace.api.__all__:
        assert getattr(gpuplace, name) is getattr(gpuplace.api, name)
    assert set(gpuplace.api.__all__) <= set(dir(gpuplace))
    with pytest.raises(AttributeError, match="no attribute 'solv'"):
        gpuplace.solv  # noqa: B018


def test_importing_the_package_loads_nothing_else():
    code = "import gpuplace, sys; print(sorted(m for m in sys.modules if m.startswith(('gpuplace.', 'pandas', 'numpy'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_is_documented_with_examples(name):
    doc = inspect.getdoc(getattr(gpuplace.api, name)) or ""
    assert "Examples\n--------\n>>> " in doc
    assert "Raises" in doc or "Returns" in doc
    hints = inspect.get_annotations(getattr(gpuplace.api, name))
    assert "return" in hints


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_is_in_the_docs(name):
    guide = (ROOT / "docs" / "api.md").read_text()
    reference = (ROOT / "docs" / "reference.md").read_text()
    assert f"`{name}(" in guide
    assert re.search(rf"^::: gpuplace\.api\.\w+\.{name}$", reference, re.MULTILINE)


@pytest.mark.slow
def test_the_api_passes_mypy_strict(tmp_path):
    """mypy --strict on gpuplace.api and the root module (imports followed silently)."""
    (tmp_path / "gpuplace").symlink_to(ROOT)  # the package is the repository root
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--follow-imports=silent",
        "--ignore-missing-imports",
        "--cache-dir",
        str(tmp_path / "cache"),
        "-p",
        "gpuplace.api",
        "-m",
        "gpuplace",
    ]
    env = {**os.environ, "MYPYPATH": str(tmp_path)}
    out = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout
