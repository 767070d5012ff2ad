"""CP-SAT backend: the linear model scaled to integers with a stated resolution.

CP-SAT is integer-only. The model is translated exactly where possible and
conservatively otherwise, so that **every plan CP-SAT returns is feasible for
the real (float) model**:

Variables
    Integer variables keep their domain. A continuous variable v with a
    declared ``step`` becomes ``v = step × z`` with integer z. The placement
    model declares ``step = 1 / Q`` for shares and ``D_r / Q`` for unserved
    demand, where ``Q`` (default 1000, rounded up to a multiple of the
    redundancy k) is the number of share quanta per region, so the assignment
    rows stay exact in integers. Shares are therefore multiples of 1/Q: the
    CP-SAT model is a *restriction* of the continuous one, and its optimum may
    lie slightly above the continuous optimum (with single sourcing shares are
    binary and nothing is lost).
Rows
    Each row's coefficients (times the steps) are multiplied by the smallest
    power of ten (<= 10^6) that makes them integral; when none does, by a
    factor giving at least 10^3 units for the smallest coefficient (capped to
    avoid int64 overflow) and rounded *conservatively*: for ``<= ub`` rows
    coefficients are rounded up and ub down, for ``>= lb`` rows coefficients
    down and lb up (all variables are >= 0). Any integer point satisfying the
    rounded row satisfies the real one.
Objective
    Coefficients are scaled by K and rounded down (minimisation) or up
    (maximisation), so the scaled objective never exceeds (resp. never falls
    below) K × the real one. CP-SAT's best bound divided by K is then a valid
    bound on the real objective **of the quantised model** (exactly so with
    single sourcing). The reported objective is recomputed in float from the
    returned decisions, never taken from CP-SAT.

Warm starts are passed as hints. :func:`infeasible_families` reuses the
translation with one enforcement literal per constraint family and
``sufficient_assumptions_for_infeasibility`` to name the families in conflict.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from scenario.instance import Instance
from solvers.backends.base import Backend, make_solution, status_from_gap, warm_start_vector
from solvers.model.builder import LinearModel
from solvers.result import Solution, SolveParameters, Status

_EXACT_POWERS = (1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6)
_MAX_COEF = 2.0**40
_MAX_ACTIVITY = 2.0**60
_MIN_UNITS = 1e3
_INT_CAP = 2**40


@dataclass
class _Translation:
    model: object  # cp_model.CpModel
    z: list  # IntVar per model variable
    step: np.ndarray
    obj_scale: float
    literals: dict[str, object]


def _near_int(values: np.ndarray) -> bool:
    return bool(np.all(np.abs(values - np.rint(values)) <= 1e-9 * np.maximum(1.0, np.abs(values))))


def _row_factor(a: np.ndarray, zmax: np.ndarray, ends: np.ndarray) -> tuple[float, bool]:
    """(factor, exact) for one row's coefficients ``a`` given |z| maxima."""
    activity = float(np.sum(np.abs(a) * zmax))
    cap = _MAX_ACTIVITY / max(activity, 1e-300)
    big = float(np.max(np.abs(a))) if a.size else 1.0
    for f in _EXACT_POWERS:
        if f > cap or big * f > _MAX_COEF:
            break
        if _near_int(a * f) and _near_int(ends * f):
            return f, True
    small = float(np.min(np.abs(a[a != 0]))) if np.any(a != 0) else 1.0
    f = min(cap, _MAX_COEF / big, max(_MIN_UNITS / small, 1e6 / big))
    return f, False


