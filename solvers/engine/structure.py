"""The decomposable structure of a placement model, read from its rows and column blocks.

Every column of a :class:`~gpuplace.solvers.model.builder.LinearModel` is owned by
at most one site and at most one region:

- ``open[s]`` and ``gpus[s, t]`` belong to site s;
- ``share[p]`` belongs to site ``pair_site[p]`` and "region" ``pair_item[p]`` (the
  demand item: the region itself unless the scenario has serving tables);
- ``unserved[k]`` belongs to "region" (demand item) k;
- a block a family adds may declare its site in ``model.meta["block_site"][name]``
  (an int array, -1 for none); otherwise its columns belong to no site.

Every row then takes one of three roles in the Lagrangian decomposition
(:mod:`gpuplace.solvers.engine.dual`):

- **region** rows: rows of families declaring ``decomposition = "region"`` (the
  assignment rows) whose columns all belong to one region and no site-only
  column (open, GPUs), dualised with one multiplier each;
- **site** rows: rows whose columns all belong to one site and whose family
  declares ``decomposition = "site"``; they stay in the site subproblems
  (:mod:`gpuplace.solvers.engine.site_model` reads their coefficients);
- **coupling** rows: everything else (budget, site counts, link capacities,
  rows of families that declare nothing, extra pieces), dualised.

The declaration only says where a family's rows *may* go; the rows are checked
here: a "site" row that touches two sites' columns, or a column no site owns,
is a coupling row. Dualising a row is always valid (it only weakens the bound),
so a family that declares nothing is handled exactly, never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.model.builder import LinearModel

__all__ = ["Structure", "column_owners", "roles_of", "structure_of"]


def column_owners(model: LinearModel, instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(site [n], region [n]) owning each column; -1 where none does."""
    n = model.n_vars
    site = np.full(n, -1, dtype=np.int64)
    region = np.full(n, -1, dtype=np.int64)
    blocks = model.var_blocks
    S, T = instance.n_sites, instance.n_types
    if "open" in blocks:
        site[blocks["open"].start : blocks["open"].stop] = np.arange(S)
    if "gpus" in blocks:
        site[blocks["gpus"].start : blocks["gpus"].stop] = np.repeat(np.arange(S), T)
    if "share" in blocks:
        b = blocks["share"]
        site[b.start : b.stop] = instance.pair_site
        region[b.start : b.stop] = instance.pair_item
    if "unserved" in blocks:
        b = blocks["unserved"]
        region[b.start : b.stop] = np.arange(instance.n_items)
    for name, owners in dict(model.meta.get("block_site", {})).items():
        b = blocks[name]
        site[b.start : b.stop] = np.asarray(owners, dtype=np.int64)
    return site, region


def _row_single_owner(A: sp.csr_matrix, owner: np.ndarray) -> np.ndarray:
    """Per row: the one owner of all its columns, or -1 (mixed owners, no owner, empty)."""
    out = np.full(A.shape[0], -1, dtype=np.int64)
    nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
    if nonempty.size:
        own = owner[A.indices]
        lo = np.minimum.reduceat(own, A.indptr[nonempty])
        hi = np.maximum.reduceat(own, A.indptr[nonempty])
        out[nonempty] = np.where((lo == hi) & (lo >= 0), hi, -1)
    return out


@dataclass(frozen=True, eq=False)
class Structure:
    """Column owners and row roles of one model (see the module docstring)."""

    model: LinearModel
    col_site: np.ndarray  # int [n]
    col_region: np.ndarray  # int [n]
    row_site: np.ndarray  # int [m]: the site of a site row, -1 otherwise
    region_rows: np.ndarray  # row indices, one per region with demand
    region_of_row: np.ndarray  # region of each of region_rows
    site_rows: np.ndarray  # row indices kept in the site subproblems
    coupling_rows: np.ndarray  # row indices dualised besides the region rows
    coupling_families: tuple[str, ...]

    @property
    def dualised_rows(self) -> np.ndarray:
        """Region rows first, then coupling rows."""
        return np.concatenate([self.region_rows, self.coupling_rows])


def roles_of(model: LinearModel, role: str) -> frozenset[str]:
    """Families whose pieces declared ``decomposition = role`` (``model.meta["roles"]``)."""
    return frozenset(f for f, r in model.meta.get("roles", {}).items() if r == role)


def structure_of(model: LinearModel, instance: Instance) -> Structure:
    """Classify the rows of ``model`` (see the module docstring)."""
    site_families = roles_of(model, "site")
    region_families = roles_of(model, "region")
    col_site, col_region = column_owners(model, instance)
    A = model.A.tocsr()
    m = model.n_rows
    is_assignment = np.zeros(m, dtype=bool)
    in_site_family = np.zeros(m, dtype=bool)
    for block in model.con_blocks:
        is_assignment[block.start : block.stop] = block.family in region_families
        in_site_family[block.start : block.stop] = block.family in site_families
    row_site = _row_single_owner(A, col_site)
    row_region = _row_single_owner(A, col_region)
    region_ok = is_assignment & (row_region >= 0)
    # an assignment row must not touch site-only columns (open, gpus)
    site_only_cols = ((col_site >= 0) & (col_region < 0)).astype(np.int64)
    touches_site_only = np.zeros(m, dtype=bool)
    nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
    if nonempty.size:
        touches_site_only[nonempty] = (
            np.add.reduceat(site_only_cols[A.indices], A.indptr[nonempty]) > 0
        )
    region_ok &= ~touches_site_only
    site_ok = in_site_family & (row_site >= 0) & ~region_ok
    region_rows = np.flatnonzero(region_ok)
    site_rows = np.flatnonzero(site_ok)
    coupling = np.flatnonzero(~region_ok & ~site_ok)
    return Structure(
        model=model,
        col_site=col_site,
        col_region=col_region,
        row_site=np.where(site_ok, row_site, -1),
        region_rows=region_rows,
        region_of_row=row_region[region_rows],
        site_rows=site_rows,
        coupling_rows=coupling,
        coupling_families=tuple(
            dict.fromkeys(
                b.family
                for b in model.con_blocks
                if np.any((coupling >= b.start) & (coupling < b.stop))
            )
        ),
    )
