"""The verifier is independent of plan building's solvers: importing it loads no backend."""

from __future__ import annotations

import subprocess
import sys

# Modules the verifier must not load: solver libraries and the project's backends.
FORBIDDEN = (
    "ortools",
    "highspy",
    "pyscipopt",
    "gpuplace.solvers.api",
    "gpuplace.solvers.backends",
    "gpuplace.solvers.fast",
)


def _loaded_after(statement: str) -> list[str]:
    code = (
        f"import sys\n{statement}\n"
        f"print('\\n'.join(m for m in sys.modules if m.split('.')[0] in {{'ortools', 'highspy', "
        f"'pyscipopt'}} or m.startswith({FORBIDDEN!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.split()


def test_importing_the_verifier_loads_no_backend():
    assert _loaded_after("import gpuplace.solvers.verify") == []


def test_importing_the_plan_value_loads_no_backend():
    assert _loaded_after("from gpuplace.solvers.plan import Plan") == []


def test_the_check_itself_sees_a_backend_import():
    assert "gpuplace.solvers.backends" in _loaded_after("import gpuplace.solvers.backends")
