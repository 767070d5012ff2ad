"""One benchmark job in a fresh process: ``python -m bench.worker JOB.json RESULT.json``.

A job is a JSON object with ``kind`` (``placement``, ``orlib``, ``build``) and
its parameters; the result (objective, bound, gap, times, verification, peak
memory) is written as JSON. Running each solve in its own process gives a
clean peak-memory figure and keeps one solve's state out of the next.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def _peak_rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024.0, 1)  # ru_maxrss is in KiB on Linux


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _solve_project(instance, solver: str, time_limit_s: float, gap: float, threads: int) -> dict:
    """``pipeline.solve_plan``: ``solve_s`` is the solve's own wall time, ``verify_s`` the rest
    (plan building and independent verification)."""
    from gpuplace.pipeline import PlanVerificationError, solve_plan
    from gpuplace.solvers import SolveParameters

    params = SolveParameters(time_limit_s=max(time_limit_s, 1.0), gap=gap, threads=threads)
    t0 = time.perf_counter()
    violations: tuple = ()
    try:
        plan = solve_plan(instance, solver=solver, params=params)
    except PlanVerificationError as failed:
        plan, violations = failed.plan, failed.violations
    total_s = time.perf_counter() - t0
    return {
        "status": plan.status.value,
        "objective": plan.solver_objective,
        "bound": plan.bound,
        "solve_s": plan.wall_s,
        "verify_s": total_s - plan.wall_s,
        "violations": len(violations),
        "first_violation": str(violations[0]) if violations else "",
        "notes": list(plan.notes or ())[:6],
    }


def run_placement(job: dict) -> dict:
    from gpuplace.scenario import load_instance

    started = time.perf_counter()
    instance = load_instance(job["scenario"])
    load_s = time.perf_counter() - started
    out: dict[str, Any] = {
        "load_s": load_s,
        "regions": instance.n_regions,
        "sites": instance.n_sites,
        "pairs": instance.n_pairs,
    }
    limit = float(job["time_limit_s"]) - load_s - float(job.get("reserve_s", 0.0))
    if job["method"] == "plain-highs":
        from bench.baselines import plain_placement

        out.update(
            plain_placement(instance, time_limit_s=limit, gap=job["gap"], threads=job["threads"])
        )
    else:
        out.update(_solve_project(instance, job["method"], limit, job["gap"], job["threads"]))
    out["wall_s"] = time.perf_counter() - started
    return out


def run_orlib(job: dict) -> dict:
    started = time.perf_counter()
    method = job["method"]
    out: dict[str, Any] = {}
    if method in ("plain-highs", "spopt-cbc"):
        from bench import baselines
        from gpuplace.datasets.orlib import read_cflp, read_pmed

        path = job["file"]
        if job["family"] == "pmed":
            data = read_pmed(path)
            out["load_s"] = time.perf_counter() - started
            limit = float(job["time_limit_s"]) - out["load_s"]
            if method == "spopt-cbc":
                out.update(
                    baselines.spopt_pmedian(
                        data.distance, data.p, time_limit_s=limit, threads=job["threads"]
                    )
                )
            else:
                n = data.distance.shape[0]
                out.update(
                    baselines.plain_facility(
                        data.distance,
                        [0.0] * n,
                        [1.0] * n,
                        None,
                        p=data.p,
                        time_limit_s=limit,
                        gap=job["gap"],
                        threads=job["threads"],
                    )
                )
        else:
            data = read_cflp(path, capacity=job.get("capacity"))
            out["load_s"] = time.perf_counter() - started
            limit = float(job["time_limit_s"]) - out["load_s"]
            out.update(
                baselines.plain_facility(
                    data.cost,
                    data.fixed_cost,
                    data.demand,
                    data.capacity,
                    time_limit_s=limit,
                    gap=job["gap"],
                    threads=job["threads"],
                )
            )
    else:
        from gpuplace.scenario import load_instance

        instance = load_instance(job["scenario"])
        out["load_s"] = time.perf_counter() - started
        limit = float(job["time_limit_s"]) - out["load_s"]
        out.update(_solve_project(instance, method, limit, job["gap"], job["threads"]))
    out["wall_s"] = time.perf_counter() - started
    return out


def run_build(job: dict) -> dict:
    """Model building on an instance cut to ``pairs`` candidate pairs."""
    from bench.build_model import measure

    return measure(job)


KINDS = {"placement": run_placement, "orlib": run_orlib, "build": run_build}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    job_path, result_path = Path(args[0]), Path(args[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    try:
        result = KINDS[job["kind"]](job)
        result["ok"] = True
    except Exception as error:  # reported in the table, never hidden
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    result.setdefault("gap", _gap(result.get("objective"), result.get("bound")))
    result["peak_rss_mib"] = _peak_rss_mib()
    tmp = result_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, default=float), encoding="utf-8")
    tmp.replace(result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
