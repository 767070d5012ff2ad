"""The price of resilience: cost and time of plain, ``redundancy = 2`` and survivable plans.

For each instance, three plans are solved to the same gap:

- ``plain``: the scenario as it is;
- ``redundancy2``: ``constraints.redundancy = 2`` (no region served by one site alone);
- ``survivable``: ``constraints.survive_site_failure = true`` (every single-site loss
  re-served within ``sla_rtt_ms × failover_sla_factor``).

Every plan is checked with :func:`solvers.verify.verify_plan`, and every plan's
single-site failures with :func:`planning.failures.analyse_failures` (``failover=True``:
re-homing as ``survive_site_failure`` does); the survivable plan must lose nothing.

Instances: the bundled APAC scenario with ``failover_sla_factor = 1.5`` (Makassar has
one site within its SLA, so neither factor 1 nor ``redundancy = 2`` can hold there);
APAC at factor 1 with Makassar's demand set to 0; and (not with ``--quick``) a world
instance, ``datasets.world.build_world(regions=N, seed=0)`` at factor 1.5, N = 100 by
default: its 1,246 candidate sites make even the plain plan hard (HiGHS does not reach
1 % within 120 s at N = 100, so larger N only measure time limits).
The budget is lifted on every instance so that it never decides between the plans
(APAC: 2e8; world: none), and each plan reports its own cost.

    python bench/bench_resilience.py [--quick] [--world-regions N] [--out DIR]

prints the markdown table and the JSON rows; ``--out`` also writes
``resilience.json`` and ``resilience.md`` there. :func:`run` returns the rows (the
``resilience`` target of ``bench/run.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from gpuplace.scenario import load_instance  # noqa: E402
from gpuplace.scenario.instance import Instance  # noqa: E402

APAC = REPO / "datasets" / "apac" / "scenario.toml"
APAC_OVERRIDES = {"constraints.budget": "2e8", "constraints.failover_sla_factor": "1.5"}
WORLD_REGIONS = 100
GAP = 0.01
PLANS: dict[str, dict[str, str]] = {
    "plain": {},
    "redundancy2": {"constraints.redundancy": "2"},
    "survivable": {"constraints.survive_site_failure": "true"},
}


@dataclasses.dataclass(frozen=True)
class Case:
    """One instance: a label and how to load it with extra ``--set`` overrides."""

    label: str
    load: Callable[[dict[str, str]], Instance]
    plans: tuple[str, ...] = tuple(PLANS)
    note: str = ""


def _apac(overrides: dict[str, str]) -> Instance:
    return load_instance(APAC, {**APAC_OVERRIDES, **overrides})


def _apac_factor_one(overrides: dict[str, str]) -> Instance:
    instance = load_instance(
        APAC, {**APAC_OVERRIDES, "constraints.failover_sla_factor": "1", **overrides}
    )
    demand = instance.region_demand.copy()
    demand[list(instance.region_ids).index("makassar-id")] = 0.0
    return dataclasses.replace(instance, region_demand=demand)


def _world(regions: int, cache: Path) -> Callable[[dict[str, str]], Instance]:
    def load(overrides: dict[str, str]) -> Instance:
        from gpuplace.datasets.world import build_world

        folder = cache / f"world-{regions}-seed0"
        toml = folder / "scenario.toml"
        if not toml.exists():
            build_world(regions, 0, folder, force=True)
        instance = load_instance(toml, {"constraints.failover_sla_factor": "1.5", **overrides})
        # No budget: the price of resilience is read off each plan's own cost.
        constraints = dataclasses.replace(instance.constraints, budget=None)
        return dataclasses.replace(instance, constraints=constraints)

    return load


def cases(quick: bool, world_regions: int = WORLD_REGIONS, cache: Path | None = None) -> list:
    """The instances benchmarked (``quick``: the two APAC variants only)."""
    out = [
        Case("apac (factor 1.5)", _apac),
        Case(
            "apac (factor 1, Makassar 0)",
            _apac_factor_one,
            note="Makassar's demand set to 0: it has one site within its SLA",
        ),
    ]
    if quick:
        return out
    cache = cache or REPO / "bench" / ".cache"
    out.append(Case(f"world-{world_regions}", _world(world_regions, cache)))
    return out


def measure(case: Case, plan_name: str, time_limit_s: float, solver: str) -> dict:
    """Solve one plan of one case (``pipeline.solve_plan``) and analyse its single-site failures."""
    from gpuplace.pipeline import PlanVerificationError, solve_plan
    from gpuplace.planning.failures import analyse_failures
    from gpuplace.solvers import SolveParameters
    from gpuplace.solvers.plan import relative_gap

    instance = case.load(PLANS[plan_name])
    params = SolveParameters(time_limit_s=time_limit_s, gap=GAP, threads=2, seed=0)
    violations: tuple = ()
    try:
        plan = solve_plan(instance, solver=solver, params=params)
    except PlanVerificationError as failed:
        plan, violations = failed.plan, failed.violations
    row: dict = {
        "instance": case.label,
        "plan": plan_name,
        "regions": instance.n_regions,
        "sites": instance.n_sites,
        "solver": solver,
        "status": plan.status.value,
        "solve_s": round(plan.wall_s, 2),
        "objective": plan.solver_objective,
        "bound": plan.bound,
        "gap": relative_gap(plan.solver_objective, plan.bound),
        "cost": None,
        "open_sites": None,
        "gpus": None,
        "violations": None,
        "failover_unserved_max": None,
        "notes": list(plan.notes or ())[-2:],
        "note": case.note,
    }
    if not plan.has_decisions:
        return row
    gpus = plan.arrays(instance).gpus
    row["cost"] = plan.kpis.total_cost
    row["open_sites"] = int((gpus.sum(axis=1) > 0).sum())
    row["gpus"] = int(gpus.sum())
    row["violations"] = len(violations)
    flagged = instance
    if not instance.constraints.survive_site_failure:
        flagged = dataclasses.replace(
            instance,
            constraints=dataclasses.replace(instance.constraints, survive_site_failure=True),
        )
    impacts = analyse_failures(flagged, plan, links=False, workers=1, failover=True)
    row["failover_unserved_max"] = max((i.unserved_demand for i in impacts), default=0.0)
    return row


def run(
    quick: bool,
    *,
    world_regions: int = WORLD_REGIONS,
    time_limit_s: float | None = None,
    solver: str = "auto",
    cache: Path | None = None,
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> list[dict]:
    """Solve, verify and failure-check every plan of every case.

    Parameters
    ----------
    quick : bool
        APAC only (two variants, three plans each; under a minute on 2 cores).
    world_regions : int
        Regions of the world instance.
    time_limit_s : float, optional
        Per solve (default 300 s, 120 s with ``quick``).
    solver : str
        Backend (``auto`` by default: what a scenario gets unless it names one).
    cache : pathlib.Path, optional
        Folder for the generated world scenario (default ``bench/.cache``).
    log : callable
        Progress lines.

    Returns
    -------
    list[dict]
        One row per (instance, plan), with ``price`` = cost / plain cost on the same instance.
    """
    limit = time_limit_s if time_limit_s is not None else (120.0 if quick else 300.0)
    rows = []
    for case in cases(quick, world_regions, cache):
        for plan_name in case.plans:
            log(f"resilience: {case.label} / {plan_name}")
            rows.append(measure(case, plan_name, limit, solver))
    plain = {r["instance"]: r["cost"] for r in rows if r["plan"] == "plain"}
    for r in rows:
        base = plain.get(r["instance"])
        r["price"] = r["cost"] / base if r["cost"] is not None and base else None
    return rows


def markdown(rows: list[dict]) -> str:
    """The rows as a markdown table."""

    def num(v, fmt):
        return "—" if v is None else format(v, fmt)

    lines = [
        "| instance | plan | status | cost | × plain | objective | gap | time (s) "
        "| sites | GPUs | verify | worst site loss (failover) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['instance']} | {r['plan']} | {r['status']} | {num(r['cost'], ',.0f')} "
            f"| {num(r['price'], '.3f')} | {num(r['objective'], ',.0f')} "
            f"| {'—' if r['gap'] is None else format(100 * r['gap'], '.2f') + ' %'} "
            f"| {num(r['solve_s'], '.1f')} | {num(r['open_sites'], 'd')} | {num(r['gpus'], ',d')} "
            f"| {'—' if r['violations'] is None else ('ok' if r['violations'] == 0 else r['violations'])} "
            f"| {num(r['failover_unserved_max'], ',.1f')} |"
        )
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    """Atomic write (temp file in the same folder, then replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="APAC only")
    parser.add_argument("--world-regions", type=int, default=WORLD_REGIONS)
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--out", default=None, help="folder for resilience.json and .md")
    args = parser.parse_args(argv)
    rows = run(
        args.quick,
        world_regions=args.world_regions,
        time_limit_s=args.time_limit,
        solver=args.solver,
    )
    table = markdown(rows)
    if args.out:
        _write(Path(args.out) / "resilience.json", json.dumps(rows, indent=2) + "\n")
        _write(Path(args.out) / "resilience.md", table + "\n")
    print(table)
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
