"""gpuplace: where to put GPUs in a network of data centres, and whom each pool serves.

The repository root is this package (``pyproject.toml`` maps it): ``gpuplace.topo``,
``gpuplace.scenario``, ``gpuplace.solvers``, ``gpuplace.planning``,
``gpuplace.datasets``, ``gpuplace.commands`` and ``gpuplace.cli``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gpuplace")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
