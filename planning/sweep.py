"""Parameter sweeps: many solves of one scenario with overrides, in parallel on Dask.

Each case is the scenario loaded with one combination of the ``--vary``
values, solved, verified (``solvers.verify.verify_plan``) and written. The
output folder holds:

- ``sweep.json``: what was swept (marks the folder as a sweep folder);
- ``results.csv``: one row per case (case key, varied values, status, objective,
  bound, gap, wall_s, total_cost, sites_open, served_fraction, mean_rtt_ms,
  p95_rtt_ms, max_link_utilisation, solver, diagnosis, error, plan file);
- ``plans/<case>.json``: the verified plan of every case that has one
  (an infeasible case has none: its row holds the diagnosis);
- ``cases/<case>.json``: the result row of every finished case, so an
  interrupted or repeated sweep solves only what is missing;
- ``pareto.csv`` and ``pareto.png``: the Pareto-optimal cases on two axes.

The case key is a hash of the scenario after overrides (``Instance.sha256``)
and the solver settings: a case already in ``cases/`` is not solved again
(unless ``force``); cases that ended in ``error`` are retried.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.files import write_bytes, write_json, write_text
from gpuplace.files_read import read_json
from gpuplace.planning.executor import default_workers, run_tasks
from gpuplace.planning.sweep_case import (
    ERROR,
    HAS_PLAN,
    CaseResult,
    CaseTask,
    case_key,
    error_result,
    solve_case,
)
from gpuplace.planning.sweep_folder import (
    CASES_DIR,
    PLANS_DIR,
    SWEEP_SCHEMA,
    check_folder,
    claim_folder,
)
from gpuplace.planning.sweep_grid import Vary, grid, parse_varies
from gpuplace.planning.sweep_outputs import (
    Axis,
    mark_front,
    pareto_axes,
    pareto_csv,
    pareto_png,
    results_csv,
)
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.result import SolveParameters
from gpuplace.untrusted import terminal_text

__all__ = ["RESULTS", "SolverOptions", "SweepResult", "run_sweep"]

RESULTS = "results.csv"


@dataclass(frozen=True)
class SolverOptions:
    """Solver settings of every case; None takes the scenario's ``[solver]`` value."""

    solver: str | None = None
    time_limit_s: float | None = None
    gap: float | None = None
    threads: int | None = 1
    seed: int | None = None

    def resolve(self, instance: Instance) -> tuple[str, SolveParameters]:
        s = instance.solver
        params = SolveParameters(
            time_limit_s=s.time_limit_s if self.time_limit_s is None else self.time_limit_s,
            gap=s.gap if self.gap is None else self.gap,
            threads=s.threads if self.threads is None else self.threads,
            seed=s.seed if self.seed is None else self.seed,
        )
        return self.solver or s.name, params


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did.

    Attributes
    ----------
    out_dir : Path
    rows : list of dict
        One per case, in grid order (the rows of ``results.csv``).
    solved : int
        Cases run now (including those that ended in error).
    reused : int
        Cases found done in the output folder.
    errors : int
        Rows with status ``error``.
    pareto : list of bool
        Pareto-optimal mark per row.
    axes : tuple of Axis
    """

    out_dir: Path
    rows: list[dict[str, Any]]
    solved: int
    reused: int
    errors: int
    pareto: list[bool] = field(default_factory=list)
    axes: tuple[Axis, ...] = ()
    vary_keys: tuple[str, ...] = ()


def _read_cached(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except InputError:
        return None
    row = data.get("row") if isinstance(data, dict) else None
    return row if isinstance(row, dict) else None


def _check_solver(name: str | None) -> None:
    if name is None:
        return
    from gpuplace.solvers import available_solvers

    known = available_solvers()
    if name not in known:
        raise InputError(
            Problem("--solver", name, f"unknown solver (known: {', '.join(sorted(known))})")
        )
    if not known[name]:
        raise InputError(Problem("--solver", name, "this solver is not installed here"))


def _check_vary_keys(scenario: str | os.PathLike[str], keys: list[str]) -> None:
    from gpuplace.scenario.schema import all_keys, key_spec, suggest

    problems = [
        Problem(str(scenario), f"--vary {key}", f"unknown key '{key}'{suggest(key, all_keys())}")
        for key in keys
        if key_spec(key) is None
    ]
    if problems:
        raise InputError(problems)


@dataclass
class _Cases:
    """The grid's cases, loaded: reused results, tasks to run, and every file they read."""

    cases: list[dict[str, str]]
    keys: list[str] = field(default_factory=list)
    results: dict[str, CaseResult] = field(default_factory=dict)
    tasks: dict[str, CaseTask] = field(default_factory=dict)
    load_errors: list[InputError] = field(default_factory=list)
    inputs: set[str] = field(default_factory=set)
    reused: int = 0


