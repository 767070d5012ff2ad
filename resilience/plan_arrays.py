"""What failure analysis needs from a plan: GPUs per site and the assignment, as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan import Plan

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


def plan_arrays(instance: Instance, plan: Plan) -> PlanArrays:
    """GPUs per site and shares per region and site, from a plan (:meth:`Plan.arrays`).

    Parameters
    ----------
    instance : Instance
        The scenario the plan was made for.
    plan : Plan
        The plan (its ``source`` names it in messages).

    Returns
    -------
    PlanArrays

    Raises
    ------
    InputError
        When the plan names an unknown site, region or GPU type, or a value is out of
        range; every problem is reported.
    """
    arrays = plan.arrays(instance)
    return PlanArrays(gpus=arrays.gpus, share=arrays.share_matrix())
