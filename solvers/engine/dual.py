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
COUPLING_SEARCH_MAX = 4  # coupling half-rows whose start multiplier is searched (more: 0)
SEARCH_DECADES = (-6.0, 3.0)  # a coupling multiplier is searched within these decades of max|c|
SEARCH_SHARE = 0.15  # share of the ascent's time the search of coupling multipliers may take


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

    def initial_multipliers(self, coupling: np.ndarray | None = None) -> np.ndarray:
        """Region rows priced at the cheapest per-share cost of serving them; others as given.

        ``coupling``: multipliers of the other rows (default 0; region entries are
        ignored). A share's cost is its reduced cost under them plus its pool weight
        times its site's average reduced cost per unit of capacity at full size
        (fixed cost included).
        """
        pi = np.zeros(self.n_multipliers) if coupling is None else self.project(coupling)
        pi[self.region_part] = 0.0
        c = self.reduced_costs(pi)
        sites = self.sites
        h = self.oracle.solve(c).hull  # hull at these costs
        cap = np.where(np.isfinite(sites.pool_extra), sites.pool_extra, 0.0) + h.max_cap
        full_cost = c[sites.open_col] + np.where(self.oracle.vx.feasible, h.cost(h.max_cap), np.inf)
        per_unit = np.where(cap > 1e-12, full_cost / np.maximum(cap, 1e-12), np.inf)
        est = np.full(self.model.n_vars, np.inf)
        weight = sites.item_weight
        pool = np.zeros(weight.size)
        takes = weight > 0  # a share that takes no capacity costs no pool (0 × inf is not a cost)
        pool[takes] = weight[takes] * per_unit[sites.item_site[takes]]
        est[sites.item_col] = c[sites.item_col] + pool
        est[self.other] = c[self.other]
        region = np.flatnonzero(self.region_part & (self.kind == EQ))
        A = self.A[region].tocsr()
        nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
        if nonempty.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                per = np.where(A.data > 0, est[A.indices] / A.data, np.inf)
            cheapest = np.minimum.reduceat(per, A.indptr[nonempty])
            pi[region[nonempty]] = np.where(np.isfinite(cheapest), cheapest, 0.0)
        return pi

    def start(self, deadline: float) -> tuple[np.ndarray, DualPoint | None]:
        """Start multipliers: :meth:`initial_multipliers` with searched coupling multipliers.

        Objectives whose money enters only through a coupling row (``served`` or
        ``latency`` with a budget) leave the region prices blind to it: at π = 0 the
        region prices ignore the budget, and a subgradient step, whose length the
        many region rows set, moves the budget's multiplier by orders of magnitude
        too little. So each sign-constrained coupling half-row (at most
        :data:`COUPLING_SEARCH_MAX`) gets, in turn, the multiplier μ = 10^k · max|c|
        maximising L(initial_multipliers(μ)): k from 0 by whole decades in the
        direction that improves while it improves (within :data:`SEARCH_DECADES`),
        then golden-section steps in k between the best decade's neighbours; μ = 0
        is kept when nothing beats it. Only rows the plain start breaks, or whose
        columns the objective does not price, are searched.
        The evaluations (each a site-oracle pass) take at most :data:`SEARCH_SHARE` of
        the time to ``deadline``, judged by the first. Returns the multipliers and,
        when they are the plain start's, its evaluated point (None otherwise).
        """
        began = time.perf_counter()
        pi = self.initial_multipliers()
        rows = np.flatnonzero(~self.region_part & (self.kind != EQ))
        if rows.size == 0 or rows.size > COUPLING_SEARCH_MAX:
            return pi, None
        first = self.evaluate(pi)
        best = first.value
        # only rows the plain start breaks or whose columns the objective does not price
        # (a budget with objective served): a budget the cheapest choices already keep
        # needs no price to start with, and the search's oracle passes cost time
        broken = np.where(self.kind[rows] == LE, -first.subgradient[rows], first.subgradient[rows])
        priced = (abs(self.A[rows]) @ (self.c != 0).astype(float)) > 0
        rows = rows[(broken > 1e-9) | ~priced]
        if rows.size == 0:
            return pi, first
        per_eval = time.perf_counter() - began
        budget = max(3, int(SEARCH_SHARE * (deadline - began) / max(per_eval, 1e-6)))
        size = float(np.max(np.abs(self.c))) if self.c.size else 1.0
        coupling = np.zeros(self.n_multipliers)
        for k in rows[: max(1, budget // 3)]:
            sign = 1.0 if self.kind[k] == GE else -1.0
            memo: dict[float, tuple[float, np.ndarray]] = {}

            def trial(e: float, k: int = k, sign: float = sign, memo: dict = memo):
                if e not in memo:
                    mu = coupling.copy()
                    mu[k] = sign * size * 10.0**e
                    p = self.initial_multipliers(mu)
                    memo[e] = (self.evaluate(p).value, p)
                return memo[e][0]

            low, high = SEARCH_DECADES
            e = 0.0
            step = -1.0 if trial(-1.0) > trial(0.0) else 1.0
            while low <= e + step <= high and len(memo) < budget and trial(e + step) > trial(e):
                e += step
            lo, hi = e - 1.0, e + 1.0
            golden = (np.sqrt(5.0) - 1.0) / 2.0
            while len(memo) + 1 < budget and hi - lo > 0.1:
                a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
                if trial(a) >= trial(b):
                    hi = b
                else:
                    lo = a
            value, p = max(memo.values(), key=lambda t: t[0])
            if value > best + 1e-9 * max(1.0, abs(best)):
                best, pi = value, p
                coupling[k] = pi[k]
            budget -= len(memo)
            if budget < 3:
                break
        return pi, (first if best == first.value else None)

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
        first: DualPoint | None = None
        if pi0 is None:
            pi, first = self.start(deadline)
            pi = self.project(pi)
        else:
            pi = self.project(pi0)
        best: DualPoint | None = None
        theta, stall, streak, alpha = THETA0, 0, 0, 0.7
        direction: np.ndarray | None = None
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007 (reported)
            point = first if it == 1 and first is not None else self.evaluate(pi)
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
