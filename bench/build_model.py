"""Model-building benchmark: the same instance, cut to N candidate pairs, built three ways."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np


def cut_pairs(instance, pairs: int):
    """The instance with only its first ``pairs`` candidate pairs (and their regions)."""
    n = min(pairs, instance.n_pairs)
    return replace(
        instance,
        pair_region=instance.pair_region[:n],
        pair_site=instance.pair_site[:n],
        pair_rtt_ms=instance.pair_rtt_ms[:n],
    )


def measure(job: dict) -> dict:
    """Seconds to build: ``solvers.model.build_model``, the fast backend's arrays, the plain baseline."""
    from gpuplace.scenario import load_instance
    from gpuplace.solvers.model.formulation import build_model

    instance = cut_pairs(load_instance(job["scenario"]), int(job["pairs"]))
    out = {
        "pairs": instance.n_pairs,
        "regions": int(np.unique(instance.pair_region).size),
        "sites": instance.n_sites,
    }
    t0 = time.perf_counter()
    model = build_model(instance)
    out["project_s"] = time.perf_counter() - t0
    out["project_rows"], out["project_cols"] = model.A.shape
    from gpuplace.solvers.fast.colgen import restrict

    t0 = time.perf_counter()
    restricted = restrict(model, np.arange(instance.n_pairs))
    out["fast_s"] = out["project_s"] + (time.perf_counter() - t0)
    del restricted
    out.update(_baseline_build(instance))
    return out


def _baseline_build(instance) -> dict:
    """Build (not solve) the plain pywraplp model; stops after 300 s."""
    from ortools.linear_solver import pywraplp

    t0 = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("HIGHS")
    S = instance.n_sites
    y = [solver.BoolVar(f"y{s}") for s in range(S)]
    per_region: dict[int, list] = {}
    objective = solver.Objective()
    d = instance.region_demand
    for p in range(instance.n_pairs):
        r, s = int(instance.pair_region[p]), int(instance.pair_site[p])
        x = solver.NumVar(0.0, 1.0, f"x{p}")
        objective.SetCoefficient(x, float(d[r] * instance.pair_rtt_ms[p]))
        solver.Add(x <= y[s])
        per_region.setdefault(r, []).append(x)
        if p % 100_000 == 0 and time.perf_counter() - t0 > 300:
            return {"baseline_s": None, "baseline_note": "stopped after 300 s"}
    for xs in per_region.values():
        solver.Add(solver.Sum(xs) == 1)
    return {"baseline_s": time.perf_counter() - t0}
