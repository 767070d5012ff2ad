"""CP-SAT backend: the linear model scaled to integers with a stated resolution.

The translation and its rules (what is exact, what is rounded which way, why
every plan CP-SAT returns is feasible for the real model) are in
:mod:`solvers.backends.cpsat_translate`. The reported objective is recomputed
in float from the returned decisions, never taken from CP-SAT.

Presolve and start: the model of the instance with its interchangeable regions
merged is solved where that is exact (:mod:`solvers.backends.prepared`). Built
with an engine start (``solvers.solve`` does: :mod:`solvers.backends.cpsat_engine`),
the engine runs on it first for a share of the time and its plan (or the
caller's warm start) becomes CP-SAT's hint and its proven bound the lower end
of CP-SAT's objective domain (:mod:`solvers.backends.cpsat_start`); the better
plan and the tighter bound of the two are returned. Without one, a greedy plan
(or the caller's warm start) is the hint.

Threads and determinism: ``threads`` sets ``num_workers``. One worker with a
fixed ``random_seed`` repeats its plan; with several workers the portfolio's
workers race, so equally good plans may come back in different runs
(``deterministic = False``). ``interleave_search`` would make several workers
repeatable but ran about 8x slower on the test instances, so it is not used;
pass ``threads = 1`` when a repeatable CP-SAT plan matters.

Stopping: CP-SAT never handles SIGINT itself (``catch_sigint_signal`` is off:
its handler replaced the process's, aborted it on Ctrl-C and undid an inherited
SIG_IGN). The search runs in a helper thread
(:func:`solvers.runtime.run_bounded`) that calls ``stop_search`` on a
cancel request or at the deadline; the translation itself checks both every
few thousand rows. :func:`infeasible_families` reuses the translation with one
enforcement literal per constraint family and
``sufficient_assumptions_for_infeasibility`` to name the families in conflict.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.cpsat_start import EngineStart, StartFn, better_bound, hint
from gpuplace.solvers.backends.cpsat_translate import (
    TranslationStopped,
    restrict_objective,
    translate,
)
from gpuplace.solvers.backends.prepared import Prepared, prepare
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.model.builder import LinearModel
from gpuplace.solvers.result import Solution, SolveParameters, Status
from gpuplace.solvers.runtime import ABANDON_GRACE_S, run_bounded, usable_threads


def _solver(params: SolveParameters, workers: int | None = None):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(params.time_limit_s)
    solver.parameters.relative_gap_limit = float(params.gap)
    solver.parameters.num_workers = usable_threads(
        workers if workers is not None else params.threads
    )
    solver.parameters.random_seed = int(params.seed)
    solver.parameters.log_search_progress = bool(params.log)
    # CP-SAT would install its own SIGINT handler for the search (replacing the
    # caller's, and a SIG_IGN a background job started with) and abort the process
    # when Ctrl-C arrives; stopping is the cancel token's job (stop_search).
    solver.parameters.catch_sigint_signal = False
    return solver


class CpSatBackend(Backend):
    name = "cpsat"
    label = "CP-SAT"
    supports_warm_start = True
    integer_only = True
    proves_bound = True
    deterministic = False  # with threads > 1; see the module docstring

    def __init__(self, engine: StartFn | None = None) -> None:
        # the engine's plan and bound, run first (None: a greedy start, no bound)
        self.engine = engine

    @classmethod
    def is_available(cls) -> bool:
        try:
            from ortools.sat.python import cp_model  # noqa: F401
        except ImportError:
            return False
        return True

    @classmethod
    def version(cls) -> str:
        import ortools

        return f"CP-SAT (OR-Tools {ortools.__version__})"  # type: ignore[attr-defined]

    def _solve(self, run: Run) -> Solution:
        from ortools.sat.python import cp_model

        prepared = prepare(run, start=self.engine is None)
        model = prepared.model
        q = model.meta.get("share_quanta")
        if q:
            run.notes.append(f"CP-SAT share resolution 1/{q}")
        engine = EngineStart(None, None) if self.engine is None else self.engine(run, prepared)
        try:
            tr = translate(model, stop=run.should_stop)
        except ValueError as error:
            run.notes.append(f"cpsat cannot translate the model: {error}")
            return run.solution(None, Status.NO_SOLUTION)
        except TranslationStopped:
            run.notes.append(f"CP-SAT translation stopped by the {run.stop_reason()}")
            return _finish(run, prepared, engine, None, None)
        start = engine.values if engine.values is not None else prepared.start
        if start is not None:
            hint(tr, start)
        restricted = engine.bound is not None and restrict_objective(tr, model, engine.bound)
        solver = _solver(replace(run.params, time_limit_s=run.remaining_s(floor_s=0.01)))
        codes: list = []
        if not run_bounded(
            lambda: codes.append(solver.solve(tr.model)),
            run.deadline,
            run.cancel,
            solver.stop_search,
        ):
            run.notes.append(
                f"CP-SAT did not stop within {ABANDON_GRACE_S:g} s of the {run.stop_reason()}; "
                "its search thread ends at its next check"
            )
            return _finish(run, prepared, engine, None, None)
        code = codes[0]
        if code == cp_model.INFEASIBLE:
            if not restricted:
                return run.solution(None, Status.INFEASIBLE)
            run.notes.append("CP-SAT found no plan with an objective within the engine's bound")
        if code == cp_model.MODEL_INVALID:
            run.notes.append(f"CP-SAT model invalid: {tr.model.validate()}")
            return run.solution(None, Status.NO_SOLUTION)
        bound = None
        if tr.obj_scale and code in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
            bound = float(solver.best_objective_bound) / tr.obj_scale + float(model.c0)
        values = None
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = np.asarray(solver.response_proto.solution, dtype=float)[tr.z] * tr.step
        return _finish(run, prepared, engine, values, bound, optimal=code == cp_model.OPTIMAL)


def _finish(
    run: Run,
    prepared: Prepared,
    engine: EngineStart,
    values: np.ndarray | None,
    bound: float | None,
    *,
    optimal: bool = False,
) -> Solution:
    """The better of CP-SAT's plan and the engine's, with the tighter of their bounds.

    ``values`` and the plans are of the presolved model; ``optimal``: CP-SAT proved
    its plan within the gap. Without either plan: the caller's warm start, else no plan.
    """
    model = prepared.model
    bound = better_bound(bound, engine.bound, model.sense)
    if engine.values is not None and (values is None or _better(model, engine.values, values)):
        run.notes.append(
            "the engine's plan is kept: CP-SAT "
            + ("found no plan" if values is None else "found only a worse one")
        )
        values, optimal = engine.values, False
    if values is None:
        if run.warm is not None:
            run.notes.append(f"CP-SAT found no plan before the {run.stop_reason()}")
            return run.fallback()
        return run.solution(None, Status.NO_SOLUTION, bound, interrupted=True)
    return run.plan(
        prepared.lift(values),
        bound,
        optimal=optimal,
        interrupted=run.cancel.cancelled or not optimal,
    )


def _better(model: LinearModel, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether values ``a`` have a strictly better objective than ``b`` (beyond round-off)."""
    va, vb = float(model.c @ a), float(model.c @ b)
    tol = 1e-9 * max(1.0, abs(va), abs(vb))
    return va < vb - tol if model.sense == "min" else va > vb + tol


