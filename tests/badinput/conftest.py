import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "gpuplace_test_scenario_files", Path(__file__).parents[1] / "scenario" / "scenario_files.py"
)
scenario_files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scenario_files)


@pytest.fixture
def files(tmp_path):
    """A fresh, valid copy of the base scenario to mutate."""
    return scenario_files.ScenarioFiles(tmp_path / "scn")
