"""Redundancy k: no site serves more than 1/k of any region's demand.

Formulation, for each pair p (k > 1)::

    x_p  <=  1 / k

added as an upper bound on the share variables (no rows), which keeps the
model small; the pre-solve diagnosis reports regions with fewer than k sites.
With serving tables the limit holds per demand item and site, over its
deployments: one row ``Σ_d x_(k,s,d) <= 1 / k`` where a site has several.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.regions.check_regions` (violations ``redundancy``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "name"]

name = "redundancy"


def applies(instance) -> bool:
    return instance.constraints.redundancy > 1 and instance.n_pairs > 0


def add(model: ModelBuilder, instance) -> None:
    k = float(instance.constraints.redundancy)
    model.tighten_bounds(model.var("share"), ub=1.0 / k)
    if instance.serving is None:
        return
    group = instance.pair_item * instance.n_sites + instance.pair_site
    groups, of, count = np.unique(group, return_inverse=True, return_counts=True)
    row = np.full(groups.size, -1)
    row[count > 1] = np.arange(int((count > 1).sum()))
    of = of.ravel()
    keep = row[of] >= 0
    rows = sp.csr_matrix(
        (np.ones(int(keep.sum())), (row[of][keep], np.flatnonzero(keep))),
        shape=(int((count > 1).sum()), instance.n_pairs),
    )
    model.add_rows(name, [(model.var("share"), rows)], ub=1.0 / k)
