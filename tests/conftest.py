"""Shared test settings: seeded hypothesis profiles (``HYPOTHESIS_PROFILE=fuzz`` runs longer),
and the tiny instance fixtures."""

import os

import pytest
from hypothesis import HealthCheck, settings

from gpuplace.commands.shutdown import install_exit_handler
from support import tiny_instance

# A test may leave a stopped CP-SAT or HiGHS thread behind; let it stop before the
# interpreter finalises (see install_exit_handler).
install_exit_handler()

settings.register_profile(
    "default",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def tiny():
    """The hand-checked tiny instance of ``support.tiny_instance``."""
    return tiny_instance.make_tiny()


@pytest.fixture
def tiny_plan(tiny):
    """The plan document of the tiny instance's reference solution."""
    from gpuplace.solvers.plan import build_plan

    return build_plan(
        tiny, tiny_instance.make_solution(tiny), solver_settings=tiny_instance.SETTINGS
    )
