"""The Python API of gpuplace: load a scenario, solve it, and work with its plans.

The names here are also at the top of the package (``gpuplace.solve``) and are
kept stable; everything else is internal. A session in a notebook:

>>> import gpuplace
>>> sites, regions, gpus, graph, settings = gpuplace.dataset_frames("apac", countries=["NZ"])
>>> instance = gpuplace.from_frames(sites, regions, gpus, graph, settings)
>>> plan = gpuplace.solve(instance, threads=1)
>>> plan.status.value, gpuplace.verify(instance, plan)
('optimal', [])
>>> plan.regions_frame(instance)[["region", "demand", "served_fraction"]].head(3)
            region  demand  served_fraction
0      auckland-nz   38.68              1.0
1  christchurch-nz   10.48              1.0
2    wellington-nz    9.55              1.0

Ways in: `load` (a scenario TOML file), `from_frames` (pandas
DataFrames and a networkx graph), `from_geodataframes` (GeoDataFrames of
sites and regions), `dataset` / `dataset_frames` (the bundled data).
Work: `solve`, `verify`, `compare`, `report`,
`sweep`, `failures`. A `Plan` gives DataFrames
(``sites_frame``, ``gpus_frame``, ``assignments_frame``, ``regions_frame``,
``links_frame``, ``unserved_frame``) and GeoDataFrames (``to_geodataframes``).
"""

from __future__ import annotations

from gpuplace.api.scenarios import (
    ScenarioFrames,
    dataset,
    dataset_frames,
    from_frames,
    from_geodataframes,
    load,
)
from gpuplace.api.solving import compare, failures, report, solve, sweep, verify
from gpuplace.errors import InputError
from gpuplace.pipeline import PlanVerificationError
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.plan import Plan

__all__ = [
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