def _domains(model: LinearModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    step = np.where(model.integer, 1.0, model.step)
    if np.any(~model.integer & ~np.isfinite(step)):
        raise ValueError("a continuous variable has no quantisation step")
    if np.any(model.col_lb < 0):
        raise ValueError("CP-SAT translation needs variables >= 0")
    lo = np.ceil(model.col_lb / step - 1e-9)
    hi = np.floor(np.minimum(model.col_ub / step + 1e-9, _INT_CAP))
    return step, lo.astype(np.int64), np.maximum(hi, lo).astype(np.int64)


def translate(model: LinearModel, enforce_families: bool = False) -> _Translation:
    """Build the CP-SAT model (see the module docstring for the scaling rules)."""
    from ortools.sat.python import cp_model

    cp = cp_model.CpModel()
    step, lo, hi = _domains(model)
    z = [cp.new_int_var(int(lo[j]), int(hi[j]), f"v{j}") for j in range(model.n_vars)]
    zmax = np.maximum(np.abs(lo), np.abs(hi)).astype(float)
    literals: dict[str, object] = {}
    if enforce_families:
        for family in model.families():
            literals[family] = cp.new_bool_var(f"enforce[{family}]")
    A = model.A.tocsr()
    for block in model.con_blocks:
        lit = literals.get(block.family)
        for i in range(block.start, block.stop):
            cols = A.indices[A.indptr[i] : A.indptr[i + 1]]
            a = A.data[A.indptr[i] : A.indptr[i + 1]] * step[cols]
            lb, ub = float(model.row_lb[i]), float(model.row_ub[i])
            ends = np.array([e for e in (lb, ub) if np.isfinite(e)])
            f, exact = _row_factor(a, zmax[cols], ends)
            vars_i = [z[c] for c in cols]
            cons = []
            if exact:
                coefs = np.rint(a * f).astype(np.int64).tolist()
                lo_i = math.ceil(lb * f - 1e-9) if np.isfinite(lb) else cp_model.INT_MIN
                hi_i = math.floor(ub * f + 1e-9) if np.isfinite(ub) else cp_model.INT_MAX
                cons.append(
                    cp.add_linear_constraint(
                        cp_model.LinearExpr.weighted_sum(vars_i, coefs), lo_i, hi_i
                    )
                )
            else:
                if np.isfinite(ub):
                    coefs = np.ceil(a * f - 1e-12).astype(np.int64).tolist()
                    expr = cp_model.LinearExpr.weighted_sum(vars_i, coefs)
                    cons.append(cp.add(expr <= math.floor(ub * f + 1e-9)))
                if np.isfinite(lb):
                    coefs = np.floor(a * f + 1e-12).astype(np.int64).tolist()
                    expr = cp_model.LinearExpr.weighted_sum(vars_i, coefs)
                    cons.append(cp.add(expr >= math.ceil(lb * f - 1e-9)))
            if lit is not None:
                for ct in cons:
                    ct.only_enforce_if(lit)
    c = model.c * step
    nz = np.flatnonzero(c)
    obj_scale = 1.0
    if nz.size:
        obj_scale, exact = _row_factor(c[nz], zmax[nz], np.empty(0))
        scaled = c[nz] * obj_scale
        rounded = (
            np.rint(scaled)
            if exact
            else (np.floor(scaled) if model.sense == "min" else np.ceil(scaled))
        )
        expr = cp_model.LinearExpr.weighted_sum(
            [z[j] for j in nz], rounded.astype(np.int64).tolist()
        )
        if model.sense == "min":
            cp.minimize(expr)
        else:
            cp.maximize(expr)
    return _Translation(cp, z, step, obj_scale, literals)


def _solver(params: SolveParameters, workers: int | None = None):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(params.time_limit_s)
    solver.parameters.relative_gap_limit = float(params.gap)
    solver.parameters.num_workers = max(1, int(workers if workers is not None else params.threads))
    solver.parameters.random_seed = int(params.seed)
    solver.parameters.log_search_progress = bool(params.log)
    return solver


class CpSatBackend(Backend):
    name = "cpsat"
    supports_warm_start = True
    integer_only = True
    proves_bound = True

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

        return f"CP-SAT (OR-Tools {ortools.__version__})"

    def solve(
        self,
        model: LinearModel,
        instance: Instance,
        params: SolveParameters,
        warm_start: Solution | None = None,
    ) -> Solution:
        from ortools.sat.python import cp_model

        started = time.perf_counter()
        version = self.version()
        q = model.meta.get("share_quanta")
        notes: list[str] = [f"CP-SAT share resolution 1/{q}"] if q else []
        try:
            tr = translate(model)
        except ValueError as error:
            notes.append(f"cpsat cannot translate the model: {error}")
            return make_solution(
                model,
                instance,
                None,
                Status.NO_SOLUTION,
                None,
                started,
                self.name,
                version,
                False,
                tuple(notes),
            )
        if warm_start is not None and warm_start.objective is not None:
            hint = np.rint(warm_start_vector(model, instance, warm_start) / tr.step).astype(
                np.int64
            )
            for var, value in zip(tr.z, hint.tolist(), strict=True):
                tr.model.add_hint(var, value)
            notes.append(
                f"warm start from {warm_start.backend} (objective {warm_start.objective:.6g})"
            )
        solver = _solver(params)
        code = solver.solve(tr.model)
        if code == cp_model.INFEASIBLE:
            return make_solution(
                model,
                instance,
                None,
                Status.INFEASIBLE,
                None,
                started,
                self.name,
                version,
                False,
                tuple(notes),
            )
        if code == cp_model.MODEL_INVALID:
            notes.append(f"CP-SAT model invalid: {tr.model.validate()}")
            return make_solution(
                model,
                instance,
                None,
                Status.NO_SOLUTION,
                None,
                started,
                self.name,
                version,
                False,
                tuple(notes),
            )
        bound = None
        if tr.obj_scale and code in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
            bound = float(solver.best_objective_bound) / tr.obj_scale + float(model.c0)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return make_solution(
                model,
                instance,
                None,
                Status.NO_SOLUTION,
                bound,
                started,
                self.name,
                version,
                True,
                tuple(notes),
            )
        values = np.array([solver.value(v) for v in tr.z], dtype=float) * tr.step
        sol = make_solution(
            model,
            instance,
            values,
            Status.FEASIBLE,
            bound,
            started,
            self.name,
            version,
            code != cp_model.OPTIMAL,
            tuple(notes),
        )
        status = (
            Status.OPTIMAL
            if code == cp_model.OPTIMAL
            else status_from_gap(sol.objective, sol.bound, params.gap)
        )
        return replace(sol, status=status)


def infeasible_families(model: LinearModel, time_limit_s: float = 10.0) -> list[str] | None:
    """Constraint families that together make ``model`` infeasible, or None if not proven.

    Every family's rows are enforced by one literal assumed true; CP-SAT's
    ``sufficient_assumptions_for_infeasibility`` names a sufficient subset.
    """
    from ortools.sat.python import cp_model

    try:
        tr = translate(model, enforce_families=True)
    except ValueError:
        return None
    tr.model.clear_objective()
    tr.model.add_assumptions(list(tr.literals.values()))
    solver = _solver(SolveParameters(time_limit_s=time_limit_s, gap=0.0), workers=1)
    code = solver.solve(tr.model)
    if code != cp_model.INFEASIBLE:
        return None
    core = set(solver.sufficient_assumptions_for_infeasibility())
    return [family for family, lit in tr.literals.items() if lit.index in core]