def _load_cases(
    scenario: str | os.PathLike[str],
    base: dict[str, str],
    cases: list[dict[str, str]],
    options: SolverOptions,
    target: Path,
    force: bool,
) -> _Cases:
    from gpuplace.scenario import load_instance

    out = _Cases(cases)
    for overrides in cases:
        try:
            instance = load_instance(scenario, {**base, **overrides})
        except InputError as error:
            out.load_errors.append(error)
            label = f"load-error:{json.dumps(overrides, sort_keys=True)}"
            key = case_key(label, "", SolveParameters())
            out.keys.append(key)
            out.results[key] = error_result(key, str(error))
            continue
        out.inputs.update(instance.input_files)
        solver, params = options.resolve(instance)
        key = case_key(instance.sha256, solver, params)
        out.keys.append(key)
        if key in out.results or key in out.tasks:
            continue
        cached = None if force else _read_cached(target / CASES_DIR / f"{key}.json")
        plan_ok = cached is not None and (
            cached.get("status") not in HAS_PLAN or (target / PLANS_DIR / f"{key}.json").is_file()
        )
        if cached is not None and cached.get("status") != ERROR and plan_ok:
            out.results[key] = CaseResult(key=key, row=cached, plan=None)
            out.reused += 1
        else:
            out.tasks[key] = CaseTask(key=key, instance=instance, solver=solver, params=params)
    return out


def _manifest(
    scenario: str | os.PathLike[str],
    base_instance: Instance,
    base: dict[str, str],
    varies: list[Vary],
    options: SolverOptions,
    axes: tuple[Axis, ...],
) -> dict[str, Any]:
    return {
        "schema": SWEEP_SCHEMA,
        "scenario": str(Path(scenario).resolve()),
        "scenario_name": base_instance.name,
        "scenario_sha256": base_instance.sha256,
        "set": base,
        "vary": [{"key": v.key, "values": list(v.values)} for v in varies],
        "solver": {
            "name": options.solver,
            "time_limit_s": options.time_limit_s,
            "gap": options.gap,
            "threads": options.threads,
            "seed": options.seed,
        },
        "pareto": [{"column": a.column, "sense": a.sense} for a in axes],
    }


class _Writer:
    """Writes what the cases give into the claimed folder, ``results.csv`` after each."""

    def __init__(self, target: Path, loaded: _Cases, vary_keys: list[str], on_case) -> None:
        self.target, self.loaded, self.vary_keys, self.on_case = target, loaded, vary_keys, on_case

    def row_of(self, i: int) -> dict[str, Any]:
        key = self.loaded.keys[i]
        result = self.loaded.results[key]
        plan_file = f"{PLANS_DIR}/{key}.json"
        has_plan = result.row.get("status") in HAS_PLAN and (self.target / plan_file).is_file()
        return {
            "case": key,
            **self.loaded.cases[i],
            **result.row,
            "plan": plan_file if has_plan else None,
        }

    def write_results(self) -> list[dict[str, Any]]:
        done = self.loaded.results
        rows = [self.row_of(i) for i, key in enumerate(self.loaded.keys) if key in done]
        write_text(self.target / RESULTS, results_csv(rows, self.vary_keys))
        return rows

    def record(self, result: CaseResult) -> None:
        if result.plan is not None:
            result.plan.write(self.target / PLANS_DIR / f"{result.key}.json", force=True)
        if result.row.get("status") != ERROR:
            row = {"key": result.key, "row": result.row}
            write_json(self.target / CASES_DIR / f"{result.key}.json", row)
        self.loaded.results[result.key] = result

    def notify(self, key: str) -> None:
        if self.on_case is not None:
            for i, case in enumerate(self.loaded.keys):
                if case == key:
                    self.on_case(self.row_of(i))


def _failed(task: CaseTask, error: BaseException) -> CaseResult:
    return error_result(task.key, f"{type(error).__name__}: {error}", task.solver)


def _long(cases: int, workers: int | None) -> bool:
    """A long sweep: more cases to solve than workers (then its dashboard is worth a look)."""
    return cases > (workers or default_workers())


