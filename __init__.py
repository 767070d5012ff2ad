"""gpuplace: where to put GPUs in a network of data centres, and whom each pool serves.

The repository root is this package (``pyproject.toml`` maps it): ``gpuplace.topo``,
``gpuplace.scenario``, ``gpuplace.solvers``, ``gpuplace.planning``,
``gpuplace.datasets``, ``gpuplace.commands`` and ``gpuplace.cli``.

Importing the package loads nothing (``__version__`` is read on first use), so the
command line takes charge of Ctrl-C before anything slow is imported.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'gpuplace' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gpuplace")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"
