"""Failure analysis of a plan, fanned out over cases: one site, one link, one SRLG group.

Each case is :func:`gpuplace.resilience.failure_analysis.analyse_case` (the
re-home LP, and in ``resolve`` mode the cheapest repair); this module builds the
cases, runs them through :func:`planning.executor.run_tasks` (locally or on a
Dask cluster), or one after the other in-process when the executor is not
available, and sorts them worst first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.resilience.failure_analysis import analyse_case, failure_context
from gpuplace.resilience.failure_cases import FailureCase, SrlgGroups, failure_cases
from gpuplace.resilience.impact import (
    FailureImpact,
    LinkOverload,
    RedundancyGuarantee,
    redundancy_guarantee,
)
from gpuplace.resilience.plan_arrays import plan_arrays
from gpuplace.resilience.serving_failures import analyse_serving_case, serving_failure_context
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan import Plan

MODES = ("rehome", "resolve")

__all__ = [
    "MODES",
    "FailureImpact",
    "LinkOverload",
    "RedundancyGuarantee",
    "analyse_failures",
    "redundancy_guarantee",
]


def _impact_order(impact: FailureImpact) -> tuple:
    return (
        -impact.unserved_demand,
        -(impact.repair_cost or 0.0),
        -len(impact.affected_regions),
        -len(impact.overloaded_links),
        ("site", "srlg", "link").index(impact.kind),
        impact.name,
    )


def _run(
    func: Callable[[FailureCase], FailureImpact],
    cases: list[FailureCase],
    *,
    mode: str,
    scheduler: str | None,
    workers: int | None,
    progress: bool,
) -> list[FailureImpact]:
    """Cases on Dask (``scheduler``, or ``workers`` > 1, or ``resolve``), else in-process.

    A re-home case is a small LP: starting worker processes costs more than it saves
    unless asked for. Repairs are MIPs, worth a local cluster.
    """
    distributed = scheduler is not None or (workers or 0) > 1
    if workers is None and mode == "resolve" and len(cases) > 1:
        distributed = True
    if workers == 1 and scheduler is None:
        distributed = False
    if distributed:
        try:
            from gpuplace.planning.executor import run_tasks
        except ImportError:
            distributed = False
    if not distributed:
        return [func(case) for case in cases]
    return list(
        run_tasks(
            func,
            cases,
            scheduler=scheduler,
            workers=workers,
            progress=progress,
            description="failures",
        )
    )


def analyse_failures(
    instance: Instance,
    plan: Plan,
    *,
    mode: str = "rehome",
    srlg: SrlgGroups | None = None,
    sites: bool = True,
    links: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    solver: str = "auto",
    params: Any = None,
    srlg_source: str = "srlg",
    failover: bool = False,
) -> list[FailureImpact]:
    """Impact of losing each open site, each link and each SRLG group, worst first.

    Parameters
    ----------
    instance : Instance
        The scenario the plan was made for.
    plan : Plan
        The plan (its ``source`` names it in messages).
    mode : {"rehome", "resolve"}
        ``rehome``: how much demand the surviving GPUs can still serve within SLA.
        ``resolve``: also the cheapest repair (GPUs to add, sites to open).
    srlg : dict, optional
        Shared-risk link groups, ``{group: [(source, target), ...]}`` (see
        :func:`gpuplace.resilience.failure_cases.load_srlg`).
    sites, links : bool
        Include single-site and single-link failures.
    scheduler : str, optional
        Dask scheduler address (or scheduler file): cases run there.
    workers : int, optional
        Processes of a local Dask cluster. Default: in-process for ``rehome`` (small
        LPs), a local cluster of one process per core for ``resolve`` (MIPs); 1 runs
        everything in-process.
    progress : bool
        Show progress.
    solver : str
        Backend for ``resolve`` repairs.
    params : solvers.result.SolveParameters, optional
        Parameters for ``resolve`` repairs.
    srlg_source : str
        File name of the SRLG groups, for messages.
    failover : bool
        Re-home as ``survive_site_failure`` does: within ``sla_rtt_ms x
        failover_sla_factor``, link capacities not enforced (default: within the SLA,
        link capacities enforced when the scenario enforces them).

    Returns
    -------
    list[FailureImpact]
        Sorted by impact: unserved demand, then repair cost, then regions affected.
        With serving models each holds ``slo_attainment`` per model and tier
        (:mod:`gpuplace.resilience.serving_failures`).

    Raises
    ------
    InputError
        Unknown mode, a plan naming unknown sites, regions or GPU types, or an SRLG
        group naming an unknown node or link.
    """
    if mode not in MODES:
        raise InputError(Problem("--mode", "", f"must be one of {', '.join(MODES)}, not {mode!r}"))
    arrays = plan_arrays(instance, plan)
    cases = failure_cases(
        instance, arrays.open_sites, sites=sites, links=links, srlg=srlg, srlg_source=srlg_source
    )
    if instance.serving is not None:
        served = plan.arrays(instance)
        serving_context = serving_failure_context(instance, served, mode, solver, params, failover)
        func = functools.partial(analyse_serving_case, serving_context)
    else:
        context = failure_context(instance, arrays, mode, solver, params, failover)
        func = functools.partial(analyse_case, context)
    impacts = _run(func, cases, mode=mode, scheduler=scheduler, workers=workers, progress=progress)
    return sorted(impacts, key=_impact_order)
