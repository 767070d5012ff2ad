"""Survivable plans by constraint generation: ``survive_site_failure = true``.

:func:`solve_survivable` solves a plan that survives the loss of any one open
site: solve, check every single-site failure with the failover LP
(:func:`gpuplace.resilience.certify.biting_failures`), add what the failures that
bite need, re-solve, repeat. By default (``method="cuts"``) that is failover
capacity cuts, with a-priori rows, LP rounds and repaired incumbents
(:class:`gpuplace.resilience.cut_loop.CutLoop`); ``method="scenarios"`` adds a
copy of the assignment per failure (:class:`FailureCaseRows`). Both run above
:func:`solvers.solve`, passing their rows as constraint pieces.

Failover does not enforce link capacities: after the loss of a site, traffic may
exceed a link's nominal capacity for the duration of the repair. This keeps the
failover guarantee about compute, where GPUs are the expensive, slow-to-add resource.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from gpuplace.resilience.certify import biting_failures, unsurvivable_regions
from gpuplace.resilience.cut_loop import CutLoop, CutLoopOptions, RoundLog, without_flag
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.api import backend_class, params_from_instance, solve
from gpuplace.solvers.backends.solution import empty_solution
from gpuplace.solvers.constraints.survivability import add_failover_rows
from gpuplace.solvers.constraints.survivability import name as FAMILY
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.reachable import ReachablePairs, reachable_pairs
from gpuplace.solvers.result import Solution, SolveParameters, Status

__all__ = ["METHODS", "FailureCaseRows", "solve_survivable"]

METHODS = ("auto", "cuts", "scenarios")
MIN_ROUND_S = 0.1  # a round that starts just before the deadline still gets this long


class FailureCaseRows:
    """The failover variables and rows of the given failure cases (a constraint piece).

    One copy of the assignment per site in ``sites``
    (:func:`solvers.constraints.survivability.add_failover_rows`).
    """

    name = FAMILY

    def __init__(self, sites: Sequence[int]) -> None:
        self.sites = tuple(sorted(int(s) for s in sites))

    def applies(self, instance: Instance) -> bool:
        return bool(self.sites)

    def add(self, model: ModelBuilder, instance: Instance) -> None:
        add_failover_rows(model, instance, self.sites)


def solve_survivable(
    instance: Instance,
    solver: str = "auto",
    params: SolveParameters | None = None,
    warm_start: Solution | None = None,
    *,
    method: str = "auto",
    max_rounds: int = 200,
    options: CutLoopOptions | None = None,
    log: list[RoundLog] | None = None,
) -> Solution:
    """A plan that survives the loss of any one open site, by constraint generation.

    Solve the model without failover rows; check every single-site failure of the
    answer with the failover LP; for the failures that bite, add to the model either

    - ``scenarios``: the failover variables and rows of those sites (one copy of
      the assignment per failure), or
    - ``cuts``: the violated capacity cuts of each (rows over the GPU variables,
      from the failover problem's minimum cut), with the accelerations of
      :class:`~gpuplace.resilience.cut_loop.CutLoop`;

    re-solve warm-started from the previous answer; repeat until no single-site
    failure bites. The answer returned is certified against every single-site failure,
    and every model solved is a relaxation of the full problem, so its bound is
    valid for the full problem. ``auto`` uses cuts (much smaller models) when
    ``failover_sla_factor >= 1`` and scenarios otherwise (cuts need the normal
    assignment to be a failover assignment when the failed site is closed).

    Parameters
    ----------
    instance : Instance
        The scenario, with ``constraints.survive_site_failure`` (the flag itself is
        not read: the loop always enforces survivability).
    solver : str
        Backend name, as for :func:`solvers.solve`.
    params : SolveParameters, optional
        Time limit (for the whole loop), gap, threads, seed; default from the instance.
    warm_start : Solution, optional
        A previous Solution, used as the first hint.
    method : {"auto", "cuts", "scenarios"}
        What is added per failure that bites (see above).
    max_rounds : int
        Safety stop on the number of re-solves.
    options : CutLoopOptions, optional
        Accelerations of the ``cuts`` loop (a-priori pool, LP rounds, repaired
        incumbents, early gap); all on by default.
    log : list, optional
        Receives one :class:`~gpuplace.resilience.cut_loop.RoundLog` per round
        (``cuts`` only).

    Returns
    -------
    Solution
        Aligned with ``instance``. ``notes`` say how many cases the model needed.
        INFEASIBLE when no survivable plan exists; NO_SOLUTION when time ran out
        before a survivable plan was found, or the backend cannot enforce the rows.

    Raises
    ------
    InputError
        Unknown or unavailable solver (as :func:`solvers.solve`).
    ValueError
        Unknown ``method``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    backend_class(instance, solver)
    factor = instance.constraints.failover_sla_factor
    if method == "auto":
        method = "cuts" if factor >= 1.0 else "scenarios"
    params = params or params_from_instance(instance)
    started = time.perf_counter()
    pairs = reachable_pairs(instance, sla_factor=factor)
    lonely = unsurvivable_regions(instance, pairs)
    if lonely:
        return _unsurvivable(instance, solver, started, lonely)
    if method == "scenarios":
        return _solve_by_scenarios(instance, solver, params, warm_start, pairs, max_rounds, started)
    left_s = max(1.0, started + params.time_limit_s - time.perf_counter())
    loop = CutLoop(
        instance,
        solver,
        dataclasses.replace(params, time_limit_s=left_s),
        pairs,
        options=options or CutLoopOptions(),
        max_rounds=max_rounds,
        log=log,
    )
    solution = loop.run(warm_start)
    return dataclasses.replace(solution, wall_s=time.perf_counter() - started)


def _unsurvivable(instance: Instance, solver: str, started: float, lonely: list[int]) -> Solution:
    """INFEASIBLE, naming the regions with fewer than two sites within the failover SLA."""
    factor = instance.constraints.failover_sla_factor
    names = ", ".join(instance.region_ids[r] for r in lonely[:10])
    more = f" and {len(lonely) - 10} more" if len(lonely) > 10 else ""
    return empty_solution(
        instance,
        Status.INFEASIBLE,
        started,
        solver,
        "",
        notes=(
            f"survive_site_failure: {len(lonely)} region(s) have fewer than two sites within "
            f"sla_rtt_ms x failover_sla_factor ({factor:g}), so losing their one site "
            f"cannot be survived: {names}{more}",
        ),
    )


def _solve_by_scenarios(
    instance: Instance,
    solver: str,
    params: SolveParameters,
    warm_start: Solution | None,
    pairs: ReachablePairs,
    max_rounds: int,
    started: float,
) -> Solution:
    """Scenario generation: add the failover rows of every failure that bites, re-solve."""
    deadline = started + params.time_limit_s
    base = without_flag(instance)
    added: set[int] = set()
    hint = warm_start
    for round_number in range(1, max_rounds + 1):
        remaining = max(MIN_ROUND_S, deadline - time.perf_counter())
        round_params = dataclasses.replace(params, time_limit_s=remaining)
        pieces = [FailureCaseRows(sorted(added))]
        solution = solve(base, solver, round_params, hint, extra_pieces=pieces)
        elapsed = time.perf_counter() - started
        what = f"{len(added)} failure case(s)"
        if solution.status not in (Status.OPTIMAL, Status.FEASIBLE):
            note = f"survive_site_failure: round {round_number}, {what} in the model"
            return dataclasses.replace(solution, wall_s=elapsed, notes=solution.notes + (note,))
        biting = biting_failures(instance, solution, pairs)
        if not biting:
            note = (
                f"survive_site_failure: every single-site failure checked; {what} "
                f"in the model after {round_number} round(s)"
            )
            return dataclasses.replace(solution, wall_s=elapsed, notes=solution.notes + (note,))
        new = set(biting) - added
        out_of_time = time.perf_counter() >= deadline
        if not new or out_of_time:
            why = (
                "time ran out"
                if out_of_time and new
                else f"solver {solver!r} returned a plan that breaks rows already in the model"
            )
            return empty_solution(
                instance,
                Status.NO_SOLUTION,
                started,
                solution.backend,
                solution.backend_version,
                bound=solution.bound,
                interrupted=solution.interrupted,
                notes=(f"survive_site_failure: no survivable plan found ({why})",),
            )
        added |= new
        hint = solution
    return empty_solution(
        instance,
        Status.NO_SOLUTION,
        started,
        solver,
        "",
        notes=(f"survive_site_failure: no survivable plan after {max_rounds} rounds",),
    )
