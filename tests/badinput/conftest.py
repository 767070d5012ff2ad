import pytest

from support.scenario_files import ScenarioFiles


@pytest.fixture
def files(tmp_path):
    """A fresh, valid copy of the base scenario to mutate."""
    return ScenarioFiles(tmp_path / "scn")
