"""Greedy constructive heuristic with a close-site local search.

Construction (:mod:`solvers.backends.greedy_construct`): one pass over the
regions, fewest candidate sites first, each region's demand to its candidate
sites by marginal cost, within power, space, redundancy, single sourcing, site
counts and the bandwidth left on capacitated links; GPUs sized per open site;
with unserved demand allowed, whole regions dropped until within budget.

Site repair (:mod:`solvers.backends.greedy_repair`): when the construction
fails or its plan breaks a row (``max_sites`` reached before every region is
served, a budget), the sites are chosen first by a greedy cover and the
construction serves from them; the best of these plans is the start.

Completion: when the model has extra variable blocks (added by pieces, e.g. the
failover variables of ``survive_site_failure``) or the constructed plan breaks
a row (e.g. a failover cut on GPU capacity), the greedy keeps its shares and
unserved demand fixed and solves the remaining MIP (open, GPUs and the extra
blocks) with ``scipy.optimize.milp``: rows the construction does not know
about are met by adding GPUs where needed, or the plan is rejected.

Local search: try closing each optional open site (least loaded first) and
rebuild; keep improvements, until none or the time limit (at most 10 s).

Every candidate plan is checked against the full model's rows (all families,
custom pieces included); a plan violating any of them is rejected. The result
is FEASIBLE with no bound, or NO_SOLUTION. A cancel request stops the local
search with the best plan so far (marked interrupted). Construction is
deterministic; the result is the same for the same inputs unless the time
limit cuts the local search short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.greedy_construct import construct
from gpuplace.solvers.backends.greedy_repair import RULES, assign, cover_sites
from gpuplace.solvers.backends.solution import decisions
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.model.objective import objective_value
from gpuplace.solvers.result import Solution, Status
from gpuplace.solvers.runtime import should_stop

_OPEN = 1
_LOCAL_SEARCH_MAX_S = 10.0
_CORE_BLOCKS = ("open", "gpus", "share", "unserved")
# Blocks the completion MIP keeps at the greedy's values.
_FIXED_BLOCKS = ("share", "unserved")
# (total violation, signed objective): violation 0 means feasible; smaller is better.
Score = tuple[float, float]


def _complete(model: LinearModel, v: np.ndarray, time_limit_s: float) -> np.ndarray | None:
    """Fill the non-fixed variables of ``v`` (open, GPUs, extra blocks) by a MIP; None if none.

    Shares and unserved demand stay at their values in ``v``; the MIP minimises
    the model objective over the rest subject to every row.
    """
    from scipy.optimize import LinearConstraint, milp

    fixed = np.zeros(model.n_vars, dtype=bool)
    for name in _FIXED_BLOCKS:
        if name in model.var_blocks:
            b = model.var_blocks[name]
            fixed[b.start : b.stop] = True
    free = np.flatnonzero(~fixed)
    A = model.A.tocsc()
    base = A[:, np.flatnonzero(fixed)] @ v[fixed]
    a_free = sp.csr_matrix(A[:, free])
    lo, hi = model.row_lb - base, model.row_ub - base
    empty = a_free.getnnz(axis=1) == 0
    tol = 1e-7 * np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, lo)))
    if np.any(empty & ((lo > tol) | (hi < -tol))):
        return None
    keep = np.flatnonzero(~empty)
    sign = -1.0 if model.sense == "max" else 1.0
    result = milp(
        sign * model.c[free],
        constraints=LinearConstraint(a_free[keep], lo[keep], hi[keep]),
        integrality=model.integer[free].astype(int),
        bounds=(model.col_lb[free], model.col_ub[free]),
        options={"time_limit": max(0.1, time_limit_s), "disp": False},
    )
    if result.x is None:
        return None
    out = v.copy()
    out[free] = result.x
    out[free[model.integer[free]]] = np.rint(result.x[model.integer[free]])
    return out


@dataclass(frozen=True, eq=False)
class _Candidates:
    """Plans built with some sites excluded, as value vectors of ``model`` with their scores."""

    model: LinearModel
    instance: Instance
    deadline: float

    def vector(self, plan: tuple[np.ndarray, ...]) -> np.ndarray:
        """The construction's decisions as values; completed by a MIP where rows need it."""
        model = self.model
        is_open, gpus, share, unserved = plan
        v = np.zeros(model.n_vars)
        for name, values in (
            ("open", is_open.astype(float)),
            ("gpus", gpus.ravel().astype(float)),
            ("share", share),
            ("unserved", unserved),
        ):
            if name in model.var_blocks:
                b = model.var_blocks[name]
                v[b.start : b.stop] = values
        extra = any(name not in _CORE_BLOCKS for name in model.var_blocks)
        if extra or model.violations(v, tol=1e-7):
            completed = _complete(model, v, self.deadline - time.perf_counter())
            if completed is not None:
                return completed
        return v

    def evaluate(self, excluded: np.ndarray) -> tuple[Score, np.ndarray] | None:
        """(score, values) of the plan without the ``excluded`` sites; None when none is built."""
        plan = construct(self.instance, excluded)
        return None if plan is None else self.score(plan)

    def score(self, plan: tuple[np.ndarray, ...]) -> tuple[Score, np.ndarray]:
        """(score, values) of a plan's decisions (completed by a MIP where rows need it)."""
        v = self.vector(plan)
        violation = sum(self.model.violations(v, tol=1e-7).values())
        value = objective_value(self.instance, *decisions(self.model, self.instance, v))
        return (violation, -value if self.model.sense == "max" else value), v


