"""What the survivability modules share: the family name, the check tolerance, site ids.

Split out of :mod:`solvers.constraints.survivability` so that the failover
check (:mod:`solvers.constraints.failover_check`) and the cut-loop kinds
(:mod:`solvers.constraints.failover_kinds`) need not import the family module.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gpuplace.errors import InputError, Problem
from gpuplace.solvers.constraints.base import scenario_file

# Family (and row family) name of everything survivability adds.
FAMILY = "survive_site_failure"

# Relative tolerance of the independent checks on re-served demand and capacity.
CHECK_TOL = 1e-6


def site_indices(instance, ids: Sequence[str], where: str) -> np.ndarray:
    """Indices of the site ids ``ids``; InputError at ``{where}.params.sites`` naming unknown ones."""
    index = {s: i for i, s in enumerate(instance.site_ids)}
    unknown = [s for s in ids if s not in index]
    if unknown:
        raise InputError(
            [
                Problem(
                    scenario_file(instance), f"{where}.params.sites", f"unknown site(s) {unknown}"
                )
            ]
        )
    return np.array([index[s] for s in ids], dtype=np.int64)
