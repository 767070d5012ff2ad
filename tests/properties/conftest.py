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


@pytest.fixture(autouse=True)
def _no_pending_cancel():
    """A Ctrl-C test elsewhere in this process may leave a stop request behind."""
    from solvers import cancel

    cancel.reset()
    yield
