"""Period link capacity: traffic on each directed link fits its capacity in every period.

Active with ``[time] periods`` when the static ``link_capacity`` family would be
(then that one is not). Formulation, for each directed link l with finite
capacity and each period w in which some pair crosses it::

    Σ_{p of period w} D_k × gbps_per_unit_r × x_p × A[p, l]  <=  capacity_gbps_l

with ``A`` the pair-link incidence of :mod:`solvers.constraints.link_capacity`.
A link row couples sites and regions: handled by the engine as a coupling row.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.periods.check_periods` (``link_capacity`` per period).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import pair_demand
from gpuplace.solvers.model.links import has_links, link_capacity_gbps, pair_link_matrix

__all__ = ["add", "applies", "name"]

name = "period_link_capacity"


def applies(instance) -> bool:
    return (
        instance.periods is not None
        and bool(instance.constraints.link_capacity)
        and bool((instance.region_gbps_per_unit > 0).any())
        and has_links(instance)
        and bool(np.isfinite(instance.topology.edge_capacity_gbps).any())
    )


def add(model: ModelBuilder, instance) -> None:
    A = pair_link_matrix(instance)  # [P, 2E]
    gbps = pair_demand(instance) * instance.region_gbps_per_unit[instance.pair_region]
    load = (sp.diags(gbps) @ A).tocoo()  # [P, 2E]
    W = instance.n_periods
    cap = link_capacity_gbps(instance)
    key = load.col.astype(np.int64) * W + instance.pair_period[load.row]
    finite = np.isfinite(cap[load.col])
    cells, row_of = np.unique(key[finite], return_inverse=True)
    if cells.size == 0:
        return
    matrix = sp.csr_matrix(
        (load.data[finite], (row_of.ravel(), load.row[finite])),
        shape=(cells.size, instance.n_pairs),
    )
    model.add_rows(name, [(model.var("share"), matrix)], ub=cap[cells // W])
    model.meta["period_link_cells"] = cells
