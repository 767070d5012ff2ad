"""Survivable plans by failover cuts: an LP cut loop, then MIP rounds with a repaired incumbent.

The full problem is the plain model plus every failover capacity cut
(:mod:`gpuplace.resilience.cuts`); each cut involves the GPU (and unserved)
variables only, so a model holding some of them is a relaxation and its bound is
valid. :class:`CutLoop` runs above :func:`solvers.solve`, passing its rows as
constraint pieces (``extra_pieces``) on the instance with the flag off:

1. **A-priori rows** (:class:`~gpuplace.resilience.loop_rows.LoopRows`).
   Neighbourhood-closure cuts go into the model when the pool is small, else each
   round adds those the answer breaks; two open sites within each region's
   failover reach; and the spread rows of every closure and every cut (the
   capacity a region set needs for the number of sites it spreads over), which
   close most of the LP gap that fixed costs leave.
2. **LP rounds.** Solve the LP relaxation, add every violated cut of the pool or,
   when the pool holds none, the minimum cut of every site's loss at the fractional
   capacities; repeat until the LP breaks none. Cheap, and it finds most cuts the
   integer plan needs.
3. **MIP rounds.** Solve the MIP with the cuts so far and add the violated cuts
   (pool and minimum cuts split into components) of the failures that bite.
   Rounds whose answer still breaks failures run at a looser gap (``early_gap``);
   once an answer survives, the requested gap applies.
4. **Repair.** Each answer that breaks a failure is repaired into a survivable
   plan by adding GPUs (:func:`~gpuplace.resilience.repair.repair_survivable`).
5. **Certification.** Every answer and every repaired plan is checked against
   every single-site failure with the failover LP
   (:func:`~gpuplace.resilience.certify.biting_failures`); the best that survives
   is the incumbent, passed as the next round's warm start, and the largest round
   bound is the lower bound. Stop when the incumbent is within the gap of the bound.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from gpuplace.resilience.certify import biting_failures
from gpuplace.resilience.cuts import Cut
from gpuplace.resilience.loop_rows import LoopRows, RowOptions
from gpuplace.resilience.repair import repair_survivable
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.api import solve
from gpuplace.solvers.backends.solution import empty_solution
from gpuplace.solvers.model import LinearModel, build_model
from gpuplace.solvers.model.objective import sense as objective_sense
from gpuplace.solvers.reachable import ReachablePairs
from gpuplace.solvers.result import Solution, SolveParameters, Status, gap_of, status_from_gap

__all__ = ["CutLoop", "CutLoopOptions", "RoundLog", "without_flag"]

_SOLVED = (Status.OPTIMAL, Status.FEASIBLE)
LP_ROUND_NNZ = 500_000  # LP rounds only on models up to this many nonzeros
LP_ROUNDS_LEFT = 0.5  # LP rounds stop once less than this share of the time is left
FIRST_ROUNDS_SHARE = 0.5


@dataclass(frozen=True)
class CutLoopOptions:
    """Switches of the cut loop (each can be turned off to measure what it buys).

    Attributes
    ----------
    apriori : bool
        Use the neighbourhood-closure pool.
    min_open : bool
        Add the two-open-sites rows (:func:`~gpuplace.resilience.cuts.min_open_rows`).
    spread : bool
        Add the spread rows of every closure and every cut found (skipped when
        demand may go unserved).
    pool_in_model : bool or None
        Put the whole pool into the model from the start (None: when it holds at most
        :data:`~gpuplace.resilience.loop_rows.POOL_NNZ_MAX` GPU coefficients);
        otherwise only its violated cuts.
    lp_rounds : int
        At most this many LP-relaxation rounds before the first MIP (0: none).
    repair : bool
        Repair each MIP answer into a survivable incumbent.
    early_gap : float or None
        Relative gap of MIP rounds whose answer is not yet known to survive
        (never tighter than the requested gap); None: the requested gap throughout.
    """

    apriori: bool = True
    min_open: bool = True
    spread: bool = True
    pool_in_model: bool | None = None
    lp_rounds: int = 50
    repair: bool = True
    early_gap: float | None = 0.05

    def rows(self) -> RowOptions:
        """The a-priori switches."""
        return RowOptions(self.apriori, self.min_open, self.spread, self.pool_in_model)


@dataclass
class RoundLog:
    """One round of the loop (for notes, benchmarks and tests)."""

    phase: str  # "lp" | "mip"
    seconds: float
    cuts_in_model: int
    new_cuts: int
    objective: float | None = None
    bound: float | None = None
    biting: int = 0
    incumbent: float | None = None
    gap: float | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def without_flag(instance: Instance) -> Instance:
    """``instance`` with ``survive_site_failure`` off: the model holds only the loop's rows."""
    constraints = dataclasses.replace(instance.constraints, survive_site_failure=False)
    return dataclasses.replace(instance, constraints=constraints)


