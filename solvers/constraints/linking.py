"""Linking: a site serves demand only when it is open.

Formulation, for each candidate pair p = (r, s)::

    x_p - open_s <= 0

(the strong, per-pair form; the capacity rows already imply the aggregated
form Σ_{p at s} D_r x_p <= M open_s).

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.sites.check_sites` (violations ``open_flag``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "decomposition", "name"]

name = "linking"
# rows of one site each: kept apart by the engine's decomposition
decomposition = "site"


def applies(instance) -> bool:
    return instance.n_pairs > 0


def add(model: ModelBuilder, instance) -> None:
    P = instance.n_pairs
    eye = sp.identity(P, format="csr")
    to_site = sp.csr_matrix(
        (-np.ones(P), (np.arange(P), instance.pair_site)), shape=(P, instance.n_sites)
    )
    model.add_rows(name, [(model.var("share"), eye), (model.var("open"), to_site)], ub=0.0)
