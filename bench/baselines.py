"""The baselines: the plain formulation a user would write, and spopt's p-median.

*Plain formulation* (what the issue calls the baseline a user would write):
one continuous variable per candidate region-site pair, ``x_rs <= y_s``,
capacity, integer GPUs, no presolve, no aggregation, built variable by
variable with OR-Tools' ``pywraplp`` and solved by HiGHS::

    min   Σ_s f_s y_s + Σ_{s,t} capex_t cf_s g_st + lw Σ_{(r,s)} D_r rtt_rs x_rs
    s.t.  Σ_s x_rs = 1                                   every region
          x_rs <= y_s                                    every pair
          Σ_r D_r x_rs <= u Σ_t thr_t (g_st + e_st)      capacity
          Σ_t pw_t pue_s (g_st + e_st) <= P_s y_s        power
          Σ_t (g_st + e_st) <= G_s y_s                   space
          Σ_t (g_st + e_st) >= m y_s                     minimum GPUs per open site
          Σ_s f_s y_s + Σ capex_t cf_s g_st <= budget

OR-Tools does not pass HiGHS's dual bound back, so the bound and the
trajectory (time, bound, incumbent) are read from HiGHS's own log.

*spopt* ``PMedian.from_cost_matrix(...).solve(pulp.PULP_CBC_CMD(...))``: the
p-median model a GIS user would run, with its default CBC.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from bench import highs_log


@contextlib.contextmanager
def captured_stdout() -> Iterator[list[str]]:
    """Capture C-level stdout (file descriptor 1) into ``out[0]`` when the block ends."""
    out: list[str] = [""]
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = os.dup(1)
        try:
            os.dup2(tmp.fileno(), 1)
            yield out
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            out[0] = tmp.read().decode("utf-8", "replace")


def _new_solver(time_limit_s: float, threads: int):
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("HIGHS")
    if solver is None:
        raise RuntimeError("OR-Tools was built without HiGHS")
    solver.SetTimeLimit(int(max(time_limit_s, 0.1) * 1000))
    solver.SetNumThreads(int(threads))
    solver.EnableOutput()
    return solver


def _run(solver, gap: float, started: float, build_s: float) -> dict[str, Any]:
    from ortools.linear_solver import pywraplp

    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, float(gap))
    with captured_stdout() as log:
        code = solver.Solve(params)
    text = log[0]
    points = highs_log.parse(text)
    has_plan = code in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    objective = solver.Objective().Value() if has_plan else None
    bound = highs_log.final_bound(text)
    if bound is None and points:
        bound = points[-1].bound
    status = {
        pywraplp.Solver.OPTIMAL: "optimal",
        pywraplp.Solver.FEASIBLE: "feasible",
        pywraplp.Solver.INFEASIBLE: "infeasible",
    }.get(code, "no_solution")
    return {
        "status": status,
        "objective": objective,
        "bound": bound,
        "build_s": build_s,
        "wall_s": time.perf_counter() - started,
        "trajectory": [[p.time_s + build_s, p.bound, p.incumbent] for p in points],
    }


def plain_placement(instance, *, time_limit_s: float, gap: float, threads: int = 2) -> dict:
    """Solve ``instance`` with the plain formulation (module docstring) and HiGHS.

    Covers the families of the world scenarios: capacity, power, space,
    minimum GPUs, budget, site counts and status. Link capacity, single
    sourcing, redundancy, failover, unserved demand and custom constraints
    are outside it (``ValueError``).
    """
    con = instance.constraints
    if (
        con.single_sourcing
        or con.redundancy > 1
        or con.survive_site_failure
        or con.allow_unserved
        or con.custom
        or (con.link_capacity and np.any(instance.region_gbps_per_unit > 0))
        or instance.objective.kind != "cost"
    ):
        raise ValueError("the plain baseline covers cost objectives with the basic families only")
    started = time.perf_counter()
    solver = _new_solver(time_limit_s, threads)
    inf = solver.infinity()
    S, T, R = instance.n_sites, instance.n_types, instance.n_regions
    lw = instance.objective.latency_weight
    demand = instance.region_demand
    y = []
    for s in range(S):
        lo = 1 if instance.site_status[s] == 1 else 0
        hi = 0 if instance.site_status[s] == 2 else 1
        y.append(solver.IntVar(lo, hi, f"y{s}"))
    g = [[solver.IntVar(0, inf, f"g{s}_{t}") for t in range(T)] for s in range(S)]
    objective = solver.Objective()
    for s in range(S):
        objective.SetCoefficient(y[s], float(instance.site_fixed_cost[s]))
        for t in range(T):
            cost = float(instance.gpu_capex[t] * instance.site_cost_factor[s])
            objective.SetCoefficient(g[s][t], cost)
    served = [[] for _ in range(S)]
    per_region = [[] for _ in range(R)]
    for p in range(instance.n_pairs):
        r, s = int(instance.pair_region[p]), int(instance.pair_site[p])
        x = solver.NumVar(0.0, 1.0, f"x{p}")
        objective.SetCoefficient(x, float(lw * demand[r] * instance.pair_rtt_ms[p]))
        solver.Add(x <= y[s])
        served[s].append((x, float(demand[r])))
        per_region[r].append(x)
    objective.SetMinimization()
    for r in range(R):
        solver.Add(solver.Sum(per_region[r]) == 1)
    existing = instance.site_existing_gpus
    util = con.max_utilisation
    for s in range(S):
        thr = [float(v) for v in instance.gpu_throughput]
        cap_expr = solver.Sum([util * thr[t] * g[s][t] for t in range(T)])
        cap_const = util * float(existing[s] @ instance.gpu_throughput)
        solver.Add(solver.Sum([d * x for x, d in served[s]]) <= cap_expr + cap_const)
        pw = [float(instance.gpu_power_kw[t] * instance.site_pue[s]) for t in range(T)]
        power_existing = float(sum(pw[t] * existing[s, t] for t in range(T)))
        solver.Add(
            solver.Sum([pw[t] * g[s][t] for t in range(T)]) + power_existing
            <= float(instance.site_power_kw[s]) * y[s]
        )
        count = solver.Sum(g[s]) + float(existing[s].sum())
        if np.isfinite(instance.site_max_gpus[s]):
            solver.Add(count <= float(instance.site_max_gpus[s]) * y[s])
        if con.min_gpus_per_site > 0:
            solver.Add(count >= con.min_gpus_per_site * y[s])
    if con.budget is not None:
        spend = [float(instance.site_fixed_cost[s]) * y[s] for s in range(S)]
        spend += [
            float(instance.gpu_capex[t] * instance.site_cost_factor[s]) * g[s][t]
            for s in range(S)
            for t in range(T)
        ]
        solver.Add(solver.Sum(spend) <= float(con.budget))
    if con.max_sites is not None:
        solver.Add(solver.Sum(y) <= con.max_sites)
    if con.min_sites:
        solver.Add(solver.Sum(y) >= con.min_sites)
    build_s = time.perf_counter() - started
    solver.SetTimeLimit(int(max(time_limit_s - build_s, 0.1) * 1000))
    result = _run(solver, gap, started, build_s)
    result["n_vars"] = solver.NumVariables()
    result["n_rows"] = solver.NumConstraints()
    return result


def plain_facility(
    cost: np.ndarray,
    fixed_cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray | None,
    *,
    p: int | None = None,
    time_limit_s: float,
    gap: float,
    threads: int = 2,
) -> dict:
    """Plain facility location from a dense ``cost[site, client]`` (OR-Library layout).

    ``x_ij`` continuous, ``x_ij <= y_i``, capacity rows when ``capacity`` is
    given, ``Σ y = p`` when ``p`` is given (p-median).
    """
    started = time.perf_counter()
    solver = _new_solver(time_limit_s, threads)
    m, n = cost.shape
    y = [solver.BoolVar(f"y{i}") for i in range(m)]
    objective = solver.Objective()
    for i in range(m):
        objective.SetCoefficient(y[i], float(fixed_cost[i]))
    x = [[None] * n for _ in range(m)]
    for j in range(n):
        row = []
        for i in range(m):
            var = solver.NumVar(0.0, 1.0, f"x{i}_{j}")
            objective.SetCoefficient(var, float(cost[i, j]))
            solver.Add(var <= y[i])
            x[i][j] = var
            row.append(var)
        solver.Add(solver.Sum(row) == 1)
    objective.SetMinimization()
    if capacity is not None:
        for i in range(m):
            solver.Add(
                solver.Sum([float(demand[j]) * x[i][j] for j in range(n)])
                <= float(capacity[i]) * y[i]
            )
    if p is not None:
        solver.Add(solver.Sum(y) == p)
    build_s = time.perf_counter() - started
    solver.SetTimeLimit(int(max(time_limit_s - build_s, 0.1) * 1000))
    return _run(solver, gap, started, build_s)


def spopt_pmedian(distance: np.ndarray, p: int, *, time_limit_s: float, threads: int = 2) -> dict:
    """spopt ``PMedian.from_cost_matrix`` solved by PuLP's bundled CBC (spopt's default)."""
    import pulp
    from spopt.locate import PMedian

    started = time.perf_counter()
    n = distance.shape[0]
    model = PMedian.from_cost_matrix(distance, np.ones(n), p_facilities=int(p))
    build_s = time.perf_counter() - started
    remaining = max(time_limit_s - build_s, 1.0)
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=remaining, threads=threads)
    try:
        model.solve(solver, results=False)
    except Exception as error:  # spopt raises on a time-limited, unproven solve
        return {
            "status": "no_solution",
            "objective": None,
            "bound": None,
            "build_s": build_s,
            "wall_s": time.perf_counter() - started,
            "error": str(error)[:200],
        }
    problem = model.problem
    objective = pulp.value(problem.objective)
    # sol_status tells a proven optimum from a plan found before the time limit
    optimal = problem.sol_status == pulp.LpSolutionOptimal
    return {
        "status": "optimal"
        if optimal
        else ("feasible" if objective is not None else "no_solution"),
        "objective": None if objective is None else float(objective),
        "bound": float(objective) if optimal else None,
        "build_s": build_s,
        "wall_s": time.perf_counter() - started,
    }
