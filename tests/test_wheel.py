"""The sdist and the wheel built from it install into a fresh venv, where the tour starts.

``python -m build`` builds the sdist, then the wheel from the unpacked sdist, so a file
the sdist lacks breaks the wheel too. The venv is new (the project's dependencies from
the package index) and the commands run outside the repository, so nothing is read
from the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

pytestmark = pytest.mark.slow


def _run(*command: str | Path, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0, f"{command}: {out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    return out


def test_the_sdist_holds_the_package_data(dist):
    (sdist,) = dist.glob("gpuplace-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    needed = {"pyproject.toml", "README.md", "py.typed", "api/__init__.py", "cli.py"}
    needed |= {f"datasets/apac/{name}" for name in ("scenario.toml", "sites.csv", "topology.json")}
    assert needed <= names


def test_the_wheel_holds_the_package_and_no_tests(dist):
    (wheel,) = dist.glob(f"gpuplace-{VERSION}-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "gpuplace/py.typed",
        "gpuplace/api/__init__.py",
        "gpuplace/datasets/apac/regions.csv",
    } <= names
    assert not any(name.startswith(("tests/", "gpuplace/tests/", "bench/")) for name in names)


def test_the_installed_wheel_runs_the_tour(dist, tmp_path):
    (wheel,) = dist.glob(f"gpuplace-{VERSION}-*.whl")
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    _run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    assert _run(bin_dir / "gpuplace", "--version", cwd=tmp_path).strip() == f"gpuplace {VERSION}"
    listed = json.loads(
        _run(bin_dir / "gpuplace", "datasets", "list", "--format", "json", cwd=tmp_path)
    )
    scenario = Path(next(row["path"] for row in listed if row["name"] == "apac"))
    assert tmp_path in scenario.parents  # inside the venv, not the source tree
    report = json.loads(
        _run(bin_dir / "gpuplace", "inspect", scenario, "--format", "json", cwd=tmp_path)
    )
    assert (report["name"], report["sizes"]["sites"]) == ("apac-demo", 41)
    code = "import gpuplace; i = gpuplace.load(gpuplace.dataset('apac')); print(i.n_sites, i.n_regions)"
    assert _run(bin_dir / "python", "-c", code, cwd=tmp_path).split() == ["41", "234"]
