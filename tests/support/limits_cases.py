"""A seeded random mid-size instance that no backend solves to the gap within seconds."""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Constraints, Instance
from support.solver_cases import tiny


def mid_size(
    n_regions: int = 400, n_sites: int = 150, seed: int = 1, **constraints: object
) -> Instance:
    """Regions and sites on a plane, RTT = distance; three GPU types, power-limited sites.

    About a third of the pairs fall within the SLA, so the model has tens of
    thousands of share columns: large enough that exact backends run into their
    time limit, small enough to build in well under a second.
    """
    rng = np.random.default_rng(seed)
    region_xy = rng.uniform(0.0, 100.0, size=(n_regions, 2))
    site_xy = rng.uniform(0.0, 100.0, size=(n_sites, 2))
    rtt = np.linalg.norm(region_xy[:, None, :] - site_xy[None, :, :], axis=2)
    rtt[rtt > 40.0] = np.inf
    nearest = np.argmin(np.where(np.isfinite(rtt), rtt, 1e9), axis=1)
    rtt[np.arange(n_regions), nearest] = np.linalg.norm(region_xy - site_xy[nearest], axis=1)
    return tiny(
        rng.uniform(1.0, 20.0, size=n_regions).round(2),
        rtt,
        power=rng.uniform(20.0, 200.0, size=n_sites).round(1).tolist(),
        fixed=rng.uniform(50.0, 500.0, size=n_sites).round(0).tolist(),
        capex=(10.0, 17.0, 30.0),
        thr=(1.0, 2.0, 4.0),
        gpu_kw=(0.5, 0.9, 1.6),
        sla=45.0,
        constraints=Constraints(min_gpus_per_site=2, max_utilisation=0.9, **constraints),
    )
