"""The Lagrangian dual of a placement model: every non-site row priced, every site apart.

The model is taken in minimisation form (a maximisation is negated). With the
dualised rows D (region rows, coupling rows and site rows the site model did not
keep; a ranged row counts twice, once per side) written ``a_i x ≥ b_i`` (π_i ≥ 0),
``a_i x ≤ b_i`` (π_i ≤ 0) or ``a_i x = b_i`` (π_i free)::

    L(π) = Σ_i π_i b_i + Σ_s min(0, v_s(c − A_Dᵀπ)) + Σ_{j other} min_{l_j ≤ x_j ≤ u_j} c̃_j x_j

where v_s is the site subproblem (:mod:`oracle <gpuplace.solvers.engine.oracle>`)
and "other" columns belong to no site (unserved demand, blocks of no site).
L(π) ≤ the optimum for every sign-feasible π, whatever the rows are: this is
what makes every bound the engine reports a proven one. The rows are scaled by
their largest coefficient so that one step length suits them all.

:meth:`LagrangianDual.ascend` maximises L by a deflected subgradient method with
Polyak steps towards the best known plan (the volume-algorithm flavour of the
previous versions): the direction is a running average of subgradients, the
step ``θ (target − L) / |d|²`` shrinks after a run without progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.engine.oracle import SiteOracle, SiteSolution
from gpuplace.solvers.engine.site_model import SiteModel
from gpuplace.solvers.engine.structure import Structure
from gpuplace.solvers.model.builder import LinearModel

__all__ = ["DualPoint", "LagrangianDual", "AscentResult"]

EQ, GE, LE = 0, 1, -1
THETA0 = 0.2  # first step-length factor; grows after progress, halves after stalls
TARGET_STEP = 0.05  # Polyak target: the best bound plus this fraction, at most the best plan
RESET_DROP = 0.05  # a point this far below the best bound restarts the direction from it


@dataclass(frozen=True, eq=False)
class DualPoint:
    """L(π) with the subproblem solutions that produced it."""

    value: float  # L(π), minimisation form
    pi: np.ndarray  # scaled multipliers [H]
    sites: SiteSolution
    x: np.ndarray  # a minimiser of the Lagrangian [n]
    subgradient: np.ndarray  # b − A_D x (scaled) [H]


@dataclass(frozen=True, eq=False)
class AscentResult:
    best: DualPoint
    iterations: int
    upper: float  # the best plan value seen (minimisation form), inf if none


class LagrangianDual:
    """L(π) of the module docstring for one model."""

    def __init__(
        self, model: LinearModel, structure: Structure, sites: SiteModel, oracle: SiteOracle
    ):
        self.model = model
        self.sign = -1.0 if model.sense == "max" else 1.0
        self.c = self.sign * model.c
        self.c0 = self.sign * model.c0
        self.sites = sites
        self.oracle = oracle
        rows = np.concatenate([structure.dualised_rows, sites.demoted_rows]).astype(np.int64)
        lb, ub = model.row_lb[rows], model.row_ub[rows]
        eq = (
            np.isfinite(lb)
            & np.isfinite(ub)
            & (np.abs(ub - lb) <= 1e-12 * np.maximum(1, np.abs(lb)))
        )
        ge = np.isfinite(lb) & ~eq
        le = np.isfinite(ub) & ~eq
        half_rows = np.concatenate([rows[eq], rows[ge], rows[le]])
        self.kind = np.concatenate(
            [np.full(eq.sum(), EQ), np.full(ge.sum(), GE), np.full(le.sum(), LE)]
        ).astype(np.int8)
        rhs = np.concatenate([lb[eq], lb[ge], ub[le]])
        A = model.A.tocsr()[half_rows]
        scale = np.maximum(np.abs(A).max(axis=1).toarray().ravel(), 1e-12)
        self.scale = scale
        self.rows = half_rows
        self.A = sp.csr_matrix(sp.diags(1.0 / scale) @ A)
        self.AT = self.A.T.tocsr()
        self.b = rhs / scale
        self.region_part = np.isin(half_rows, structure.region_rows)
        in_site = np.zeros(model.n_vars, dtype=bool)
        in_site[sites.open_col] = True
        in_site[sites.z_col] = True
        in_site[sites.item_col] = True
        self.other = np.flatnonzero(~in_site)
        self.bounded = bool(
            np.all(np.isfinite(model.col_lb[self.other]) & np.isfinite(model.col_ub[self.other]))
        )

    @property
    def n_multipliers(self) -> int:
        return int(self.b.size)

    def project(self, pi: np.ndarray) -> np.ndarray:
        out = pi.copy()
        out[self.kind == GE] = np.maximum(out[self.kind == GE], 0.0)
        out[self.kind == LE] = np.minimum(out[self.kind == LE], 0.0)
        return out

    def reduced_costs(self, pi: np.ndarray) -> np.ndarray:
        return self.c - self.AT @ pi

    def evaluate(self, pi: np.ndarray) -> DualPoint:
        """L(π) and a minimiser (see the module docstring)."""
        pi = self.project(pi)
        cr = self.reduced_costs(pi)
        sol = self.oracle.solve(cr)
        x = np.zeros(self.model.n_vars)
        x[self.sites.open_col] = sol.open_sites.astype(float)
        x[self.sites.item_col] = sol.item_x
        x[self.sites.z_col] = self.oracle.pool_values(sol)
        o = self.other
        lo, hi = self.model.col_lb[o], self.model.col_ub[o]
        x[o] = np.where(cr[o] > 0, lo, np.where(cr[o] < 0, hi, np.where(np.isfinite(lo), lo, 0.0)))
        other_value = float(np.dot(cr[o], x[o])) if o.size else 0.0
        value = float(pi @ self.b) + sol.total + other_value + self.c0
        if not np.isfinite(value):
            value = -np.inf
        g = self.b - self.A @ x
        return DualPoint(value, pi, sol, x, g)

    def initial_multipliers(self) -> np.ndarray:
        """Region rows priced at the cheapest per-share cost of serving them; others 0.

        A share's cost is its own coefficient plus its pool weight times its site's
        average cost per unit of capacity at full size (fixed cost included).
        """
        pi = np.zeros(self.n_multipliers)
        sites = self.sites
        h = self.oracle.solve(self.c).hull  # hull at the plain costs
        cap = np.where(np.isfinite(sites.pool_extra), sites.pool_extra, 0.0) + h.max_cap
        full_cost = self.c[sites.open_col] + np.where(
            self.oracle.vx.feasible, h.cost(h.max_cap), np.inf
        )
        per_unit = np.where(cap > 1e-12, full_cost / np.maximum(cap, 1e-12), np.inf)
        est = np.full(self.model.n_vars, np.inf)
        est[sites.item_col] = self.c[sites.item_col] + sites.item_weight * per_unit[sites.item_site]
        est[self.other] = self.c[self.other]
        region = np.flatnonzero(self.region_part & (self.kind == EQ))
        A = self.A[region].tocsr()
        nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
        if nonempty.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                per = np.where(A.data > 0, est[A.indices] / A.data, np.inf)
            cheapest = np.minimum.reduceat(per, A.indptr[nonempty])
            pi[region[nonempty]] = np.where(np.isfinite(cheapest), cheapest, 0.0)
        return pi

    def ascend(
        self,
        *,
        deadline: float,
        upper: float = np.inf,
        pi0: np.ndarray | None = None,
        target_gap: float = 0.0,
        max_iter: int = 100_000,
        stop: Callable[[], bool] | None = None,
        on_point: Callable[[int, DualPoint], float | None] | None = None,
    ) -> AscentResult:
        """Maximise L by the deflected subgradient method (see the module docstring).

        ``on_point`` sees every point and may return the value of a better plan
        (minimisation form), which becomes the target. Stops at ``deadline``
        (``time.perf_counter()``), on ``stop()``, after ``max_iter`` steps or once
        ``upper − L <= target_gap × |upper|``.
        """
        pi = self.project(self.initial_multipliers() if pi0 is None else pi0)
        best: DualPoint | None = None
        theta, stall, streak, alpha = THETA0, 0, 0, 0.7
        direction: np.ndarray | None = None
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007 (reported)
            point = self.evaluate(pi)
            if on_point is not None:
                found = on_point(it, point)
                if found is not None and found < upper:
                    upper = float(found)
            scale = max(1.0, abs(point.value), abs(best.value) if best is not None else 0.0)
            if best is None or point.value > best.value + 1e-9 * scale:
                if best is None or point.value > best.value + 1e-4 * scale:
                    stall = 0
                    streak += 1
                best = point
            else:
                stall, streak = stall + 1, 0
            if streak >= 3:
                theta, streak = min(2.0 * THETA0 * 10, theta * 1.5), 0
            if stall >= 5:
                theta *= 0.5
                stall = 0
            if point.value < best.value - RESET_DROP * scale:
                # a step that lost much of the bound: start again from the best point
                point, direction = best, None
                pi = best.pi
                theta *= 0.5
            closed = np.isfinite(upper) and upper - best.value <= target_gap * abs(upper)
            if closed or time.perf_counter() >= deadline:
                break
            if stop is not None and stop():
                break
            g = point.subgradient.copy()
            # a sign-constrained multiplier at its bound does not move outwards
            g[(self.kind == GE) & (pi <= 0) & (g < 0)] = 0.0
            g[(self.kind == LE) & (pi >= 0) & (g > 0)] = 0.0
            direction = g if direction is None else alpha * g + (1 - alpha) * direction
            norm = float(direction @ direction)
            if norm <= 1e-18 or theta < 1e-8:
                break
            # aim a little above the best bound, never beyond the best plan
            target = min(upper, best.value + TARGET_STEP * max(1.0, abs(best.value)))
            step = theta * max(target - point.value, 1e-6 * abs(target)) / norm
            pi = self.project(pi + step * direction)
        assert best is not None
        return AscentResult(best, it, upper)
