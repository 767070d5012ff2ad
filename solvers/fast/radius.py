"""Radius formulation for uncapacitated facility location and p-median.

For client i, let D_i^0 < D_i^1 < … < D_i^K be the distinct costs of its
candidate sites and L_i^k the sites costing exactly D_i^k. With z_ik = 1 when
no open site costs less than D_i^k (k >= 1), the client's cost is
D_i^0 + Σ_k (D_i^k − D_i^{k−1}) z_ik and (telescoped form, Cornuéjols,
Nemhauser & Wolsey 1980; Elloumi 2010; García, Labbé & Marín 2011):

    z_i1 + Σ_{s ∈ L_i^0} y_s >= 1
    z_i,k+1 − z_ik + Σ_{s ∈ L_i^k} y_s >= 0        k = 1 … K−1
    −z_iK + Σ_{s ∈ L_i^K} y_s >= 0                  (some site serves i)

This has one row per (client, distinct cost) and one non-zero per pair plus
two per row, instead of one row per pair, and its LP bound equals that of the
strong formulation (x_p <= y_s). When at least ``min_open`` of the N sites
that may open must open, any N − min_open + 1 of them hold an open one, so
levels past that count are cut (Elloumi's reduction).

The plan assigns each client to its cheapest open site, which is optimal once
the open sites are fixed; the objective is recomputed from that plan.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.fast.flp import FacilityProblem, FacilitySolution
from gpuplace.solvers.fast.open_sets import cheapest_assignment, greedy_open
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.highs.lp import solve_relaxation
from gpuplace.solvers.result import Status, status_from_gap

__all__ = ["build", "solve"]


def build(problem: FacilityProblem, max_level: np.ndarray | None = None) -> tuple[dict, dict]:
    """The radius model as arrays for :func:`solvers.highs.adapter.solve_arrays`.

    ``max_level[i]`` truncates client i to its levels ``0 .. max_level[i]``
    (a relaxation: beyond the last kept level the client pays that level's
    cost, and no row forces an open site). Returns ``(model, info)`` where
    ``info`` holds the level cost table and which clients were truncated.
    """
    S, R = problem.n_sites, problem.n_clients
    avail = problem.open_ub
    keep = avail[problem.pair_site]
    client = problem.pair_client[keep]
    site = problem.pair_site[keep]
    cost = problem.pair_cost[keep]
    order = np.lexsort((cost, client))
    client, site, cost = client[order], site[order], cost[order]
    if np.unique(client).size != R:
        raise ValueError("a client has no site that may open")
    new_client = np.ones(client.size, dtype=bool)
    new_client[1:] = client[1:] != client[:-1]
    new_level = new_client.copy()
    new_level[1:] |= cost[1:] != cost[:-1]
    # level index within client
    level_global = np.cumsum(new_level) - 1
    client_first_level = level_global[new_client]
    level = level_global - client_first_level[client]
    # Elloumi cut: first level at which the sites at or below it number >= N - min_open + 1
    n_avail = int(avail.sum())
    threshold = n_avail - problem.min_open + 1 if problem.min_open > 0 else None
    pos_in_client = np.arange(client.size) - np.flatnonzero(new_client)[client]
    if threshold is not None:
        # count of sites with level <= this pair's level = position of the level's last pair + 1
        last_of_level = np.ones(client.size, dtype=bool)
        last_of_level[:-1] = new_level[1:]
        count_at = np.where(last_of_level, pos_in_client + 1, 0)
        reached = last_of_level & (count_at >= threshold)
        cut_level = np.full(R, np.iinfo(np.int64).max)
        np.minimum.at(cut_level, client[reached], level[reached])
        within = level <= cut_level[client]
        client, site, cost, level = client[within], site[within], cost[within], level[within]
        new_level = new_level[within]
    n_levels_full = np.zeros(R, dtype=np.int64)
    np.maximum.at(n_levels_full, client, level + 1)
    truncated = np.zeros(R, dtype=bool)
    if max_level is not None:
        truncated = n_levels_full > max_level + 1
        within = level <= max_level[client]
        client, site, cost, level = client[within], site[within], cost[within], level[within]
        new_level = new_level[within]
    n_levels = np.zeros(R, dtype=np.int64)
    np.maximum.at(n_levels, client, level + 1)
    level_cost = cost[new_level]  # D_i^k in (client, level) order
    level_client = client[new_level]
    level_k = level[new_level]
    row_start = np.concatenate([[0], np.cumsum(n_levels)[:-1]])
    n_rows_lvl = int(n_levels.sum())
    z_count = n_levels - 1
    z_start = np.concatenate([[0], np.cumsum(z_count)[:-1]])
    n_z = int(z_count.sum())
    # columns: y (S) then z (n_z)
    y_rows = row_start[client] + level
    y_cols = site
    # z_ik (k >= 1) appears +1 in row (i, k-1) and -1 in row (i, k)
    zk_mask = level_k >= 1
    z_client, z_k = level_client[zk_mask], level_k[zk_mask]
    z_idx = S + z_start[z_client] + z_k - 1
    rows = np.concatenate([y_rows, row_start[z_client] + z_k - 1, row_start[z_client] + z_k])
    cols = np.concatenate([y_cols, z_idx, z_idx])
    vals = np.concatenate([np.ones(y_rows.size), np.ones(z_idx.size), -np.ones(z_idx.size)])
    row_lb = np.zeros(n_rows_lvl)
    row_lb[row_start] = 1.0
    row_ub = np.full(n_rows_lvl, np.inf)
    # a truncated client's last level row is dropped: z of that level is free to be 1
    last_rows = row_start + n_levels - 1
    row_lb[last_rows[truncated & (n_levels > 1)]] = -np.inf
    row_lb[last_rows[truncated & (n_levels == 1)]] = -np.inf
    # site-count row
    count_row = n_rows_lvl
    rows = np.concatenate([rows, np.full(S, count_row)])
    cols = np.concatenate([cols, np.arange(S)])
    vals = np.concatenate([vals, np.ones(S)])
    row_lb = np.append(row_lb, float(problem.min_open))
    row_ub = np.append(row_ub, np.inf if problem.max_open is None else float(problem.max_open))
    n_cols = S + n_z
    A = sp.csc_matrix((vals, (rows, cols)), shape=(count_row + 1, n_cols))
    c = np.zeros(n_cols)
    c[:S] = problem.fixed_cost
    step = np.diff(level_cost)  # valid where the next level is of the same client
    c[z_idx] = step[np.flatnonzero(zk_mask) - 1]
    offset = problem.cost_offset + float(level_cost[level_k == 0].sum())
    col_lb = np.zeros(n_cols)
    col_ub = np.ones(n_cols)
    col_lb[:S] = problem.open_lb.astype(float)
    col_ub[:S] = avail.astype(float)
    integer = np.zeros(n_cols, dtype=bool)
    integer[:S] = True
    model = dict(
        c=c,
        A=A,
        row_lb=row_lb,
        row_ub=row_ub,
        col_lb=col_lb,
        col_ub=col_ub,
        integer=integer,
        offset=offset,
    )
    info = dict(
        n_sites=S,
        n_levels_full=n_levels_full,
        truncated=truncated,
        level_cost=level_cost,
        level_client=level_client,
    )
    return model, info


def _client_level(info: dict, actual: np.ndarray) -> np.ndarray:
    """Index of each client's level whose cost equals ``actual`` (levels below it counted)."""
    lc, cl = info["level_cost"], info["level_client"]
    tol = 1e-9 * np.maximum(1.0, np.abs(actual))
    below = lc < actual[cl] - tol[cl]
    return np.bincount(cl[below], minlength=actual.shape[0])


