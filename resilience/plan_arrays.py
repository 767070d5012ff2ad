"""Read what failure analysis needs from a plan dict: GPUs per site and the assignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.errors import InputError, Problem, ProblemCollector
from gpuplace.scenario.instance import Instance

__all__ = ["PlanArrays", "plan_arrays"]


@dataclass(frozen=True, eq=False)
class PlanArrays:
    """A plan as arrays aligned with an instance.

    ``gpus`` [S, T] counts existing plus new GPUs; ``share`` [R, S] is the
    fraction of each region's demand each site serves.
    """

    gpus: np.ndarray
    share: np.ndarray

    @property
    def open_sites(self) -> np.ndarray:
        """Indices of the sites holding GPUs."""
        return np.flatnonzero(self.gpus.sum(axis=1) > 0)

    def served(self, demand: np.ndarray) -> np.ndarray:
        """Demand served per region (demand units)."""
        return np.asarray(demand, dtype=float) * self.share.sum(axis=1)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def plan_arrays(instance: Instance, plan: dict, *, source: str = "plan") -> PlanArrays:
    """GPUs per site and shares per region and site, from a plan dict (PLAN.md).

    Parameters
    ----------
    instance : Instance
        The scenario the plan was made for.
    plan : dict
        The plan (``sites`` with ``gpus`` by type, ``assignments`` with ``share``).
    source : str
        Name of the plan file, for messages.

    Returns
    -------
    PlanArrays

    Raises
    ------
    InputError
        When the plan names an unknown site, region or GPU type, or a value is not a
        non-negative number; every problem is reported.
    """
    problems = ProblemCollector()
    site_index = {s: i for i, s in enumerate(instance.site_ids)}
    region_index = {r: i for i, r in enumerate(instance.region_ids)}
    type_index = {t: i for i, t in enumerate(instance.gpu_types)}
    gpus = np.zeros((instance.n_sites, instance.n_types), dtype=np.int64)
    share = np.zeros((instance.n_regions, instance.n_sites))
    if not isinstance(plan, dict):
        raise InputError([Problem(source, "", "a plan is a JSON object")])
    sites = plan.get("sites", [])
    assignments = plan.get("assignments", [])
    if not isinstance(sites, list):
        problems.add(source, "sites", "must be a list")
        sites = []
    if not isinstance(assignments, list):
        problems.add(source, "assignments", "must be a list")
        assignments = []
    for i, entry in enumerate(sites):
        where = f"sites[{i}]"
        if not isinstance(entry, dict):
            problems.add(source, where, "must be an object")
            continue
        s = site_index.get(entry.get("id"))
        if s is None:
            problems.add(source, f"{where}.id", f"unknown site {entry.get('id')!r}")
            continue
        counts = entry.get("gpus", {})
        if not isinstance(counts, dict):
            problems.add(source, f"{where}.gpus", "must be an object of GPU type -> count")
            continue
        for gpu_type, count in counts.items():
            t = type_index.get(gpu_type)
            value = _number(count)
            if t is None:
                problems.add(source, f"{where}.gpus", f"unknown GPU type {gpu_type!r}")
            elif value is None or value < 0 or value != int(value):
                problems.add(source, f"{where}.gpus.{gpu_type}", "must be a whole number >= 0")
            else:
                gpus[s, t] += int(value)
    for i, entry in enumerate(assignments):
        where = f"assignments[{i}]"
        if not isinstance(entry, dict):
            problems.add(source, where, "must be an object")
            continue
        r = region_index.get(entry.get("region"))
        s = site_index.get(entry.get("site"))
        value = _number(entry.get("share"))
        if r is None:
            problems.add(source, f"{where}.region", f"unknown region {entry.get('region')!r}")
        if s is None:
            problems.add(source, f"{where}.site", f"unknown site {entry.get('site')!r}")
        if value is None or not 0.0 <= value <= 1.0 + 1e-9:
            problems.add(source, f"{where}.share", "must be a number between 0 and 1")
        if r is not None and s is not None and value is not None:
            share[r, s] += value
    problems.raise_if_any()
    return PlanArrays(gpus=gpus, share=share)
