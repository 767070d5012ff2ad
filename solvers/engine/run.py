"""The engine's plan: which method runs, on what, for how long.

Given a model and the instance it was built from (:class:`EngineRun`):

1. **Decompose** (:mod:`structure <gpuplace.solvers.engine.structure>`,
   :mod:`site_model <gpuplace.solvers.engine.site_model>`): rows to regions,
   sites and coupling. When the site subproblems cannot be formed (a column
   serving without its site open, unbounded columns of no site), the whole
   model goes to the exact MIP: correct, only slower.
2. **Bound and plans together** (:meth:`LagrangianDual.ascend
   <gpuplace.solvers.engine.dual.LagrangianDual.ascend>`): every L(π) is a
   proven bound; the open sites of the points at steps 1, 1 + EVERY, ... (further
   apart as attempts accumulate, so the run is repeatable) become plans through
   restricted models (:mod:`primal <gpuplace.solvers.engine.primal>`).
3. **Phase one**, when no plan exists after ``FIRST_SHARE`` of the time (and the
   caller's fallback construction found none either): the
   coupling row the dual's points break most (a budget, say) is made the
   objective (its left-hand side minimised, the row itself dropped) and that
   model is solved by the same engine. Its plans satisfy every other row; one
   within the row's bound is a plan of the model, and a proven bound beyond it
   proves that no plan exists.
4. **Improve**: neighbourhood searches around the incumbent while the gap is
   open and time is left.
5. **Exact finish** on small models (``A.nnz <= EXACT_NNZ``): HiGHS on the
   whole model with the incumbent as its start and the time left; its bound and
   the Lagrangian bound together bound the optimum.

The result is in the model's own sense: ``values`` (None without a plan),
``bound`` (the best proven bound), ``infeasible`` (proven).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.engine.dual import LE, DualPoint, LagrangianDual
from gpuplace.solvers.engine.facility import facility_problem
from gpuplace.solvers.engine.mip import run_mip
from gpuplace.solvers.engine.oracle import SiteOracle
from gpuplace.solvers.engine.point_costs import pair_costs, site_scores
from gpuplace.solvers.engine.pool_hull import MAX_POOL_COLUMNS, vertices
from gpuplace.solvers.engine.primal import Incumbent, Primal
from gpuplace.solvers.engine.site_model import site_model
from gpuplace.solvers.engine.structure import structure_of
from gpuplace.solvers.fast import pmedian, radius
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import SolveParameters, Status

__all__ = ["EngineResult", "EngineRun", "run_engine"]

EXACT_NNZ = 400_000
FIRST_SHARE = 0.35
EVERY = 5
SMALL_STEPS = 150
ATTEMPT_SHARE = 0.15
LARGE_PLAN_SHARE = 0.35  # of the time limit, at most, per plan attempt
MAX_STEPS = 100_000


@dataclass
class EngineResult:
    values: np.ndarray | None
    bound: float | None
    infeasible: bool = False
    notes: list[str] = field(default_factory=list)


def run_engine(
    model: LinearModel,
    instance: Instance,
    params: SolveParameters,
    *,
    deadline: float,
    warm: np.ndarray | None = None,
    phase_one: bool = True,
    fallback: Callable[[], np.ndarray | None] | None = None,
) -> EngineResult:
    """Bound and plan ``model`` (see the module docstring).

    ``fallback`` (e.g. a greedy construction) is asked for a plan when the first
    ascent ends without one, before phase one.
    """
    run = EngineRun(model, instance, params, deadline, warm, phase_one)
    run.fallback = fallback
    return run.run()


def _gap(value: float, bound: float) -> float:
    if not np.isfinite(value) or not np.isfinite(bound):
        return np.inf
    return abs(value - bound) / max(abs(value), 1e-9)


class EngineRun:
    """One engine solve (see the module docstring)."""

    def __init__(self, model, instance, params, deadline, warm, phase_one) -> None:
        self.model, self.instance, self.params = model, instance, params
        self.deadline = deadline
        self.started = time.perf_counter()
        self.sign = -1.0 if model.sense == "max" else 1.0
        self.inc = Incumbent(self.sign)
        self.notes: list[str] = []
        self.allow_phase_one = phase_one
        self.bound_min = -np.inf  # best proven bound, minimisation form
        self.attempts = 0
        self.next_attempt = 1
        self.step_base = 0
        self.small = model.A.nnz <= EXACT_NNZ
        self.pending: Future | None = None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gpuplace-plan")
        if warm is not None:
            self.inc.offer(model, warm, "first plan", 0.0)

    def stop(self) -> bool:
        return self.params.cancel.is_set() or time.perf_counter() >= self.deadline

    # -- the steps ---------------------------------------------------------------------------
    def run(self) -> EngineResult:
        structure = structure_of(self.model, self.instance)
        sites = site_model(structure, self.instance.n_sites)
        dual = None
        if sites.usable and int(np.diff(sites.z_start).max(initial=0)) <= MAX_POOL_COLUMNS:
            vx = vertices(sites)
            core = facility_problem(structure, sites, vx, self.instance.n_regions)
            if core is not None:
                return self.facility(structure, sites, *core)
            candidate = LagrangianDual(self.model, structure, sites, SiteOracle(sites, vx))
            if candidate.bounded:
                dual = candidate
        if dual is None:
            most = int(np.diff(sites.z_start).max(initial=0))
            why = sites.why_unusable or (
                f"a site has {most} pool columns; the convex pool cost is enumerated for at "
                f"most {MAX_POOL_COLUMNS}"
                if most > MAX_POOL_COLUMNS
                else "columns without finite bounds outside the sites"
            )
            self.notes.append(f"auto: exact MIP (no site decomposition: {why})")
            return self.exact()
        self.notes.append(
            "auto: Lagrangian decomposition"
            + (" and exact MIP" if self.model.A.nnz <= EXACT_NNZ else "")
        )
        self.notes.append(
            f"decomposition: {structure.region_rows.size} region rows, "
            f"{structure.site_rows.size - sites.demoted_rows.size} site rows, "
            f"{structure.coupling_rows.size + sites.demoted_rows.size} coupling rows"
            + (
                f" ({', '.join(structure.coupling_families)})"
                if structure.coupling_families
                else ""
            )
        )
        plain = dual.oracle.solve(dual.c).hull  # pool capacities at the plain costs
        capacity = np.where(np.isfinite(sites.pool_extra), sites.pool_extra, np.inf) + plain.max_cap
        # on large models plan attempts run beside the steps: one HiGHS thread each
        plan_params = self.params if self.small else replace(self.params, threads=1)
        self.dual, self.primal = dual, Primal(structure, sites, plan_params, capacity)
        small = self.small
        span = self.deadline - self.started
        first = self.started + (0.3 if small else FIRST_SHARE) * span
        # small models: a fixed number of steps, so that a run that ends before its
        # time limit is repeatable; the exact MIP does the rest
        best = self.ascend(first, None, SMALL_STEPS if small else MAX_STEPS)
        self.ask_fallback()
        if self.inc.values is None and self.allow_phase_one and not self.stop():
            self.phase_one(best)
        if not small and not self.stop():
            best = self.ascend(self.deadline - 0.1, best, MAX_STEPS)
        self.improve(best)
        if small and not self.stop():
            return self.exact()
        return self.result()

    def facility(self, structure, sites, problem, share_cols) -> EngineResult:
        """An uncapacitated facility-location core: p-median or radius methods, proven."""
        left = max(0.5, self.deadline - time.perf_counter())
        if pmedian.applies(problem):
            self.notes.append("auto: p-median branch-and-bound (uncapacitated, at most p sites)")
            found = pmedian.solve(
                problem, time_limit_s=left, gap=self.params.gap, seed=self.params.seed
            )
        else:
            found = None
        if found is None:
            self.notes.append("auto: facility location, radius formulation (uncapacitated)")
            left = max(0.5, self.deadline - time.perf_counter())
            found = radius.solve(
                problem,
                time_limit_s=left,
                gap=self.params.gap,
                threads=self.params.threads,
                seed=self.params.seed,
                cancel=self.params.cancel,
            )
        self.notes.extend(found.notes)
        if found.share is None or found.open_sites is None:
            self.infeasible = found.status == Status.INFEASIBLE
            return self.result()
        values = np.zeros(self.model.n_vars)
        values[sites.open_col] = found.open_sites.astype(float)
        values[share_cols] = found.share
        primal = Primal(structure, sites, self.params, np.full(sites.n_sites, np.inf))
        full = primal.fill_pools(values, max(0.5, self.deadline - time.perf_counter()))
        if full is not None:
            self.inc.offer(self.model, full, "facility-location method", time.perf_counter())
        if found.bound is not None:
            self.bound_min = max(self.bound_min, float(found.bound))
        return self.result()

    def finish_attempt(self) -> None:
        """Wait for a plan attempt still running (it stops at its own time limit)."""
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def ask_fallback(self) -> None:
        """The caller's construction, when there is no plan yet (it plans even when stopped)."""
        if self.inc.values is None and self.fallback is not None:
            values = self.fallback()
            self.fallback = None
            if values is not None:
                self.inc.offer(self.model, values, "greedy construction", time.perf_counter())

    def ascend(self, until: float, start: DualPoint | None, max_steps: int) -> DualPoint:
        """Subgradient steps with plan attempts until ``until`` (or the gap closes).

        On large models an attempt runs in a helper thread (its HiGHS run in a child
        process) while the steps go on, so both cores work; on small ones it runs in
        line, at fixed steps, so that a run is repeatable.
        """
        dual, primal, inc = self.dual, self.primal, self.inc
        span = self.deadline - self.started

        def attempt(point: DualPoint, spent: float, limit: float) -> None:
            primal.pair_cost = pair_costs(dual, point)
            primal.from_open(
                point.sites.open_sites,
                site_scores(point),
                inc,
                limit_s=limit,
                gap=self.params.gap / 4,
                clock=spent,
                bound=max(self.bound_min, point.value),
                used=point.x > 1e-9,
            )

        def on_point(it: int, point: DualPoint) -> float | None:
            now = time.perf_counter()
            spent = now - self.started
            step = self.step_base + it
            if self.pending is not None:
                if not self.pending.done():
                    return inc.value if np.isfinite(inc.value) else None
                self.pending.result()
                self.pending = None
            if step < self.next_attempt or self.stop():
                return inc.value if np.isfinite(inc.value) else None
            if step == 1 and inc.values is not None:
                self.next_attempt = EVERY  # the first point's sites rarely beat a plan in hand
                return None
            # attempts at fixed steps (deterministic), further apart as they accumulate
            self.attempts += 1
            self.next_attempt = step + max(EVERY, self.attempts)
            n_open = int(point.sites.open_sites.sum())
            if inc.values is not None and n_open > 2 * int(primal.open_of(inc.values).sum()) + 10:
                return None  # far from a good plan and costly to solve
            limit = max(0.2, min(0.25 * (self.deadline - now), ATTEMPT_SHARE * span, until - now))
            if self.small:
                attempt(point, spent, limit)
            else:
                self.pending = self.pool.submit(attempt, point, spent, limit)
            return inc.value if np.isfinite(inc.value) else None

        ascent = dual.ascend(
            deadline=until,
            upper=inc.value,
            pi0=None if start is None else start.pi,
            target_gap=self.params.gap,
            max_iter=max_steps,
            stop=self.params.cancel.is_set,
            on_point=on_point,
        )
        self.step_base += ascent.iterations
        self.finish_attempt()
        best = ascent.best if start is None or ascent.best.value > start.value else start
        self.bound_min = max(self.bound_min, best.value)
        self.notes.append(
            f"Lagrangian bound {self.sign * best.value:.6g} after {ascent.iterations} step(s); "
            f"{len(primal.tried)} plan attempt(s) so far"
        )
        return best

    def phase_one(self, point: DualPoint) -> None:
        """Plans from the model with its most broken coupling row as the objective."""
        dual = self.dual
        viol = np.where(dual.kind == LE, -point.subgradient, point.subgradient)
        viol[dual.region_part] = -np.inf
        if not np.any(viol > 1e-9):
            return
        k = int(np.argmax(viol))
        row = int(dual.rows[k])
        a = self.model.A.getrow(row).toarray().ravel()
        minimise = dual.kind[k] == LE
        row_lb, row_ub = self.model.row_lb.copy(), self.model.row_ub.copy()
        limit = row_ub[row] if minimise else row_lb[row]
        row_lb[row], row_ub[row] = -np.inf, np.inf
        relaxed = replace(
            self.model, c=a if minimise else -a, c0=0.0, sense="min", row_lb=row_lb, row_ub=row_ub
        )
        left = self.deadline - time.perf_counter()
        sub = run_engine(
            relaxed,
            self.instance,
            self.params,
            deadline=time.perf_counter() + 0.5 * left,
            phase_one=False,
        )
        family = next(b.family for b in self.model.con_blocks if b.start <= row < b.stop)
        lhs = None if sub.values is None else float(a @ sub.values)
        self.notes.append(
            f"phase one on {family}: "
            + (
                "no plan"
                if lhs is None
                else f"least left-hand side found {lhs:.6g} (bound {limit:.6g})"
            )
        )
        if sub.values is not None:
            self.inc.offer(self.model, sub.values, f"phase one ({family})", time.perf_counter())
        if sub.bound is not None:
            best_possible = sub.bound if minimise else -sub.bound
            if (minimise and best_possible > limit * (1 + 1e-9) + 1e-9) or (
                not minimise and best_possible < limit * (1 - 1e-9) - 1e-9
            ):
                self.infeasible = True

    def improve(self, best: DualPoint) -> None:
        """Neighbourhood searches around the incumbent while they improve it."""
        self.primal.pair_cost = pair_costs(self.dual, best)
        score = site_scores(best)
        while (
            self.inc.values is not None
            and _gap(self.inc.value, self.bound_min) > self.params.gap
            and time.perf_counter() < self.deadline - 1.0
            and not self.stop()
        ):
            before = self.inc.value
            self.primal.neighbourhood(
                self.primal.open_of(self.inc.values),
                score,
                self.inc,
                limit_s=min(self.deadline - time.perf_counter(), 30.0),
                gap=self.params.gap / 4,
                clock=time.perf_counter() - self.started,
            )
            if self.inc.value >= before:
                break

    def exact(self) -> EngineResult:
        """HiGHS on the whole model from the incumbent; bounds combined."""
        left = self.deadline - time.perf_counter()
        run = run_mip(self.model, self.params, time_limit_s=max(left, 0.1), start=self.inc.values)
        if run.values is not None:
            self.inc.offer(self.model, run.values, "exact MIP", time.perf_counter())
        if run.bound is not None:
            self.bound_min = max(self.bound_min, self.sign * run.bound)
        self.notes.append("exact MIP from the best plan")
        if run.infeasible and self.inc.values is None:
            self.infeasible = True
        return self.result()

    infeasible = False
    fallback: Callable[[], np.ndarray | None] | None = None

    def result(self) -> EngineResult:
        self.pool.shutdown(wait=True)
        if not self.infeasible:
            self.ask_fallback()  # stopped early (a cancel, the deadline) without a plan of its own
        inc = self.inc
        if inc.rejected:
            by, broken = inc.rejected[-1]
            self.notes.append(
                f"{len(inc.rejected)} plan(s) rejected for breaking rows, e.g. {by}: "
                + ", ".join(f"{k} {v:.2g}" for k, v in broken.items())
            )
        if inc.values is None and not self.infeasible:
            self.notes.append("no plan found in time")
        if inc.values is not None:
            self.notes.append(f"best plan from {inc.found_by}")
        bound = self.sign * self.bound_min if np.isfinite(self.bound_min) else None
        infeasible = self.infeasible and inc.values is None
        return EngineResult(inc.values, None if infeasible else bound, infeasible, self.notes)