def _lp_relaxation(model: LinearModel, time_limit_s: float) -> tuple[np.ndarray, float] | None:
    """(values, objective) of the LP relaxation of ``model`` (HiGHS via scipy), or None."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    sign = 1.0 if model.sense == "min" else -1.0
    result = milp(
        sign * model.c,
        constraints=LinearConstraint(model.A, model.row_lb, model.row_ub),
        integrality=np.zeros(model.n_vars),
        bounds=Bounds(model.col_lb, model.col_ub),
        options={"time_limit": max(1.0, time_limit_s), "disp": False},
    )
    if result.status != 0 or result.x is None:
        return None
    return result.x, float(model.c @ result.x + model.c0)


def _capacity_served(
    instance: Instance, model: LinearModel, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Site capacities at 100 % [S] and served demand [R] of a (fractional) value vector."""
    S, T = instance.n_sites, instance.n_types
    gpus = instance.site_existing_gpus + np.maximum(model.values(x, "gpus"), 0.0).reshape(S, T)
    capacity = gpus @ instance.gpu_throughput
    served = instance.region_demand.astype(float).copy()
    if "unserved" in model.var_blocks:
        served = np.maximum(served - model.values(x, "unserved"), 0.0)
    return capacity, served


class CutLoop:
    """The survivable cut loop (module docstring) for one instance.

    Parameters
    ----------
    instance : Instance
        The scenario (``failover_sla_factor >= 1``); its flag is not read.
    solver : str
        Backend name for the MIP rounds.
    params : SolveParameters
        Time limit for the whole loop, requested gap, threads, seed.
    pairs : ReachablePairs
        Pairs within the failover SLA.
    options : CutLoopOptions
        Which accelerations run.
    max_rounds : int
        Safety stop on MIP rounds.
    log : list of RoundLog, optional
        Receives one entry per round.
    """

    def __init__(
        self,
        instance: Instance,
        solver: str,
        params: SolveParameters,
        pairs: ReachablePairs,
        *,
        options: CutLoopOptions = CutLoopOptions(),
        max_rounds: int = 200,
        log: list[RoundLog] | None = None,
    ) -> None:
        self.instance = instance
        self.base = without_flag(instance)
        self.solver, self.params, self.pairs = solver, params, pairs
        self.options, self.max_rounds = options, max_rounds
        self.log = log if log is not None else []
        self.started = time.perf_counter()
        self.deadline = self.started + params.time_limit_s
        self.minimise = objective_sense(instance) == "min"
        self._rows: LoopRows | None = None
        self.best: Solution | None = None
        self.bound: float | None = None
        self.last: Solution | None = None
        self.survived_at_early_gap = False
        self._base_model: LinearModel | None = None

    @property
    def rows(self) -> LoopRows:
        """The a-priori rows and the cuts so far (made by :meth:`run`)."""
        assert self._rows is not None, "run() makes the rows"
        return self._rows

    def run(self, warm_start: Solution | None = None) -> Solution:
        """A-priori rows, LP rounds, then MIP rounds with repair and certification."""
        self._rows = LoopRows(self.instance, self.pairs, self.options.rows())
        self.lp_rounds()
        failed = self.mip_rounds(warm_start)
        return failed if failed is not None else self.finish()

    def cancelled(self) -> bool:
        """Whether the solve's cancel token was cancelled (the loop's one look at it)."""
        return self.params.cancel.cancelled

    def lp_rounds(self) -> None:
        """Cut the LP relaxation until it breaks no failover cut (or time or rounds run out)."""
        rows = self.rows
        for _ in range(self.options.lp_rounds):
            tic = time.perf_counter()
            if self.deadline - tic < LP_ROUNDS_LEFT * self.params.time_limit_s or self.cancelled():
                break
            model = build_model(self.base, extra_pieces=rows.pieces())
            if model.A.nnz > LP_ROUND_NNZ:
                break  # a large LP takes the time the engine's rounds need
            lp = _lp_relaxation(model, self.deadline - tic)
            if lp is None:
                break
            x, value = lp
            capacity, served = _capacity_served(self.instance, model, x)
            # The pool is checked at once; the minimum cut of every loss only when it is clean.
            new = rows.new_cuts(capacity, served, [])
            if not new:
                failures = [int(f) for f in rows.usable if capacity[f] > 1e-9]
                new = rows.new_cuts(capacity, served, failures, pool=False)
            rows.add(new)
            entry = RoundLog(
                "lp", time.perf_counter() - tic, len(rows.cuts), len(new), value, value
            )
            self.log.append(entry)
            if not new:
                break

    def mip_rounds(self, hint: Solution | None) -> Solution | None:
        """MIP rounds until the incumbent is within the gap; a Solution only when the loop fails."""
        for round_number in range(1, self.max_rounds + 1):
            tic = time.perf_counter()
            if self.best is not None and (self.deadline - tic <= 0 or self.cancelled()):
                return None
            gap = self._round_gap()
            solution, entry = self._solve_round(gap, hint)
            if solution.status not in _SOLVED:
                entry.seconds = time.perf_counter() - tic
                if self.best is not None and solution.status == Status.NO_SOLUTION:
                    return None
                note = (
                    f"survive_site_failure: round {round_number}, "
                    f"{len(self.rows.cuts)} cut(s) in the model"
                )
                wall_s = time.perf_counter() - self.started
                return dataclasses.replace(solution, wall_s=wall_s, notes=solution.notes + (note,))
            biting, new = self.certify(solution, entry, gap)
            entry.seconds = time.perf_counter() - tic
            if self.best is not None and (gap_of(self.best.objective, self.bound) or np.inf) <= (
                self.params.gap + 1e-9
            ):
                return None
            if not biting:
                if gap <= self.params.gap:
                    # The round's own gap holds (an answer that survives); the bound is the round's.
                    return None
                hint = self.best
                continue
            if not new:
                why = (
                    f"solver {self.solver!r} returned a plan that breaks rows already in the model"
                )
                return self._no_plan(why, solution, solution.bound, solution.interrupted)
            self.rows.add(new)
            hint = self.best if self.best is not None else solution
            if time.perf_counter() >= self.deadline and self.best is None:
                return self._no_plan("time ran out", solution, self.bound, True)
        return None

    def _round_gap(self) -> float:
        """The requested gap, or ``early_gap`` while no answer is known to survive."""
        early_gap = self.options.early_gap
        if early_gap and not self.survived_at_early_gap:
            return max(self.params.gap, early_gap)
        return self.params.gap

    def _solve_round(self, gap: float, hint: Solution | None) -> tuple[Solution, RoundLog]:
        """Solve the MIP with the rows so far; the answer and its log entry."""
        remaining = self.deadline - time.perf_counter()
        # until a plan survives, a round keeps half the time for the rounds its cuts call for
        share = 1.0 if self.best is not None else FIRST_ROUNDS_SHARE
        params = dataclasses.replace(self.params, time_limit_s=max(1.0, share * remaining), gap=gap)
        pieces = self.rows.pieces()
        solution = solve(self.base, self.solver, params, hint, extra_pieces=pieces)
        self.last = solution
        n_cuts = len(self.rows.cuts)
        entry = RoundLog("mip", 0.0, n_cuts, 0, solution.objective, solution.bound, gap=gap)
        self.log.append(entry)
        return solution, entry

    def certify(
        self, solution: Solution, entry: RoundLog, gap: float
    ) -> tuple[list[int], list[Cut]]:
        """Check every single-site failure of an answer; repair it; keep the best survivor.

        Returns the failures that bite and the new violated cuts they give.
        """
        if solution.bound is not None and np.isfinite(solution.bound):
            bound = solution.bound if self.bound is None else self.bound
            self.bound = max(bound, solution.bound) if self.minimise else min(bound, solution.bound)
        instance = self.instance
        biting = biting_failures(instance, solution, self.pairs)
        entry.biting = len(biting)
        candidate = solution if not biting else None
        new: list[Cut] = []
        if biting:
            gpus = instance.site_existing_gpus + np.asarray(solution.new_gpus, dtype=np.int64)
            capacity = gpus @ instance.gpu_throughput
            served = np.maximum(instance.region_demand - solution.unserved, 0.0)
            new = self.rows.new_cuts(capacity, served, biting)
            candidate = self.repair(solution)
        elif gap > self.params.gap:
            self.survived_at_early_gap = True
        if candidate is not None and (self.best is None or self._better(candidate, self.best)):
            self.best = candidate
        entry.new_cuts = len(new)
        entry.incumbent = None if self.best is None else self.best.objective
        return biting, new

    def repair(self, solution: Solution) -> Solution | None:
        """``solution`` repaired into a plan that survives every single-site failure, or None."""
        if not self.options.repair:
            return None
        if self._base_model is None:
            self._base_model = build_model(self.base)
        repaired = repair_survivable(self.instance, self._base_model, solution, self.pairs)
        if repaired is None or biting_failures(self.instance, repaired, self.pairs):
            return None
        return repaired

    def _better(self, a: Solution, b: Solution) -> bool:
        assert a.objective is not None and b.objective is not None  # both are plans
        return a.objective < b.objective if self.minimise else a.objective > b.objective

    def _no_plan(
        self, why: str, solution: Solution, bound: float | None, interrupted: bool
    ) -> Solution:
        return empty_solution(
            self.instance,
            Status.NO_SOLUTION,
            self.started,
            solution.backend,
            solution.backend_version,
            bound=bound,
            interrupted=interrupted,
            notes=(f"survive_site_failure: no survivable plan found ({why})",),
        )

    def finish(self) -> Solution:
        """The incumbent with the loop's bound, status and notes (NO_SOLUTION without one)."""
        best, bound, gap = self.best, self.bound, self.params.gap
        if best is None:
            return empty_solution(
                self.instance,
                Status.NO_SOLUTION,
                self.started,
                self.solver,
                "",
                bound=bound,
                notes=(f"survive_site_failure: no survivable plan after {self.max_rounds} rounds",),
            )
        lp_n = sum(1 for e in self.log if e.phase == "lp")
        mip_n = sum(1 for e in self.log if e.phase == "mip")
        status = status_from_gap(best.objective, bound, gap)
        note = (
            f"survive_site_failure: every single-site failure checked; {len(self.rows.cuts)} "
            f"cut(s) in the model after {lp_n} LP and {mip_n} MIP round(s)"
        )
        interrupted = bool(self.last is not None and self.last.interrupted)
        if bound is not None and best.objective is not None:
            bound = min(bound, best.objective) if self.minimise else max(bound, best.objective)
        late = status != Status.OPTIMAL and time.perf_counter() >= self.deadline
        return dataclasses.replace(
            best,
            status=status,
            bound=bound,
            interrupted=interrupted or self.cancelled() or late,
            wall_s=time.perf_counter() - self.started,
            notes=best.notes + (note,),
        )
