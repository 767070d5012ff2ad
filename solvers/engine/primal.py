"""Plans from dual information: open what the site subproblems open, then solve what is left.

Every plan comes from a restricted model (:mod:`restricted
<gpuplace.solvers.engine.restricted>`), so it satisfies every row of the model,
and is checked against the full model once more before it is kept
(:meth:`Incumbent.offer`). Three moves:

- :meth:`Primal.from_open`: the sites a subproblem solution opens, fixed open,
  after a cover step (every region that has no open site in reach gets its
  best-scored one); while that set has no plan, the next best-scored sites join
  it (a few rounds);
- :meth:`Primal.neighbourhood`: the incumbent's sites and the most attractive
  others (lowest subproblem value), each free to open or close: a restricted
  MIP (large-neighbourhood search) started from the incumbent;
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from gpuplace.solvers.engine.mip import run_mip
from gpuplace.solvers.engine.restricted import Restrictor
from gpuplace.solvers.engine.site_model import SiteModel
from gpuplace.solvers.engine.structure import Structure
from gpuplace.solvers.result import SolveParameters

__all__ = ["Incumbent", "Primal"]

VIOLATION_TOL = 1e-6
INTEGER_SNAP = 1e-5
ROUNDS = 5
COVER_ROUNDS = 8  # redundancy k needs k rounds
# a restricted model keeps each region's cheapest pairs only (plans stay plans of the model)
ROUND_SHARE = 0.3  # a plan found in less than this share of an attempt's time: try freer rounds
PAIRS_PER_REGION = 12  # growth rounds of a set of open sites without a plan


@dataclass
class Incumbent:
    """The best plan so far, in minimisation form (``value``) and as a full vector."""

    sign: float
    values: np.ndarray | None = None
    value: float = np.inf
    found_by: str = ""
    rejected: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    history: list[tuple[float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def offer(self, model, values: np.ndarray, by: str, clock: float) -> bool:
        """Keep ``values`` when it satisfies every row and beats the incumbent.

        Integer columns within ``INTEGER_SNAP`` of an integer are snapped to it and
        every column is clipped to its bounds first (solver round-off).
        """
        with self.lock:
            return self._offer(model, values, by, clock)

    def _offer(self, model, values: np.ndarray, by: str, clock: float) -> bool:
        values = np.clip(values, model.col_lb, model.col_ub)
        near = model.integer & (np.abs(values - np.rint(values)) <= INTEGER_SNAP)
        values[near] = np.rint(values[near])
        broken = model.violations(values, tol=VIOLATION_TOL)
        if broken:
            self.rejected.append((by, broken))
            return False
        value = self.sign * (float(model.c @ values) + float(model.c0))
        if not np.isfinite(self.value) or value < self.value - 1e-9 * max(1.0, abs(self.value)):
            self.values, self.value, self.found_by = values, value, by
            self.history.append((clock, value))
            return True
        return False


class Primal:
    """Restricted solves for one model (see the module docstring)."""

    def __init__(
        self,
        structure: Structure,
        sites: SiteModel,
        params: SolveParameters,
        capacity: np.ndarray,
    ):
        self.structure = structure
        self.model = structure.model
        self.open_col = sites.open_col
        self.restrictor = Restrictor(structure, sites.open_col)
        self.open_rows = _open_covering_rows(structure, sites)
        self.col_region = structure.col_region
        self.is_share = (structure.col_site >= 0) & (structure.col_region >= 0)
        self.params = params
        self.capacity = capacity  # most pool load each site can take (inf: no pool row)
        self.pair_cost: np.ndarray | None = None  # ranks the pairs kept per region
        self.pairs_per_region = PAIRS_PER_REGION
        self.tried: set[bytes] = set()
        self.log: list[
            tuple[int, str, float]
        ] = []  # (sites, outcome, seconds) per restricted solve
        self.share_site = sites.item_site
        self.share_region = structure.col_region[sites.item_col]
        self.share_ub = sites.item_ub
        self.n_regions = int(structure.col_region.max(initial=-1)) + 1
        self.has_pair = np.bincount(self.share_region, minlength=self.n_regions) > 0
        # the least pool load a region's demand takes (its smallest share weight)
        need = np.full(self.n_regions, np.inf)
        np.minimum.at(need, self.share_region, sites.item_weight)
        self.need = np.where(np.isfinite(need), need, 0.0)
        order = np.argsort(self.share_region, kind="stable")
        self.share_col_sorted = sites.item_col[order]  # model column of each sorted share
        self.cover_cols = np.zeros(self.model.n_vars, dtype=bool)  # shares the last cover used
        self.kept_cols = self.cover_cols  # columns every restricted model keeps
        self.by_region = (
            np.searchsorted(self.share_region[order], np.arange(self.n_regions + 1)),
            self.share_site[order],
            self.share_ub[order],
            sites.item_weight[order],
        )

    def cover(self, sites: np.ndarray, score: np.ndarray) -> np.ndarray:
        """``sites`` grown until every region can be served in full by shares at them and their
        capacity covers the demand: best-scored sites first."""
        out = sites.copy()
        for _ in range(COVER_ROUNDS):
            have = np.bincount(
                self.share_region,
                weights=np.where(out[self.share_site], self.share_ub, 0.0),
                minlength=self.n_regions,
            )
            short = (have < 1.0 - 1e-9) & self.has_pair
            if not short.any():
                break
            cand = np.flatnonzero(short[self.share_region] & ~out[self.share_site])
            if cand.size == 0:
                break
            cand_site = self.share_site[cand]
            order = np.lexsort((score[cand_site], self.share_region[cand]))
            first = np.unique(self.share_region[cand][order], return_index=True)[1]
            out[cand_site[order][first]] = True
        out = self._open_rows_cover(out, score)
        return self._capacity_cover(out, score)

    def _open_rows_cover(self, out: np.ndarray, score: np.ndarray) -> np.ndarray:
        """Grow ``out`` until every row ``Σ_{s in S} a_s open_s >= b`` (a > 0) of the model holds
        (e.g. two open sites in each failover neighbourhood): best-scored sites first."""
        for sites, coef, need in self.open_rows:
            have = float(coef[out[sites]].sum())
            if have >= need - 1e-9:
                continue
            closed = np.flatnonzero(~out[sites] & np.isfinite(score[sites]))
            for k in closed[np.argsort(score[sites[closed]], kind="stable")]:
                out[sites[k]] = True
                have += float(coef[k])
                if have >= need - 1e-9:
                    break
        return out

    def _capacity_cover(self, out: np.ndarray, score: np.ndarray) -> np.ndarray:
        """Grow ``out`` until a greedy assignment fits every region's demand in the capacity of
        open sites within its reach (largest demand first; a region short of room opens its
        best-scored closed site in reach)."""
        total = float(self.need.sum())
        room = np.where(np.isfinite(self.capacity), self.capacity, total).astype(float)
        ptr, site, ub, weight = self.by_region
        self.cover_cols = np.zeros(self.model.n_vars, dtype=bool)
        self.kept_cols = self.cover_cols
        for r in np.argsort(-self.need, kind="stable"):
            sl = slice(ptr[r], ptr[r + 1])
            s_r, w_r = site[sl], weight[sl]
            ub_r = ub[sl].copy()
            left = 1.0
            for _ in range(2 * s_r.size):
                usable = out[s_r] & (room[s_r] > 1e-12) & (ub_r > 1e-12)
                if not usable.any():
                    closed = np.flatnonzero(
                        ~out[s_r] & np.isfinite(score[s_r]) & (room[s_r] > 0) & (ub_r > 1e-12)
                    )
                    if closed.size == 0:
                        break
                    out[s_r[closed[np.argmin(score[s_r[closed]])]]] = True
                    continue
                k = np.flatnonzero(usable)[np.argmax(room[s_r[usable]])]
                share = min(left, ub_r[k], room[s_r[k]] / max(w_r[k], 1e-12))
                room[s_r[k]] -= share * w_r[k]
                ub_r[k] -= share
                self.cover_cols[self.share_col_sorted[ptr[r] + k]] = True
                left -= share
                if left <= 1e-9:
                    break
        return out

    def open_of(self, values: np.ndarray) -> np.ndarray:
        return values[self.open_col] > 0.5

    def _solve(
        self, sites: np.ndarray, fix: bool, limit_s: float, gap: float, start, widen: int = 1
    ):
        r = self.restrictor.restrict(
            sites,
            fix_open=fix,
            pair_cost=self.pair_cost,
            pairs_per_region=self.pairs_per_region * widen,
            keep=self.kept_cols | (start > 0) if start is not None else self.kept_cols,
        )
        if r is None:
            self.log.append((int(sites.sum()), "infeasible", 0.0))
            return None
        began = time.perf_counter()
        if start is None and r.model.integer[self.is_share[r.keep]].any():
            values = self._round_integer_shares(r, limit_s)
            if values is not None:
                self.log.append((int(sites.sum()), "plan (rounded)", time.perf_counter() - began))
                return r.expand(values, self.model.n_vars)
        warm = None if start is None else r.restrict_values(start)
        left = limit_s - (time.perf_counter() - began)
        run = run_mip(r.model, self.params, time_limit_s=max(left, 0.1), gap=gap, start=warm)
        outcome = "plan" if run.values is not None else ("infeasible" if run.infeasible else "none")
        self.log.append((int(sites.sum()), outcome, time.perf_counter() - began))
        if run.values is None:
            return None
        return r.expand(run.values, self.model.n_vars)

    def _round_integer_shares(self, r, limit_s: float) -> np.ndarray | None:
        """Integer shares (single sourcing): the restricted LP, then the MIP where each region
        may use only its one (then two) largest LP shares: the binary choices HiGHS finds
        hard become few."""
        model = r.model
        relaxed = replace(model, integer=np.zeros(model.n_vars, dtype=bool))
        began = time.perf_counter()
        lp = run_mip(relaxed, self.params, time_limit_s=0.4 * limit_s)
        if lp.values is None:
            return None
        share = np.flatnonzero(self.is_share[r.keep])
        region = self.col_region[r.keep][share]
        order = share[np.lexsort((-lp.values[share], region))]
        reg_sorted = self.col_region[r.keep][order]
        rank = np.arange(order.size) - np.searchsorted(reg_sorted, reg_sorted, side="left")
        for keep_n in (1, 2):
            ub = model.col_ub.copy()
            ub[order[rank >= keep_n]] = 0.0
            left = limit_s - (time.perf_counter() - began)
            if left <= 0.1:
                return None
            run = run_mip(replace(model, col_ub=ub), self.params, time_limit_s=0.5 * left)
            if run.values is not None:
                return run.values
        return None

    def fill_pools(self, values: np.ndarray, limit_s: float) -> np.ndarray | None:
        """``values`` with its open sites and shares kept and pool columns (whole GPUs)
        chosen by the restricted model under every row; None when no choice fits."""
        sites = values[self.open_col] > 0.5
        r = self.restrictor.restrict(sites, fix_open=True, keep=values > 0)
        if r is None:
            return None
        lb, ub = r.model.col_lb.copy(), r.model.col_ub.copy()
        share = self.is_share[r.keep]
        lb[share] = ub[share] = np.clip(values[r.keep][share], lb[share], ub[share])
        run = run_mip(replace(r.model, col_lb=lb, col_ub=ub), self.params, time_limit_s=limit_s)
        return None if run.values is None else r.expand(run.values, self.model.n_vars)

    def from_open(
        self,
        open_sites: np.ndarray,
        score: np.ndarray,
        inc: Incumbent,
        *,
        limit_s: float,
        gap: float,
        clock: float,
        bound: float = -np.inf,
        used: np.ndarray | None = None,
    ) -> bool:
        """Plan with ``open_sites`` (covered) open; else the best plan within a grown set.

        Rounds: the covered set fixed open; then free to stay closed; then with four
        times as many pairs per region; then grown by the next best-scored sites. A
        round that finds a plan ends the attempt unless the best plan is still more
        than ``gap`` above ``bound`` (minimisation form) and the rounds so far took
        less than :data:`ROUND_SHARE` of ``limit_s``: then the next, freer round
        runs too (forcing open every site the subproblems chose can cost far more
        than the sites are worth: 13.6 % above the bound against 2.8 % when free).
        ``used``: columns the Lagrangian point uses; its share columns are kept
        beside each region's cheapest pairs (where capacity is spread over many small
        pools the cheapest pairs alone missed the plan by 11 %; with them, 1.9 %).
        """
        sites = self.cover(open_sites, score)
        self.kept_cols = (
            self.cover_cols if used is None else self.cover_cols | (used & self.is_share)
        )
        began = time.perf_counter()
        steps = [(True, 1), (False, 1), (False, 4)] + [(False, 4)] * (ROUNDS - 3)
        found = False
        for round_no, (fix, widen) in enumerate(steps):
            key = np.packbits(sites).tobytes() + bytes([fix, widen])
            if key in self.tried:
                return found
            self.tried.add(key)
            left = limit_s - (time.perf_counter() - began)
            if left <= 0.05:
                return found
            values = self._solve(sites, fix, left, gap, None, widen)
            if values is not None:
                found = inc.offer(self.model, values, "subproblem sites", clock) or found
                far = inc.value - bound > gap * max(abs(inc.value), 1e-9)
                cheap = time.perf_counter() - began < ROUND_SHARE * limit_s
                if round_no >= 2 or not (far and cheap):
                    return found
                continue
            if round_no >= 2:
                others = np.flatnonzero(~sites & np.isfinite(score))
                more = others[np.argsort(score[others], kind="stable")[: max(5, sites.sum() // 4)]]
                if more.size == 0:
                    return found
                sites = sites.copy()
                sites[more] = True
        return found

    def neighbourhood(
        self,
        centre: np.ndarray,
        score: np.ndarray,
        inc: Incumbent,
        *,
        limit_s: float,
        gap: float,
        clock: float,
        extra: int | None = None,
    ) -> bool:
        """Best plan opening only sites of ``centre`` and the ``extra`` best-scored others."""
        k = max(10, int(centre.sum())) if extra is None else extra
        others = np.flatnonzero(~centre & np.isfinite(score))
        pick = others[np.argsort(score[others], kind="stable")[:k]]
        sites = centre.copy()
        sites[pick] = True
        start = (
            inc.values
            if inc.values is not None and not np.any(self.open_of(inc.values) & ~sites)
            else None
        )
        values = self._solve(sites, False, limit_s, gap, start)
        if values is None:
            return False
        return inc.offer(self.model, values, "neighbourhood search", clock)


def _open_covering_rows(structure: Structure, sites: SiteModel):
    """Rows over ``open`` columns only, all coefficients positive, with a positive lower
    bound: (site indices, coefficients, bound) each."""
    model = structure.model
    site_of_open = np.full(model.n_vars, -1, dtype=np.int64)
    site_of_open[sites.open_col] = np.arange(sites.open_col.size)
    A = model.A.tocsr()
    out = []
    for row in np.concatenate([structure.coupling_rows, sites.demoted_rows]):
        lo = model.row_lb[row]
        if not np.isfinite(lo) or lo <= 0:
            continue
        cols = A.indices[A.indptr[row] : A.indptr[row + 1]]
        vals = A.data[A.indptr[row] : A.indptr[row + 1]]
        if cols.size and np.all(site_of_open[cols] >= 0) and np.all(vals > 0):
            out.append((site_of_open[cols], vals, float(lo)))
    return out
