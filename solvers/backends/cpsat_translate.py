"""The linear model scaled to integers for CP-SAT, with a stated resolution.

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

The translation looks at its ``stop`` callable every few thousand rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.model.builder import LinearModel

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

_EXACT_POWERS = (1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6)
_MAX_COEF = 2.0**40
_MAX_ACTIVITY = 2.0**60
_MIN_UNITS = 1e3
_INT_CAP = 2**40


@dataclass
class Translation:
    """The CP-SAT model and the map back: model variable j is ``step[j]`` × CP-SAT variable ``z[j]``."""

    model: cp_model.CpModel
    z: np.ndarray  # CP-SAT variable index of each model variable
    step: np.ndarray
    obj_scale: float
    literals: dict[str, cp_model.IntVar]


class TranslationStopped(Exception):
    """The translation's ``stop`` said to stop before it finished."""


# Rows translated between two looks at ``stop``.
_CHECK_EVERY_ROWS = 4096


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


def _row_reduce(
    ufunc: np.ufunc, values: np.ndarray, indptr: np.ndarray, empty: float
) -> np.ndarray:
    """``ufunc.reduce`` of each CSR row's ``values`` (``empty`` for rows without entries)."""
    n = indptr.shape[0] - 1
    out = np.full(n, empty, dtype=float)
    nonempty = np.flatnonzero(np.diff(indptr) > 0)
    if nonempty.size:
        out[nonempty] = ufunc.reduceat(values, indptr[nonempty])
    return out


