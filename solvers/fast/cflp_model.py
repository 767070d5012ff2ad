"""The strong model of capacitated facility location, for HiGHS (see :mod:`solvers.fast.cflp`).

:func:`build` writes the formulation of :mod:`solvers.fast.cflp` as arrays, with
all strong linking rows or a chosen subset; :func:`lazy_links` finds the subset
the LP relaxation needs; :func:`restrict` fixes sites open or closed; :func:`mip`
runs HiGHS on the result.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.fast.flp import FacilityProblem
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.highs.lp import solve_relaxation

__all__ = ["build", "columns", "lazy_links", "mip", "restrict"]


def columns(problem: FacilityProblem) -> tuple[int, int]:
    """(sites, pairs): the y and x columns of the model."""
    return problem.n_sites, problem.pair_cost.shape[0]


def build(problem: FacilityProblem, link_pairs: np.ndarray | None = None) -> dict:
    """Array model; ``link_pairs`` (indices of pairs) get strong linking rows (None: all).

    Columns: y (S) then x (P). Returns the keyword arguments of
    :func:`solvers.highs.adapter.solve_arrays`.
    """
    S, P = columns(problem)
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
    problem: FacilityProblem,
    deadline: float,
    threads: int,
    log: bool = False,
    initial: np.ndarray | None = None,
    cancel: CancelToken | None = None,
) -> tuple[np.ndarray, float | None, int]:
    """Pairs whose strong linking row the LP relaxation needs, found by row generation.

    ``initial`` (pair indices) seeds the set; each LP stops once ``cancel`` is
    cancelled. Returns (pairs, LP bound, rounds).
    """
    S, P = columns(problem)
    have = np.zeros(P, dtype=bool)
    if initial is not None:
        have[np.asarray(initial, dtype=np.int64)] = True
    link = np.flatnonzero(have)
    bound = None
    rounds = 0
    while time.perf_counter() < deadline:
        rounds += 1
        model = build(problem, link)
        res = solve_relaxation(model, deadline, threads=threads, cancel=cancel)
        if res is None or res.values is None:
            break
        bound = res.objective
        y = res.values[:S]
        x = res.values[S:]
        violated = (x > y[problem.pair_site] + 1e-7) & ~have
        if log:
            print(
                f"LP round {rounds}: rows {model['A'].shape[0]} bound {bound} "
                f"violated {int(violated.sum())}"
            )
        if not violated.any():
            break
        have |= violated
        link = np.flatnonzero(have)
    return link, bound, rounds


def restrict(problem: FacilityProblem, open_lb: np.ndarray, open_ub: np.ndarray):
    """The problem with facilities fixed open (``open_lb``) or closed (not ``open_ub``).

    Pairs at closed facilities are dropped. Returns (sub-problem, kept pair indices).
    """
    keep = np.flatnonzero(open_ub[problem.pair_site])
    sub = replace(
        problem,
        open_lb=open_lb,
        open_ub=open_ub,
        pair_client=problem.pair_client[keep],
        pair_site=problem.pair_site[keep],
        pair_cost=problem.pair_cost[keep],
    )
    return sub, keep


def mip(
    problem: FacilityProblem,
    deadline: float,
    *,
    gap: float,
    threads: int,
    seed: int,
    linking: str,
    log: bool,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    seed_links: np.ndarray | None = None,
    cancel: CancelToken | None = None,
):
    """HiGHS on the strong model of ``problem``; returns (HighsResult, notes)."""
    S, P = columns(problem)
    if linking == "auto":
        linking = "lazy" if P > 20_000 else "strong"
    notes = [f"{linking} linking"]
    link = None
    if linking == "lazy" and seed_links is not None:
        link = np.asarray(seed_links, dtype=np.int64)
        notes.append(f"{link.size} of {P} linking rows (negative Lagrangian reduced cost)")
    elif linking == "lazy":
        link, _, rounds = lazy_links(problem, deadline, threads, log, cancel=cancel)
        notes.append(f"{link.size} of {P} linking rows after {rounds} LP round(s)")
    model = build(problem, link)
    x0 = None
    if start is not None:
        x0 = np.concatenate([start[0].astype(float), start[1]])
    res = adapter.solve_arrays(
        **model,
        time_limit_s=max(deadline - time.perf_counter(), 0.05),
        gap=gap,
        threads=threads,
        seed=seed,
        start=x0,
        log=log,
        cancel=cancel,
    )
    return res, notes
