"""Lagrangian bound for p-median with fixed costs, and the penalty tests it gives.

The problem at a node of the search (dense ``cost[site, client]``, the sites
of O forced open, k more to open among the free sites F)::

    min  Σ_j f_j y_j + Σ_ij c_ij x_ij
    s.t. Σ_j x_ij = 1 (every client i),  x_ij <= y_j,  Σ_{j ∈ F} y_j = k,  x >= 0, y binary

A client never uses a site costing more than its cheapest forced site
(``b_i = min_{j ∈ O} c_ij``), in the LP as in any plan, so those pairs are
dropped and the forced sites merge into one that costs b_i. Relaxing the
assignment rows with multipliers λ_i (free in sign) leaves, per free site,
ρ_j = f_j + Σ_{i: c_ij < b_i} min(0, c_ij − λ_i), and (Beasley 1985)

    L(λ) = Σ_i λ_i + Σ_{j ∈ O} f_j + Σ_i min(0, b_i − λ_i) + (sum of the k smallest ρ_j)

L(λ) is a lower bound for *every* λ; subgradient steps (Polyak, towards an
upper bound) push it up to the LP bound of the strong formulation. At a
fixed λ the subproblem with one more site forced open or closed is solved
exactly by swapping it in or out of the chosen k, which gives the penalty
tests of :func:`penalties`. When few pairs survive the cut at b_i they are
kept as a sparse list, which makes each step cheaper deep in the tree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LagrangeResult",
    "Relaxation",
    "SPARSE_BELOW",
    "evaluate",
    "penalties",
    "relaxation",
    "subgradient",
]

SPARSE_BELOW = 0.3  # pair density under which the sparse form is used


@dataclass(frozen=True, eq=False)
class Relaxation:
    """The data of L(λ) at one node (see the module docstring).

    ``dense`` holds the free sites' costs with dropped pairs at +inf, or is
    None when the kept pairs are held as ``pair_row``/``pair_col``/``pair_cost``.
    """

    k: int
    fixed: np.ndarray  # [m] free sites' fixed costs
    base: np.ndarray  # [R] b_i (inf without forced sites)
    base_fixed: float
    dense: np.ndarray | None
    pair_row: np.ndarray | None = None
    pair_col: np.ndarray | None = None
    pair_cost: np.ndarray | None = None

    @property
    def n_free(self) -> int:
        return int(self.fixed.shape[0])


def relaxation(
    cost_free: np.ndarray,
    fixed_free: np.ndarray,
    base: np.ndarray,
    base_fixed: float,
    k: int,
    sparse_below: float = SPARSE_BELOW,
) -> Relaxation:
    """Build the :class:`Relaxation` of a node.

    Parameters
    ----------
    cost_free
        ``cost[free site, client]``.
    fixed_free
        Fixed costs of the free sites.
    base
        Cheapest forced-open cost per client (+inf where no site is forced).
    base_fixed
        Total fixed cost of the forced sites.
    k
        How many free sites to open.
    """
    keep = cost_free < base[None, :]
    n_keep = int(keep.sum())
    if n_keep < sparse_below * keep.size:
        row, col = np.nonzero(keep)
        return Relaxation(
            k, fixed_free, base, base_fixed, None, row, col, cost_free[row, col].copy()
        )
    dense = np.where(keep, cost_free, np.array(np.inf, dtype=cost_free.dtype))
    return Relaxation(k, fixed_free, base, base_fixed, dense)


def evaluate(
    relax: Relaxation, multipliers: np.ndarray, fast: bool = False
) -> tuple[float, np.ndarray, np.ndarray]:
    """L(λ), ρ of the free sites and the k chosen (indices into the free sites).

    With ``fast``, a single-precision table is used in single precision (an
    estimate for the ascent; the bound reported is evaluated in double).

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 4.0], [4.0, 0.0]])
    >>> r = relaxation(cost, np.zeros(2), np.full(2, np.inf), 0.0, 1)
    >>> evaluate(r, np.array([4.0, 4.0]))[0]
    4.0
    """
    lam = multipliers
    table = relax.dense if relax.dense is not None else relax.pair_cost
    if fast and table is not None and table.dtype == np.float32:
        lam = lam.astype(np.float32)
    if relax.dense is not None:
        rho = relax.fixed + np.minimum(relax.dense - lam[None, :], 0.0).sum(axis=1)
    else:
        assert relax.pair_cost is not None and relax.pair_col is not None
        assert relax.pair_row is not None
        w = np.minimum(relax.pair_cost - lam[relax.pair_col], 0.0)
        rho = relax.fixed + np.bincount(relax.pair_row, weights=w, minlength=relax.n_free)
    chosen = _smallest(rho, relax.k)
    lam = multipliers
    base_term = np.minimum(relax.base - lam, 0.0).sum()
    bound = float(lam.sum() + relax.base_fixed + base_term + rho[chosen].sum())
    return bound, rho, chosen


def _smallest(rho: np.ndarray, k: int) -> np.ndarray:
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= rho.shape[0]:
        return np.arange(rho.shape[0])
    return np.argpartition(rho, k - 1)[:k]


def _direction(relax: Relaxation, lam: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """A subgradient of L at λ: 1 − (how many open sites serve client i in the subproblem)."""
    served = (relax.base < lam).astype(float)
    if relax.dense is not None:
        served += (relax.dense[chosen] < lam[None, :]).sum(axis=0)
    else:
        assert relax.pair_row is not None and relax.pair_col is not None
        assert relax.pair_cost is not None
        is_chosen = np.zeros(relax.n_free, dtype=bool)
        is_chosen[chosen] = True
        sel = is_chosen[relax.pair_row] & (relax.pair_cost < lam[relax.pair_col])
        served += np.bincount(relax.pair_col[sel], minlength=lam.shape[0])
    return 1.0 - served


@dataclass(frozen=True, eq=False)
class LagrangeResult:
    """The best multipliers found and the subproblem at them (indices into the free sites)."""

    bound: float
    multipliers: np.ndarray
    rho: np.ndarray
    chosen: np.ndarray
    iterations: int


def subgradient(
    relax: Relaxation,
    upper: float,
    multipliers: np.ndarray,
    *,
    max_iter: int = 100,
    step: float = 1.0,
    patience: int = 5,
    min_step: float = 1e-4,
    stop_at: float = np.inf,
    deadline: float | None = None,
) -> LagrangeResult:
    """Subgradient ascent of L(λ) from ``multipliers`` (Polyak steps towards ``upper``).

    The step factor halves after ``patience`` steps without a better bound;
    the ascent stops after ``max_iter`` steps, when the factor falls below
    ``min_step``, when the bound reaches ``stop_at``, or at ``deadline``.

    Parameters
    ----------
    relax
        The node's relaxation (:func:`relaxation`).
    upper
        Objective of a known plan (the Polyak target).
    multipliers
        Starting λ (e.g. the parent node's).

    Returns
    -------
    LagrangeResult
        The best bound seen, with its multipliers and subproblem.
    """
    lam = np.asarray(multipliers, dtype=float)
    best_bound, best_lam = -np.inf, lam
    best_rho: np.ndarray | None = None
    best_chosen: np.ndarray | None = None
    stall = 0
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        bound, rho, chosen = evaluate(relax, lam, fast=True)
        if bound > best_bound + 1e-12 * max(1.0, abs(bound)):
            best_bound, best_lam, best_rho, best_chosen = bound, lam, rho, chosen
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                step *= 0.5
                stall = 0
        if best_bound >= stop_at or step < min_step:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        g = _direction(relax, lam, chosen)
        norm = float(g @ g)
        if norm == 0.0:  # the subproblem's plan serves every client once: L is optimal
            break
        lam = lam + step * max(upper - bound, 1e-9 * max(1.0, abs(upper))) / norm * g
    if (
        best_rho is None
        or best_chosen is None
        or (relax.dense is not None and relax.dense.dtype == np.float32)
        or (relax.pair_cost is not None and relax.pair_cost.dtype == np.float32)
    ):
        best_bound, best_rho, best_chosen = evaluate(relax, best_lam)
    return LagrangeResult(best_bound, best_lam, best_rho, best_chosen, iterations)


def penalties(result: LagrangeResult, k: int) -> np.ndarray:
    """Bound of the subproblem with each free site's choice flipped, at the same λ.

    A site outside the chosen k, forced open, replaces the worst chosen one:
    ``L − ρ_kth + ρ_j``; a chosen site, closed, is replaced by the best one
    outside: ``L − ρ_j + ρ_next`` (+inf when no site is left outside). Each
    value is a lower bound of the problem with that site flipped.
    """
    rho = result.rho
    out = np.full(rho.shape[0], np.inf)
    if k <= 0:
        return out
    is_chosen = np.zeros(rho.shape[0], dtype=bool)
    is_chosen[result.chosen] = True
    outside = np.flatnonzero(~is_chosen)
    if outside.size == 0:
        return out
    out[outside] = result.bound - rho[result.chosen].max() + rho[outside]
    out[result.chosen] = result.bound - rho[result.chosen] + rho[outside].min()
    return out
