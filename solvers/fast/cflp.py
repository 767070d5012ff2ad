"""Capacitated facility location (split demand) with strong linking, solved by HiGHS.

Formulation (pairs p = (r, s) sorted by client)::

    min   Σ_s f_s y_s + Σ_p cost_p x_p
    s.t.  Σ_{p of r} x_p = 1                          every client served
          Σ_{p at s} d_r x_p − cap_s y_s <= 0          capacity
          x_p − y_s <= 0                               strong linking
          Σ_s cap_s y_s >= Σ_r d_r                     total capacity (redundant, tightens)
          min_open <= Σ_s y_s <= max_open

Strong linking rows are many (one per pair); ``linking="lazy"`` adds only
those the LP relaxation violates, round after round, until none is violated.
The rows left out are implied by the capacity rows for integer y, so the
smaller model is exact and its LP bound equals the full one at the root.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from solvers.fast import highs_mip
from solvers.fast.flp import FacilityProblem, FacilitySolution


def _columns(problem: FacilityProblem) -> tuple[int, int]:
    return problem.n_sites, problem.pair_cost.shape[0]


def build(problem: FacilityProblem, link_pairs: np.ndarray | None = None) -> dict:
    """Array model; ``link_pairs`` (indices of pairs) get strong linking rows (None: all).

    Columns: y (S) then x (P). Returns the keyword arguments of
    :func:`highs_mip.solve_arrays`.
    """
    S, P = _columns(problem)
    R = problem.n_clients
    d = problem.demand
    cap = np.where(np.isfinite(problem.capacity), problem.capacity, d.sum())
    xi = S + np.arange(P)
    blocks_r, blocks_c, blocks_v = [], [], []
    lbs, ubs = [], []
    row = 0
    # assignment
    blocks_r.append(problem.pair_client + row)
    blocks_c.append(xi)
    blocks_v.append(np.ones(P))
    lbs.append(np.ones(R))
    ubs.append(np.ones(R))
    row += R
    # capacity
    blocks_r += [problem.pair_site + row, np.arange(S) + row]
    blocks_c += [xi, np.arange(S)]
    blocks_v += [d[problem.pair_client], -cap]
    lbs.append(np.full(S, -np.inf))
    ubs.append(np.zeros(S))
    row += S
    # strong linking
    link = np.arange(P) if link_pairs is None else np.asarray(link_pairs, dtype=np.int64)
    n_link = link.size
    blocks_r += [np.arange(n_link) + row, np.arange(n_link) + row]
    blocks_c += [S + link, problem.pair_site[link]]
    blocks_v += [np.ones(n_link), -np.ones(n_link)]
    lbs.append(np.full(n_link, -np.inf))
    ubs.append(np.zeros(n_link))
    row += n_link
    # total capacity and site count
    blocks_r += [np.full(S, row), np.full(S, row + 1)]
    blocks_c += [np.arange(S), np.arange(S)]
    blocks_v += [cap, np.ones(S)]
    lbs.append(np.array([d.sum(), float(problem.min_open)]))
    ubs.append(np.array([np.inf, np.inf if problem.max_open is None else float(problem.max_open)]))
    row += 2
    A = sp.csc_matrix(
        (np.concatenate(blocks_v), (np.concatenate(blocks_r), np.concatenate(blocks_c))),
        shape=(row, S + P),
    )
    c = np.concatenate([problem.fixed_cost, problem.pair_cost])
    col_lb = np.concatenate([problem.open_lb.astype(float), np.zeros(P)])
    col_ub = np.concatenate([problem.open_ub.astype(float), np.ones(P)])
    col_ub[S:] = np.where(problem.open_ub[problem.pair_site], 1.0, 0.0)
    integer = np.zeros(S + P, dtype=bool)
    integer[:S] = True
    return dict(
        c=c,
        A=A,
        row_lb=np.concatenate(lbs),
        row_ub=np.concatenate(ubs),
        col_lb=col_lb,
        col_ub=col_ub,
        integer=integer,
        offset=problem.cost_offset,
    )


def lazy_links(
    problem: FacilityProblem, deadline: float, threads: int, log: bool = False
) -> tuple[np.ndarray, float | None, int]:
    """Pairs whose strong linking row the LP relaxation needs, found by row generation.

    Returns (pairs, LP bound, rounds).
    """
    S, P = _columns(problem)
    link = np.empty(0, dtype=np.int64)
    have = np.zeros(P, dtype=bool)
    bound = None
    rounds = 0
    while time.perf_counter() < deadline:
        rounds += 1
        model = build(problem, link)
        res = highs_mip.solve_arrays(
            **{**model, "integer": None},
            time_limit_s=deadline - time.perf_counter(),
            threads=threads,
        )
        if res.values is None or res.status != "optimal":
            break
        bound = res.objective
        y = res.values[:S]
        x = res.values[S:]
        violated = (x > y[problem.pair_site] + 1e-7) & ~have
        if log:
            print(
                f"LP round {rounds}: rows {model['A'].shape[0]} bound {bound} violated {int(violated.sum())}"
            )
        if not violated.any():
            break
        have |= violated
        link = np.flatnonzero(have)
    return link, bound, rounds


def solve(
    problem: FacilityProblem,
    *,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    threads: int = 2,
    seed: int = 0,
    linking: str = "auto",
    log: bool = False,
) -> FacilitySolution:
    """Solve a capacitated problem; ``linking`` is ``strong``, ``lazy`` or ``auto`` (by size).

    Returns
    -------
    FacilitySolution
        ``bound`` is HiGHS's proven bound; every plan it returns meets the
        capacity and assignment rows of the full formulation.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    S, P = _columns(problem)
    if linking == "auto":
        linking = "lazy" if P > 20_000 else "strong"
    notes = [f"capacitated facility location, {linking} linking"]
    link = None
    if linking == "lazy":
        link, _, rounds = lazy_links(problem, deadline, threads, log)
        notes.append(f"{link.size} of {P} linking rows after {rounds} LP round(s)")
    model = build(problem, link)
    res = highs_mip.solve_arrays(
        **model,
        time_limit_s=max(deadline - time.perf_counter(), 0.05),
        gap=gap,
        threads=threads,
        seed=seed,
        log=log,
    )
    wall = time.perf_counter() - t0
    if res.values is None:
        return FacilitySolution(res.status, None, None, None, res.bound, wall, tuple(notes))
    open_sites = res.values[:S] > 0.5
    share = np.clip(res.values[S:], 0.0, 1.0)
    share[~open_sites[problem.pair_site]] = 0.0
    # renormalise tiny drift so each client's shares sum to exactly one
    total = np.bincount(problem.pair_client, weights=share, minlength=problem.n_clients)
    share = share / total[problem.pair_client]
    objective = problem.objective(open_sites, share)
    bound = None if res.bound is None else min(res.bound, objective)
    return FacilitySolution(res.status, open_sites, share, objective, bound, wall, tuple(notes))
