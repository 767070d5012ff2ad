import importlib.util
import sys
from pathlib import Path

import pytest

# tests/solvers/ would shadow the ``solvers`` package when pytest puts tests/ on
# sys.path (``pytest`` rather than ``python -m pytest``): keep the repository root first.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
if "solvers" in sys.modules and getattr(sys.modules["solvers"], "__file__", None) is None:
    for _name in [m for m in sys.modules if m == "solvers" or m.startswith("solvers.")]:
        del sys.modules[_name]

_path = Path(__file__).resolve().parents[1] / "solvers" / "verify" / "tiny_instance.py"
if "tiny_instance" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("tiny_instance", _path)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["tiny_instance"] = _module
    _spec.loader.exec_module(_module)
tiny_instance = sys.modules["tiny_instance"]


@pytest.fixture
def tiny():
    return tiny_instance.make_tiny()


@pytest.fixture
def tiny_plan(tiny):
    from solvers.plan import build_plan

    return build_plan(
        tiny, tiny_instance.make_solution(tiny), solver_settings=tiny_instance.SETTINGS
    )