def _write_front(target: Path, rows: list, vary_keys: list[str], axes: Any, name: str) -> Any:
    """Mark the Pareto front of ``rows``; write pareto.csv and pareto.png; the marks."""
    front = mark_front(rows, axes)
    write_text(target / "pareto.csv", pareto_csv(rows, vary_keys, axes, front))
    title = f"{terminal_text(name, keep_newlines=False)}: {len(rows)} cases, "
    title += f"{int(front.sum())} Pareto-optimal"
    write_bytes(target / "pareto.png", pareto_png(rows, axes, front, title))
    return front


def run_sweep(
    scenario: str | os.PathLike[str],
    vary: Sequence[str] | Sequence[Vary],
    out_dir: str | os.PathLike[str],
    *,
    base_overrides: Mapping[str, str] | None = None,
    options: SolverOptions = SolverOptions(),
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    progress: bool = False,
    pareto: str | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> SweepResult:
    """Solve every combination of the varied keys; write results, plans and the Pareto front.

    Parameters
    ----------
    scenario : path-like
        The scenario TOML file.
    vary : sequence of str or Vary
        ``KEY=VALUES`` options (syntax in :mod:`planning.sweep_grid`) or parsed ones.
    out_dir : path-like
        Output folder; an existing sweep folder is resumed.
    base_overrides : mapping, optional
        Overrides applied to every case (``--set``).
    options : SolverOptions
        Solver name and parameters (default: the scenario's, one thread per case).
    scheduler : str, optional
        Address or scheduler file of a running Dask cluster (default: a local cluster).
    workers : int, optional
        Processes of the local cluster (default: the cores available).
    force : bool
        Solve every case again, and write into a non-empty folder that holds no sweep.
    progress : bool
        Progress bar on standard error.
    pareto : str, optional
        ``X,Y`` axes of the Pareto front (see :func:`planning.sweep_outputs.pareto_axes`).
    on_case : callable, optional
        Called with each row as its case finishes (also for reused cases).
    on_dashboard : callable, optional
        Called with the Dask dashboard's address on a long sweep (:func:`_long`).

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        Bad ``--vary`` / ``--pareto`` / ``--solver``, a base scenario that does
        not load, an output folder that is not a sweep, or every case failing
        to load (a failing case among others is an ``error`` row instead).
    """
    from gpuplace.scenario import load_instance

    if vary and all(isinstance(v, Vary) for v in vary):
        varies = [v for v in vary if isinstance(v, Vary)]
    else:
        varies = parse_varies([str(v) for v in vary])
    vary_keys = [v.key for v in varies]
    _check_vary_keys(scenario, vary_keys)
    base = dict(base_overrides or {})
    base_instance = load_instance(scenario, base)
    axes = pareto_axes(pareto, objective_kind=base_instance.objective.kind, vary_keys=vary_keys)
    _check_solver(options.solver)
    target = Path(out_dir)
    manifest = _manifest(scenario, base_instance, base, varies, options, axes)
    check_folder(target, manifest, force=force)
    loaded = _load_cases(scenario, base, grid(varies), options, target, force)
    if len(loaded.load_errors) == len(loaded.cases):
        raise InputError(loaded.load_errors[0].problems)
    inputs = {*base_instance.input_files, *loaded.inputs}
    # Claimed only once some case loads, so a sweep of bad input leaves nothing behind.
    with claim_folder(target, manifest, force=force, inputs=sorted(inputs)):
        writer = _Writer(target, loaded, vary_keys, on_case)
        for key in list(loaded.results):
            writer.notify(key)
        writer.write_results()
        solved = 0
        for result in run_tasks(
            solve_case,
            list(loaded.tasks.values()),
            scheduler=scheduler,
            workers=workers,
            progress=progress,
            description=f"sweep {base_instance.name}",
            on_error=_failed,
            on_dashboard=on_dashboard if _long(len(loaded.tasks), workers) else None,
        ):
            writer.record(result)
            solved += 1
            writer.write_results()
            writer.notify(result.key)
        rows = writer.write_results()
        front = _write_front(target, rows, vary_keys, axes, base_instance.name)
    return SweepResult(
        out_dir=target,
        rows=rows,
        solved=solved,
        reused=loaded.reused,
        errors=sum(1 for r in rows if r.get("status") == ERROR),
        pareto=[bool(m) for m in front],
        axes=axes,
        vary_keys=tuple(vary_keys),
    )
