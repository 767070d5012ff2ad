"""Solve, verify, compare, report, sweep and analyse failures from Python.

Each function is the library entry the matching ``gpuplace`` command calls,
with Python values in and out: plans are `Plan`
values (a path to a plan file is read), results are frozen values with
``to_dict`` and, for plans, DataFrames (``plan.sites_frame()`` and the rest).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gpuplace.pipeline import solve_parameters, solve_plan
from gpuplace.planning.compare import Comparison, compare_plans, plan_labels
from gpuplace.planning.failures import FailureImpact, analyse_failures
from gpuplace.planning.sweep import SolverOptions, SweepResult, run_sweep
from gpuplace.planning.sweep_grid import Vary
from gpuplace.resilience.failure_cases import SrlgGroups, load_srlg
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.plan import Plan
from gpuplace.solvers.verify import Violation, verify_plan

if TYPE_CHECKING:  # the report needs the report extra (folium, matplotlib): imported when used
    from gpuplace.planning.report import Report

__all__ = ["PlanLike", "compare", "failures", "report", "solve", "sweep", "verify"]

PlanLike = Plan | str | os.PathLike[str]


def _plan(plan: PlanLike) -> Plan:
    return plan if isinstance(plan, Plan) else Plan.read(plan)


def solve(
    instance: Instance,
    *,
    solver: str | None = None,
    time_limit_s: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    seed: int | None = None,
    cancel: CancelToken | None = None,
) -> Plan:
    """Solve a scenario and return its plan, verified independently.

    Parameters
    ----------
    instance : Instance
        From `load`, `from_frames` or `from_geodataframes`.
    solver : str, optional
        ``auto`` (the scenario's default), ``highs``, ``cpsat``, ``scip``, ``greedy``.
    time_limit_s, gap, threads, seed : optional
        Override the scenario's ``[solver]`` table. ``threads=1`` and a fixed seed
        give the same plan on every run.
    cancel : CancelToken, optional
        Cancel it from any thread to stop the solve early; the best verified plan
        found so far is returned, marked ``interrupted``.

    Returns
    -------
    Plan
        Status ``optimal`` (within ``gap``) or ``feasible`` with decisions; or
        ``infeasible`` / ``no_solution`` with ``plan.diagnosis`` saying why. Safe to
        call from several threads at once, each with its own instance or the same one.

    Raises
    ------
    InputError
        Unknown or unavailable solver, bad custom constraints.
    PlanVerificationError
        The solver's plan breaks a rule of the scenario (a defect, never a plan to use).

    Examples
    --------
    >>> import gpuplace
    >>> instance = gpuplace.from_frames(*gpuplace.dataset_frames("apac", countries=["NZ"]))
    >>> plan = gpuplace.solve(instance, threads=1)
    >>> plan.status.value, plan.kpis.sites_open, plan.kpis.served_fraction
    ('optimal', 1, 1.0)
    >>> sites = plan.sites_frame()
    >>> sites["site"].tolist(), bool(sites["utilisation"].max() <= 0.85)  # max_utilisation
    (['wlg1'], True)
    """
    params = solve_parameters(
        instance, time_limit_s=time_limit_s, gap=gap, threads=threads, seed=seed
    )
    if cancel is not None:
        params = replace(params, cancel=cancel)
    return solve_plan(instance, solver=solver, params=params)


def verify(instance: Instance, plan: PlanLike, *, tolerance: float = 1e-6) -> list[Violation]:
    """Check every rule of a plan against a scenario, recomputed from the inputs.

    Parameters
    ----------
    instance : Instance
        The scenario the plan claims to answer.
    plan : Plan or path-like
        A plan value, or a plan file.
    tolerance : float
        Relative tolerance (absolute below 1) on every comparison.

    Returns
    -------
    list of Violation
        Empty when the plan is valid; else one entry per broken rule (``rule``,
        ``constraint``, ``subject``, ``message``, ``amount``).

    Examples
    --------
    >>> import gpuplace
    >>> frames = gpuplace.dataset_frames("apac", countries=["NZ"])
    >>> plan = gpuplace.solve(gpuplace.from_frames(*frames), threads=1)
    >>> gpuplace.verify(gpuplace.from_frames(*frames), plan)
    []
    >>> frames.settings["constraints"]["max_utilisation"] = 0.5
    >>> [v.constraint for v in gpuplace.verify(gpuplace.from_frames(*frames), plan)]
    ['capacity']
    """
    return verify_plan(instance, _plan(plan).to_dict(), tolerance=tolerance)


def compare(
    plans: Sequence[PlanLike] | Mapping[str, PlanLike], labels: Sequence[str] | None = None
) -> Comparison:
    """Compare plans side by side, as ``gpuplace compare`` does.

    Parameters
    ----------
    plans : sequence or mapping
        Plans or plan files, the first the baseline; a mapping names each plan.
    labels : sequence of str, optional
        One name per plan (default: the mapping's keys, the files' stems, or
        ``plan1``, ``plan2``...).

    Returns
    -------
    Comparison
        ``metrics`` (KPI -> one value per plan), ``site_presence``, ``gpu_deltas``,
        ``pool_changes`` and ``warnings``; ``pandas.DataFrame(c.metrics, index=c.labels).T``
        is the KPI table.

    Examples
    --------
    >>> import gpuplace
    >>> frames = gpuplace.dataset_frames("apac", countries=["NZ"])
    >>> base = gpuplace.solve(gpuplace.from_frames(*frames), threads=1)
    >>> regions = frames.regions
    >>> regions.loc[regions["id"] == "auckland-nz", "sla_rtt_ms"] = 3.0
    >>> near = gpuplace.solve(gpuplace.from_frames(*frames), threads=1)
    >>> c = gpuplace.compare({"base": base, "Auckland 3 ms": near})
    >>> c.site_presence
    [{'site': 'akl1', 'in': ['Auckland 3 ms']}, {'site': 'wlg1', 'in': ['base']}]
    >>> base_cost, near_cost = c.metrics["total_cost"]
    >>> near_cost > base_cost
    True
    """
    if isinstance(plans, Mapping):
        names = list(plans) if labels is None else list(labels)
        values = [_plan(p) for p in plans.values()]
    else:
        values = [_plan(p) for p in plans]
        names = list(labels) if labels is not None else _default_labels(plans)
    return compare_plans(values, names)


def _default_labels(plans: Sequence[PlanLike]) -> list[str]:
    paths = [p for p in plans if not isinstance(p, Plan)]
    if len(paths) == len(plans):
        return plan_labels(paths)
    return [f"plan{i + 1}" for i in range(len(plans))]


def report(
    instance: Instance,
    plan: PlanLike,
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    tiles: str | None = "OpenStreetMap",
) -> Report:
    """Write the report folder of a plan, as ``gpuplace report`` does.

    ``index.html`` with the KPIs, an interactive map (``map.html``), GeoJSON layers,
    CSV tables and PNG plots, written into ``out`` (built beside it, renamed into
    place when complete). ``tiles=None`` draws no background tiles (offline).

    Raises
    ------
    InputError
        ``out`` exists and is not empty (without ``force``), or cannot be written.

    Examples
    --------
    >>> import tempfile, gpuplace
    >>> instance = gpuplace.from_frames(*gpuplace.dataset_frames("apac", countries=["NZ"]))
    >>> plan = gpuplace.solve(instance, threads=1)
    >>> written = gpuplace.report(instance, plan, tempfile.mkdtemp() + "/report", tiles=None)
    >>> "index.html" in written.files and "sites.geojson" in written.files
    True
    """
    from gpuplace.planning.report import build_report

    return build_report(instance, _plan(plan), out, force=force, tiles=tiles)


def _varies(vary: Mapping[str, Sequence[Any]] | Sequence[str]) -> list[Vary] | list[str]:
    if isinstance(vary, Mapping):
        return [Vary(key, tuple(_text(v) for v in values)) for key, values in vary.items()]
    return [str(v) for v in vary]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def sweep(
    scenario: str | os.PathLike[str],
    vary: Mapping[str, Sequence[Any]] | Sequence[str],
    out: str | os.PathLike[str],
    *,
    overrides: Mapping[str, str] | None = None,
    solver: str | None = None,
    time_limit_s: float | None = None,
    gap: float | None = None,
    threads: int | None = 1,
    seed: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    pareto: str | None = None,
) -> SweepResult:
    """Solve every combination of varied scenario keys on Dask, as ``gpuplace sweep`` does.

    Parameters
    ----------
    scenario : path-like
        The scenario TOML file (each case is loaded from it with its overrides).
    vary : mapping or sequence of str
        ``{"constraints.budget": [1e8, 2e8]}``, or ``["constraints.budget=1e8:2e8:5"]``
        in the ``--vary`` syntax.
    out : path-like
        Output folder (``results.csv``, ``plans/``, ``pareto.csv``, ``pareto.png``);
        an existing sweep folder is resumed.
    overrides : mapping, optional
        ``--set`` overrides applied to every case.
    solver, time_limit_s, gap, threads, seed : optional
        Solver settings of every case (default: the scenario's; one thread).
    scheduler : str, optional
        Address of a running Dask scheduler (default: a local cluster).
    workers : int, optional
        Processes of the local cluster.
    force : bool
        Solve every case again.
    pareto : str, optional
        ``X,Y`` axes of the Pareto front.

    Returns
    -------
    SweepResult
        ``rows`` (one dict per case; ``pandas.DataFrame(result.rows)``), ``pareto``
        marks, counts of solved, reused and failed cases.

    Examples
    --------
    >>> import gpuplace
    >>> result = gpuplace.sweep(  # doctest: +SKIP
    ...     gpuplace.dataset("apac"), {"constraints.budget": [1e8, 1.5e8]}, "out/sweep"
    ... )
    >>> [row["status"] for row in result.rows]  # doctest: +SKIP
    ['feasible', 'optimal']
    """
    options = SolverOptions(
        solver=solver, time_limit_s=time_limit_s, gap=gap, threads=threads, seed=seed
    )
    return run_sweep(
        scenario,
        _varies(vary),
        out,
        base_overrides=overrides,
        options=options,
        scheduler=scheduler,
        workers=workers,
        force=force,
        pareto=pareto,
    )


def failures(
    instance: Instance,
    plan: PlanLike,
    *,
    mode: str = "rehome",
    srlg: SrlgGroups | str | os.PathLike[str] | None = None,
    sites: bool = True,
    links: bool = True,
    failover: bool = False,
    solver: str = "auto",
    time_limit_s: float | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> list[FailureImpact]:
    """What the loss of each open site, each link and each shared-risk group does to a plan.

    Parameters
    ----------
    instance : Instance
        The scenario the plan answers.
    plan : Plan or path-like
        The plan.
    mode : {"rehome", "resolve"}
        ``rehome``: demand the surviving GPUs can no longer serve within SLA;
        ``resolve``: also the cheapest repair (a MIP per failure, with ``solver``).
    srlg : mapping or path-like, optional
        Shared-risk link groups, ``{group: [(source, target), ...]}`` or a CSV/JSON file.
    sites, links : bool
        Include single-site and single-link failures.
    failover : bool
        Re-home as ``survive_site_failure`` does (within ``failover_sla_factor``,
        link limits off).
    time_limit_s : float, optional
        Limit of each repair solve.
    scheduler, workers : optional
        Dask scheduler address, or local worker processes (default: in-process
        for ``rehome``, one process per core for ``resolve``).

    Returns
    -------
    list of FailureImpact
        Worst first; ``pandas.DataFrame([i.to_dict() for i in impacts])`` is the table.

    Examples
    --------
    >>> import gpuplace
    >>> instance = gpuplace.from_frames(*gpuplace.dataset_frames("apac", countries=["NZ"]))
    >>> plan = gpuplace.solve(instance, threads=1)
    >>> worst = gpuplace.failures(instance, plan, links=False)[0]
    >>> worst.kind, worst.failed, worst.unserved_fraction
    ('site', ('wlg1',), 1.0)
    """
    groups = load_srlg(Path(srlg)) if isinstance(srlg, str | os.PathLike) else srlg
    return analyse_failures(
        instance,
        _plan(plan),
        mode=mode,
        srlg=groups,
        sites=sites,
        links=links,
        scheduler=scheduler,
        workers=workers,
        solver=solver,
        params=solve_parameters(instance, time_limit_s=time_limit_s),
        srlg_source=os.fspath(srlg) if isinstance(srlg, str | os.PathLike) else "srlg",
        failover=failover,
    )
