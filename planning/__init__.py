"""Work with plans: compare, report (maps and plots), sweep (Dask), failures.

Entry points are imported on first use, so ``import planning`` stays light
(folium, matplotlib and dask load only when needed).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "compare_plans": "gpuplace.planning.compare",
    "load_plan": "gpuplace.planning.plans",
    "build_report": "gpuplace.planning.report",
    "ReportSection": "gpuplace.planning.report",
    "run_sweep": "gpuplace.planning.sweep",
    "SolverOptions": "gpuplace.planning.sweep",
    "run_tasks": "gpuplace.planning.executor",
    "pareto_front": "gpuplace.planning.pareto",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'planning' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
