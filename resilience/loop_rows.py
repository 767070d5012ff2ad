"""The rows the survivable cut loop keeps: a-priori pool, generated cuts, min-open and spread rows.

:class:`LoopRows` holds what the model of each round gets on top of the plain
model, as constraint pieces over integer indices (:meth:`LoopRows.pieces`):

- the neighbourhood-closure pool (:func:`~gpuplace.resilience.cuts.closure_cuts`),
  bounded to :data:`POOL_NNZ_KEEP` GPU coefficients, all in the model when it holds
  at most :data:`POOL_NNZ_MAX`, else searched for violated cuts each round;
- the cuts found so far (:class:`~gpuplace.resilience.cut_rows.CapacityCutRows`);
- two open sites within each region's reach
  (:class:`~gpuplace.resilience.apriori_rows.MinOpenRows`);
- the spread rows of every closure and every cut
  (:class:`~gpuplace.resilience.apriori_rows.SpreadRows`), skipped when demand may
  go unserved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.resilience.apriori_rows import MinOpenRows, SpreadRows
from gpuplace.resilience.cut_rows import CapacityCutRows
from gpuplace.resilience.cuts import (
    Cut,
    closure_cuts,
    closures,
    min_open_rows,
    neighbourhoods,
    separate,
    violated,
)
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints.survivability import may_open
from gpuplace.solvers.model.core import has_unserved
from gpuplace.solvers.reachable import ReachablePairs

__all__ = ["POOL_NNZ_KEEP", "POOL_NNZ_MAX", "LoopRows", "RowOptions"]

# The whole a-priori pool goes into the model up to this many GPU coefficients.
POOL_NNZ_MAX = 200_000
# Σ |K|² over the distinct failover neighbourhoods above which the closure pool is not built
APRIORI_MAX = 2_000_000

# The pool kept for separation: at most this many GPU coefficients, smallest site sets first
# (closures of wide neighbourhoods are many, large and weak).
POOL_NNZ_KEEP = 2_000_000


@dataclass(frozen=True)
class RowOptions:
    """Which a-priori rows the loop uses (see :class:`gpuplace.resilience.cut_loop.CutLoopOptions`)."""

    apriori: bool = True
    min_open: bool = True
    spread: bool = True
    pool_in_model: bool | None = None


def _bounded(pool: list[Cut], n_types: int) -> list[Cut]:
    """The pool's cuts with the fewest sites, up to :data:`POOL_NNZ_KEEP` GPU coefficients."""
    sizes = np.array([len(sites) for _, sites in pool], dtype=np.int64) * n_types
    if int(sizes.sum()) <= POOL_NNZ_KEEP:
        return pool
    order = np.argsort(sizes, kind="stable")
    keep = order[np.cumsum(sizes[order]) <= POOL_NNZ_KEEP]
    return [pool[i] for i in sorted(keep.tolist())]


class LoopRows:
    """The rows of the cut loop so far, and the search for new violated cuts.

    Parameters
    ----------
    instance : Instance
        The scenario.
    pairs : ReachablePairs
        Pairs within the failover SLA.
    options : RowOptions
        Which a-priori rows to use.
    """

    apriori_skipped = False

    def __init__(self, instance: Instance, pairs: ReachablePairs, options: RowOptions) -> None:
        self.instance = instance
        self.pairs = pairs
        self.usable = may_open(instance)
        self.spread_on = options.spread and not has_unserved(instance)
        self.hoods = neighbourhoods(instance, pairs, self.usable)
        self.cuts: list[Cut] = []
        self._have: set[Cut] = set()
        self.spreads: list[Cut] = []
        self._spread_have: set[Cut] = set()
        self.pool: list[Cut] = []
        self.opens: list[tuple[int, tuple[int, ...]]] = []
        self._add_apriori(options)

    def _add_apriori(self, options: RowOptions) -> None:
        """A-priori rows: the closure pool, min-open rows, spread rows of every closure."""
        instance, pairs, usable = self.instance, self.pairs, self.usable
        distinct = {h for h in self.hoods if h}
        # the pool holds |K| cuts of |K| - 1 sites for every distinct neighbourhood K: beyond a
        # size it costs more to build than it helps (large neighbourhoods give weak cuts)
        apriori = options.apriori and sum(len(h) ** 2 for h in distinct) <= APRIORI_MAX
        self.apriori_skipped = options.apriori and not apriori
        if apriori:
            self.pool = _bounded(closure_cuts(instance, pairs, usable), instance.n_types)
        if options.min_open:
            per_region = has_unserved(instance)
            self.opens = min_open_rows(instance, pairs, usable, per_region=per_region)
        if apriori:
            self._add_spread(closures(instance, pairs, usable))
        pool_size = sum(len(sites) for _, sites in self.pool) * instance.n_types
        in_model = options.pool_in_model
        if in_model or (in_model is None and pool_size <= POOL_NNZ_MAX):
            self.add(self.pool)

    def add(self, new: list[Cut]) -> None:
        """Put ``new`` cuts (and their spread rows) into the model from now on."""
        self.cuts.extend(new)
        self._have.update(new)
        self._add_spread(new)

    def _add_spread(self, new: list[Cut]) -> None:
        if not self.spread_on:
            return
        for regions, _ in new:
            hood = tuple(sorted(set().union(*(self.hoods[r] for r in regions))))
            if (regions, hood) not in self._spread_have:
                self._spread_have.add((regions, hood))
                self.spreads.append((regions, hood))

    def pieces(self) -> list:
        """The rows as constraint pieces, for ``solve(..., extra_pieces=...)``."""
        return [SpreadRows(self.spreads), MinOpenRows(self.opens), CapacityCutRows(self.cuts)]

    def new_cuts(
        self, capacity: np.ndarray, served: np.ndarray, failures: list[int], *, pool: bool = True
    ) -> list[Cut]:
        """Violated cuts not yet in the model: from the pool, then each failure's minimum cut.

        Parameters
        ----------
        capacity : numpy.ndarray
            Demand units each site serves at 100 % [S] (may be fractional).
        served : numpy.ndarray
            Demand served per region [R].
        failures : list of int
            Sites whose loss to separate with a minimum cut.
        pool : bool
            Also search the a-priori pool.
        """
        found: dict[Cut, None] = {}
        for cut in violated(self.pool, capacity, served) if pool else ():
            found.setdefault(cut, None)
        for f in failures:
            for cut in separate(capacity, served, f, self.pairs):
                found.setdefault(cut, None)
        return [cut for cut in found if cut not in self._have]