def _rows_with(bad: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Rows holding at least one entry flagged in ``bad``."""
    return np.bincount(rows[bad], minlength=n) > 0


def _not_int(values: np.ndarray) -> np.ndarray:
    return np.abs(values - np.rint(values)) > 1e-9 * np.maximum(1.0, np.abs(values))


def _row_factors(
    a: sp.csr_matrix, zmax: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(factor, exact) per row of ``a``: :func:`_row_factor` for every row at once."""
    n = a.shape[0]
    rows = np.repeat(np.arange(n), np.diff(a.indptr))
    absd = np.abs(a.data)
    activity = np.bincount(rows, weights=absd * zmax[a.indices], minlength=n)
    cap = _MAX_ACTIVITY / np.maximum(activity, 1e-300)
    big = _row_reduce(np.maximum, absd, a.indptr, 1.0)
    factor = np.full(n, np.nan)
    trying = np.ones(n, dtype=bool)
    lb_f, ub_f = np.isfinite(lb), np.isfinite(ub)
    for f in _EXACT_POWERS:
        trying &= (f <= cap) & (big * f <= _MAX_COEF) & np.isnan(factor)
        if not trying.any():
            break
        ok = trying & ~_rows_with(_not_int(a.data * f), rows, n)
        ok &= ~(lb_f & _not_int(np.where(lb_f, lb, 0.0) * f))
        ok &= ~(ub_f & _not_int(np.where(ub_f, ub, 0.0) * f))
        factor[ok] = f
    exact = ~np.isnan(factor)
    small = _row_reduce(np.minimum, np.where(absd > 0, absd, np.inf), a.indptr, np.inf)
    small = np.where(np.isfinite(small), small, 1.0)
    safe_big = np.where(big > 0, big, 1.0)
    loose = np.minimum(
        np.minimum(cap, _MAX_COEF / safe_big), np.maximum(_MIN_UNITS / small, 1e6 / safe_big)
    )
    return np.where(exact, factor, loose), exact


def _domains(model: LinearModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    step = np.where(model.integer, 1.0, model.step)
    if np.any(~model.integer & ~np.isfinite(step)):
        raise ValueError("a continuous variable has no quantisation step")
    if np.any(model.col_lb < 0):
        raise ValueError("CP-SAT translation needs variables >= 0")
    lo = np.ceil(model.col_lb / step - 1e-9)
    hi = np.floor(np.minimum(model.col_ub / step + 1e-9, _INT_CAP))
    return step, lo.astype(np.int64), np.maximum(hi, lo).astype(np.int64)


def _int_ends(values: np.ndarray, up: bool) -> np.ndarray:
    """Row ends rounded inward (``up``: ceil for lower ends) as int64, infinite -> INT_MIN/MAX."""
    from ortools.sat.python import cp_model

    finite = np.isfinite(values)
    rounded = np.ceil(values - 1e-9) if up else np.floor(values + 1e-9)
    rounded = np.clip(np.where(finite, rounded, 0.0), -(2.0**62), 2.0**62).astype(np.int64)
    fill = cp_model.INT_MIN if up else cp_model.INT_MAX
    return np.where(finite, rounded, fill)


def translate(
    model: LinearModel,
    enforce_families: bool = False,
    stop: Callable[[], bool] | None = None,
) -> Translation:
    """Build the CP-SAT model (see the module docstring for the scaling rules).

    Parameters
    ----------
    enforce_families
        One enforcement literal per constraint family (``literals``), for
        :func:`solvers.backends.cpsat.infeasible_families`.
    stop
        Looked at every few thousand rows; True ends the translation.

    Raises
    ------
    ValueError
        A continuous variable without a step, or a negative lower bound.
    TranslationStopped
        ``stop()`` returned True.
    """
    from ortools.sat.python import cp_model

    cp = cp_model.CpModel()
    proto = cp.proto
    step, lo, hi = _domains(model)
    for low, high in zip(lo.tolist(), hi.tolist(), strict=True):
        proto.variables.add().domain.extend((low, high))
    z = np.arange(model.n_vars, dtype=np.int64)
    zmax = np.maximum(np.abs(lo), np.abs(hi)).astype(float)
    literals: dict[str, cp_model.IntVar] = {}
    if enforce_families:
        for family in model.families():
            literals[family] = cp.new_bool_var(f"enforce[{family}]")
    a = model.A.tocsr()
    a = sp.csr_matrix((a.data * step[a.indices], a.indices, a.indptr), shape=a.shape)
    lb, ub = model.row_lb.astype(float), model.row_ub.astype(float)
    factor, exact = _row_factors(a, zmax, lb, ub)
    rows = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
    scaled = a.data * factor[rows]
    exact_e = exact[rows]
    # Exact rows keep rounded coefficients; inexact ones round conservatively per side.
    up = np.where(exact_e, np.rint(scaled), np.ceil(scaled - 1e-12)).astype(np.int64).tolist()
    down = np.where(exact_e, np.rint(scaled), np.floor(scaled + 1e-12)).astype(np.int64).tolist()
    lo_i = _int_ends(lb * factor, up=True).tolist()
    hi_i = _int_ends(ub * factor, up=False).tolist()
    indices = a.indices.tolist()
    indptr = a.indptr.tolist()
    exact_l = exact.tolist()
    has_lb, has_ub = np.isfinite(lb).tolist(), np.isfinite(ub).tolist()
    int_min, int_max = cp_model.INT_MIN, cp_model.INT_MAX
    for block in model.con_blocks:
        lit = literals.get(block.family)
        lit_index = lit.index if lit is not None else None
        for i in range(block.start, block.stop):
            if stop is not None and i % _CHECK_EVERY_ROWS == 0 and stop():
                raise TranslationStopped
            j0, j1 = indptr[i], indptr[i + 1]
            cols = indices[j0:j1]
            if exact_l[i]:
                sides = [(up[j0:j1], lo_i[i], hi_i[i])]
            else:
                sides = []
                if has_ub[i]:
                    sides.append((up[j0:j1], int_min, hi_i[i]))
                if has_lb[i]:
                    sides.append((down[j0:j1], lo_i[i], int_max))
            for coefs, low, high in sides:
                ct = proto.constraints.add()
                ct.linear.vars.extend(cols)
                ct.linear.coeffs.extend(coefs)
                ct.linear.domain.extend((low, high))
                if lit_index is not None:
                    ct.enforcement_literal.append(lit_index)
    obj_scale = _objective(proto, model, step, zmax)
    return Translation(cp, z, step, obj_scale, literals)


def _objective(proto, model: LinearModel, step: np.ndarray, zmax: np.ndarray) -> float:
    """Write the scaled, conservatively rounded objective into ``proto``; returns its scale."""
    c = model.c * step
    nz = np.flatnonzero(c)
    if not nz.size:
        return 1.0
    obj_scale, obj_exact = _row_factor(c[nz], zmax[nz], np.empty(0))
    scaled_c = c[nz] * obj_scale
    rounded = (
        np.rint(scaled_c)
        if obj_exact
        else (np.floor(scaled_c) if model.sense == "min" else np.ceil(scaled_c))
    )
    coefs = rounded.astype(np.int64)
    objective = proto.objective
    objective.vars.extend(nz.tolist())
    if model.sense == "max":
        # The proto minimises; a maximisation is stored negated with scaling_factor -1.
        objective.coeffs.extend((-coefs).tolist())
        objective.scaling_factor = -1.0
    else:
        objective.coeffs.extend(coefs.tolist())
    return obj_scale


def restrict_objective(tr: Translation, model: LinearModel, bound: float) -> bool:
    """Tell CP-SAT a proven bound on the real objective (minimisation: a lower bound).

    The objective expression E = Σ_j k_j z_j of the proto (k_j the rounded
    coefficients; stored negated for a maximisation) gets the domain
    E >= ceil(K (bound - c0) - err) (maximisation: E >= -floor(K (bound - c0) + err)),
    where K is the objective scale and err = Σ_j |K c_j step_j - k_j| × max z_j
    bounds what the rounding can move E at any point, plus a margin of 1e-7 of the
    scaled bound for round-off. Every point of the CP-SAT model is a plan of the real
    model, whose objective is no better than ``bound``, so the domain keeps every
    point: it only lets CP-SAT's own bound start there. Returns False (nothing
    changed) without an objective or a finite bound.
    """
    objective = tr.model.proto.objective
    if not objective.vars or not np.isfinite(bound):
        return False
    cols = np.asarray(objective.vars, dtype=np.int64)
    sign = -1.0 if model.sense == "max" else 1.0
    k = sign * np.asarray(objective.coeffs, dtype=float)
    exact = model.c[cols] * tr.step[cols] * tr.obj_scale
    zmax = np.array([tr.model.proto.variables[int(j)].domain[-1] for j in cols], dtype=float)
    err = float(np.sum(np.abs(exact - k) * np.abs(zmax)))
    target = tr.obj_scale * (bound - float(model.c0))
    slack = err + 1e-7 * abs(target) + 1.0
    lower = np.ceil(target - slack) if sign > 0 else -np.floor(target + slack)
    if not abs(lower) < 2.0**62:
        return False
    objective.domain.clear()
    objective.domain.extend([int(lower), 2**62])
    return True


__all__ = ["Translation", "TranslationStopped", "restrict_objective", "translate"]
