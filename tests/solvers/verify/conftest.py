import importlib.util
import sys
from pathlib import Path

import pytest

# This folder is tests/solvers/...: keep the ``solvers`` package (repository root)
# ahead of the ``tests/solvers`` folder pytest puts on sys.path.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
if "solvers" in sys.modules and getattr(sys.modules["solvers"], "__file__", None) is None:
    for _name in [m for m in sys.modules if m == "solvers" or m.startswith("solvers.")]:
        del sys.modules[_name]

_path = Path(__file__).with_name("tiny_instance.py")
_spec = importlib.util.spec_from_file_location("tiny_instance", _path)
tiny_instance = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("tiny_instance", tiny_instance)
_spec.loader.exec_module(tiny_instance)


@pytest.fixture
def tiny():
    return tiny_instance.make_tiny()


@pytest.fixture
def tiny_plan(tiny):
    from solvers.plan import build_plan

    return build_plan(
        tiny, tiny_instance.make_solution(tiny), solver_settings=tiny_instance.SETTINGS
    )
