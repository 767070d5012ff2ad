"""Link capacity: traffic on each directed link fits its capacity.

Formulation, for each directed link l with finite capacity that some pair crosses::

    Σ_p D_r × gbps_per_unit_r × x_p × A[p, l]  <=  capacity_gbps_l

``A`` is the 0/1 pair-link incidence: pair (r, s) uses every link of the
minimum-latency path from node(s) to attach(r); each direction of a link has
its own capacity. Active when ``link_capacity`` is on and some region has
``gbps_per_unit > 0``; matrix-only instances have no links.

Rows that cannot bind are not built: every demand item's shares sum to at most
1 (:mod:`assignment <gpuplace.solvers.constraints.assignment>`), so link l carries
at most ``Σ_k max_{p of k crossing l} D_k gbps_k x̄_p`` (``x̄`` the share's upper
bound); a link whose capacity holds that much needs no row. At 500 world regions
with tight links, 5,032 of 5,631 rows and 63 % of the nonzeros went this way.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.links.check_links` (violations ``link_capacity``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.model.core import pair_demand
from gpuplace.solvers.model.links import has_links, link_capacity_gbps, pair_link_matrix

__all__ = ["add", "applies", "name"]

name = "link_capacity"


def applies(instance) -> bool:
    return (
        instance.periods is None  # per period instead: solvers.constraints.period_links
        and bool(instance.constraints.link_capacity)
        and bool((instance.region_gbps_per_unit > 0).any())
        and has_links(instance)
        and bool(np.isfinite(instance.topology.edge_capacity_gbps).any())
    )


def add(model: ModelBuilder, instance) -> None:
    A = pair_link_matrix(instance)
    gbps = pair_demand(instance) * instance.region_gbps_per_unit[instance.pair_region]
    load = (sp.diags(gbps) @ A).T.tocsr()  # [2E, P]
    cap = link_capacity_gbps(instance)
    used = np.flatnonzero(np.isfinite(cap) & (np.diff(load.indptr) > 0))
    used = used[_worst_load(load, instance.pair_item, used) > cap[used]]
    if used.size:
        model.add_rows(name, [(model.var("share"), load[used])], ub=cap[used])
    model.meta["link_columns"] = used


def _worst_load(load: sp.csr_matrix, pair_item: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per row of ``load`` in ``rows``: Σ over items of the largest entry of the item's pairs."""
    sub = load[rows].tocoo()
    if sub.nnz == 0:
        return np.zeros(rows.size)
    item = np.asarray(pair_item)[sub.col]
    order = np.lexsort((-sub.data, item, sub.row))
    row, item = sub.row[order], item[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (item[1:] != item[:-1])
    return np.bincount(row[first], weights=sub.data[order][first], minlength=rows.size)
