import pytest


@pytest.fixture(autouse=True)
def _no_pending_cancel():
    """A Ctrl-C test elsewhere in this process may leave a stop request behind."""
    from gpuplace.solvers import cancel

    cancel.reset()
    yield
