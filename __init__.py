"""gpuplace: where to put GPUs in a network of data centres, and whom each pool serves.

The Python API (:mod:`gpuplace.api`) is at the top of the package::

    import gpuplace
    instance = gpuplace.load(gpuplace.dataset("apac"))
    plan = gpuplace.solve(instance)
    plan.sites_frame()

The repository root is this package (``pyproject.toml`` maps it): ``gpuplace.topo``,
``gpuplace.scenario``, ``gpuplace.solvers``, ``gpuplace.planning``,
``gpuplace.datasets``, ``gpuplace.commands`` and ``gpuplace.cli``.

Importing the package loads nothing (``__version__`` and the API names are loaded
on first use), so the command line takes charge of Ctrl-C before anything slow is
imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gpuplace.api import (
        CancelToken,
        InputError,
        Instance,
        Plan,
        PlanVerificationError,
        ScenarioFrames,
        compare,
        dataset,
        dataset_frames,
        failures,
        from_frames,
        from_geodataframes,
        load,
        report,
        solve,
        sweep,
        verify,
    )

__all__ = [
    "__version__",
    "CancelToken",
    "InputError",
    "Instance",
    "Plan",
    "PlanVerificationError",
    "ScenarioFrames",
    "compare",
    "dataset",
    "dataset_frames",
    "failures",
    "from_frames",
    "from_geodataframes",
    "load",
    "report",
    "solve",
    "sweep",
    "verify",
]
# The names of gpuplace.api, loaded from it on first use (a test keeps them in step).
API_NAMES = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    if name in API_NAMES:
        import gpuplace.api

        return getattr(gpuplace.api, name)
    if name != "__version__":
        raise AttributeError(f"module 'gpuplace' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gpuplace")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