def infeasible_families(
    model: LinearModel, time_limit_s: float = 10.0, cancel: CancelToken | None = None
) -> list[str] | None:
    """Constraint families that together make ``model`` infeasible, or None if not proven.

    Every family's rows are enforced by one literal assumed true; CP-SAT's
    ``sufficient_assumptions_for_infeasibility`` names a sufficient subset.
    The search stops at ``time_limit_s`` or once ``cancel`` is cancelled.
    """
    from ortools.sat.python import cp_model

    cancel = cancel or CancelToken()
    try:
        tr = translate(model, enforce_families=True, stop=cancel.is_set)
    except (ValueError, TranslationStopped):
        return None
    tr.model.clear_objective()
    tr.model.add_assumptions(list(tr.literals.values()))
    solver = _solver(SolveParameters(time_limit_s=time_limit_s, gap=0.0), workers=1)
    codes: list = []
    deadline = time.perf_counter() + time_limit_s

    def work() -> None:
        codes.append(solver.solve(tr.model))

    if not run_bounded(work, deadline, cancel, solver.stop_search):
        return None
    if codes[0] != cp_model.INFEASIBLE:
        return None
    core = set(solver.sufficient_assumptions_for_infeasibility())
    return [family for family, lit in tr.literals.items() if lit.index in core]


__all__ = ["CpSatBackend", "infeasible_families"]
