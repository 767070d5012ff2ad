"""The core install (no extras) loads, solves and runs the CLI: extras are imported when used.

The wheel test (``tests/test_wheel.py``, slow) installs the wheel without extras into
a fresh venv; this is its quick guard in the default run: the extras' modules are
made unimportable in a child interpreter, which then loads the bundled scenario,
solves it and builds the command-line app.
"""

from __future__ import annotations

import subprocess
import sys

EXTRAS = ("folium", "branca", "matplotlib", "dask", "distributed", "geopandas", "topohub")

CODE = f"""
import sys
for name in {EXTRAS!r}:
    sys.modules[name] = None  # import fails as if not installed
import gpuplace
instance = gpuplace.load(gpuplace.dataset("apac"))
plan = gpuplace.solve(instance, time_limit_s=20, threads=1)
from gpuplace.cli import app
print(instance.n_sites, instance.n_regions, plan.status.value)
"""


def test_core_install_loads_solves_and_builds_the_cli():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr
    sites, regions, status = out.stdout.split()
    assert (sites, regions) == ("41", "234")
    assert status in ("optimal", "feasible")