def _client_cost(problem: FacilityProblem, share: np.ndarray) -> np.ndarray:
    return np.bincount(
        problem.pair_client, weights=problem.pair_cost * share, minlength=problem.n_clients
    )


def solve(
    problem: FacilityProblem,
    *,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    threads: int = 2,
    seed: int = 0,
    start_open: np.ndarray | None = None,
    margin: int = 2,
    log: bool = False,
    cancel: CancelToken | None = None,
) -> FacilitySolution:
    """Solve an uncapacitated problem with the radius formulation and level generation.

    Each client starts with the levels up to its cost in a greedy plan (plus
    ``margin``); the truncated model is a relaxation, so its MIP bound is a
    bound on the problem. Clients whose plan cost lies beyond their kept
    levels get more levels and the model is solved again, warm-started from
    the best plan, until the gap is closed or time runs out.

    Parameters
    ----------
    start_open
        Open sites of a known plan (otherwise the greedy plan).
    cancel
        HiGHS runs stop once this token is cancelled.

    Returns
    -------
    FacilitySolution
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    _, full = build(problem)
    n_full = full["n_levels_full"]
    start = start_open if start_open is not None else greedy_open(problem)
    best_open, best_share, best_obj = None, None, np.inf
    if start is not None:
        share = cheapest_assignment(problem, start)
        if share is not None:
            best_open, best_share, best_obj = start, share, problem.objective(start, share)
    if best_share is not None:
        max_level = np.minimum(
            _client_level(full, _client_cost(problem, best_share)) + margin, n_full - 1
        )
    else:
        max_level = n_full - 1
    bound = -np.inf
    max_level, lp_rounds = _lp_levels(
        problem, full, max_level, deadline, threads, margin, log, cancel
    )
    rounds = 0
    status = Status.NO_SOLUTION
    while True:
        rounds += 1
        model, info = build(problem, max_level)
        point = None
        if best_open is not None:
            point = _start_point(problem, model, best_open)
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        result = adapter.solve_arrays(
            **model,
            time_limit_s=remaining,
            gap=gap,
            threads=threads,
            seed=seed,
            start=point,
            log=log,
            cancel=cancel,
        )
        if log:
            print(
                f"round {rounds}: {model['A'].shape} nnz {model['A'].nnz} truncated {int(info['truncated'].sum())} -> {result.status} {result.objective} {result.bound} {result.wall_s:.2f}s",
                flush=True,
            )
        if result.status == Status.INFEASIBLE and not info["truncated"].any():
            wall_s = time.perf_counter() - t0
            return FacilitySolution(Status.INFEASIBLE, None, None, None, None, wall_s)
        if result.bound is not None:
            bound = max(bound, result.bound)
        if result.values is None:
            break
        y = result.values[: problem.n_sites] > 0.5
        share = cheapest_assignment(problem, y)
        if share is not None:
            obj = problem.objective(y, share)
            if obj < best_obj:
                best_open, best_share, best_obj = y, share, obj
        if status_from_gap(best_obj, bound, gap) == Status.OPTIMAL:
            status = Status.OPTIMAL
            break
        if result.status != Status.OPTIMAL:
            status = Status.FEASIBLE if best_share is not None else Status.NO_SOLUTION
            break
        # the relaxation's optimum is not exact: give the under-charged clients their levels
        if share is None:
            grow = info["truncated"]
        else:
            level_now = _client_level(full, _client_cost(problem, share))
            grow = level_now > max_level
        if not grow.any():
            status = Status.FEASIBLE
            break
        target = n_full - 1 if share is None else np.minimum(level_now + margin, n_full - 1)
        max_level = np.where(grow, np.maximum(target, max_level + 1), max_level)
        max_level = np.minimum(max_level, n_full - 1)
    if best_share is None:
        return FacilitySolution(
            status,
            None,
            None,
            None,
            bound if np.isfinite(bound) else None,
            time.perf_counter() - t0,
        )
    final_bound = min(bound, best_obj) if np.isfinite(bound) else None
    notes = (f"radius formulation, level generation: {lp_rounds} LP and {rounds} MIP round(s)",)
    return FacilitySolution(
        status, best_open, best_share, best_obj, final_bound, time.perf_counter() - t0, notes
    )


def _lp_levels(
    problem: FacilityProblem,
    full: dict,
    max_level: np.ndarray,
    deadline: float,
    threads: int,
    margin: int,
    log: bool,
    cancel: CancelToken | None,
) -> tuple[np.ndarray, int]:
    """Grow the kept levels until the LP relaxation no longer leans on a truncated client.

    A truncated client whose last kept z is positive in the LP optimum is
    under-charged there; it gets ``margin`` more levels. Ends with the LP
    bound of the truncated model equal to that of the full radius model.
    """
    n_full = full["n_levels_full"]
    rounds = 0
    while time.perf_counter() < deadline:
        rounds += 1
        model, info = build(problem, max_level)
        result = solve_relaxation(model, deadline, threads=threads, cancel=cancel)
        if result is None or result.values is None:
            break
        trunc = info["truncated"]
        # last z column of each truncated client: its index is the client's last z
        z_count = np.bincount(info["level_client"], minlength=problem.n_clients) - 1
        z_end = problem.n_sites + np.cumsum(z_count) - 1
        last_z = np.where(z_count > 0, result.values[np.maximum(z_end, 0)], 0.0)
        # a client truncated at level 0 leans on its truncation whenever its first level is unopened
        lean = trunc & (last_z > 1e-7)
        if log:
            print(
                f"LP round {rounds}: {model['A'].shape} bound {result.objective} leaning {int(lean.sum())}"
            )
        if not lean.any():
            break
        max_level = np.where(lean, np.minimum(max_level + margin, n_full - 1), max_level)
    return max_level, rounds


def _start_point(problem: FacilityProblem, model: dict, open_sites: np.ndarray) -> np.ndarray:
    """The radius-model point of a plan: y from the open sites, z by propagation."""
    S = problem.n_sites
    n_cols = model["c"].shape[0]
    v = np.zeros(n_cols)
    v[:S] = open_sites.astype(float)
    A = sp.csr_matrix(model["A"])
    n_rows = A.shape[0] - 1
    y_act = A[:n_rows, :S] @ v[:S]
    Z = A[:n_rows, S:].tocsc()
    # every z column has +1 in its row (i, k-1), the first entry in CSC order
    plus_row = Z.indices[Z.indptr[:-1]]
    lb = model["row_lb"][:n_rows]
    first = lb[plus_row] > 0  # row (i, 0) starts a client's chain
    z = np.zeros(Z.shape[1])
    for j in range(Z.shape[1]):
        prev = 0.0 if first[j] else z[j - 1]
        z[j] = min(1.0, max(0.0, (1.0 if first[j] else 0.0) + prev - y_act[plus_row[j]]))
    v[S:] = z
    return v