def _better(a: Score, b: Score) -> bool:
    if a[0] != b[0]:
        return a[0] < b[0]
    return a[1] < b[1] - 1e-9 * max(1.0, abs(b[1]))


def _first(candidates: _Candidates) -> tuple[tuple[Score, np.ndarray] | None, np.ndarray]:
    """The construction's plan, or when it breaks a row or fails, the best repaired one.

    Returns the plan (score, values) and the sites it was built without.
    """
    instance = candidates.instance
    excluded = np.zeros(instance.n_sites, dtype=bool)
    best = candidates.evaluate(excluded)
    if best is not None and best[0][0] == 0:
        return best, excluded
    for rule in RULES:
        chosen = cover_sites(instance, excluded, rule, candidates.deadline)
        if chosen is None:
            continue
        left = max(0.1, candidates.deadline - time.perf_counter())
        for plan in (construct(instance, ~chosen), assign(instance, chosen, left)):
            result = None if plan is None else candidates.score(plan)
            if result is not None and (best is None or _better(result[0], best[0])):
                best, excluded = result, ~chosen
    return best, excluded


def _close_sites(candidates: _Candidates, cancel: CancelToken) -> tuple[Score, np.ndarray] | None:
    """The first plan (:func:`_first`), then closing optional open sites (least loaded first)
    while it pays."""
    instance, model, deadline = candidates.instance, candidates.model, candidates.deadline
    best, excluded = _first(candidates)
    forced = (instance.site_status == _OPEN) | (instance.site_existing_gpus.sum(axis=1) > 0)
    improved = best is not None
    while improved and not should_stop(deadline, cancel):
        assert best is not None  # improved: there is a plan
        improved = False
        open_v = model.values(best[1], "open") > 0.5
        load = np.bincount(
            instance.pair_site,
            weights=model.values(best[1], "share") * instance.region_demand[instance.pair_region],
            minlength=instance.n_sites,
        )
        optional = np.flatnonzero(open_v & ~forced)
        for s in optional[np.argsort(load[optional], kind="stable")]:
            if should_stop(deadline, cancel):
                break
            trial = excluded.copy()
            trial[s] = True
            result = candidates.evaluate(trial)
            if result is not None and _better(result[0], best[0]):
                best, excluded, improved = result, trial, True
                break
    return best


class GreedyBackend(Backend):
    name = "greedy"
    supports_warm_start = False
    integer_only = False
    proves_bound = False
    honours_threads = False
    plans_when_stopped = True

    @classmethod
    def is_available(cls) -> bool:
        return True

    @classmethod
    def version(cls) -> str:
        return "greedy 1"

    def _solve(self, run: Run) -> Solution:
        deadline = run.started + min(float(run.params.time_limit_s), _LOCAL_SEARCH_MAX_S)
        best = _close_sites(_Candidates(run.model, run.instance, deadline), run.cancel)
        interrupted = run.cancel.cancelled
        if best is not None and best[0][0] > 0:
            worst = run.model.violations(best[1], tol=1e-7)
            run.notes.append("greedy plan breaks: " + ", ".join(sorted(worst)))
            best = None
        if best is None:
            run.notes.append("greedy found no plan satisfying every constraint")
            return run.solution(None, Status.NO_SOLUTION, interrupted=interrupted)
        return run.solution(best[1], Status.FEASIBLE, interrupted=interrupted)


__all__ = ["GreedyBackend"]
