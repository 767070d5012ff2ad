"""Quantified infeasibility diagnosis: which one family, relaxed alone, admits a plan, and by how much.

For an infeasible model M and each relaxable family F (:mod:`solvers.diagnosis.relax`):

1. the LP relaxation of the F-relaxation problem: infeasible proves that
   removing F alone leaves no plan; otherwise its optimum is a proven bound
   (least cost, least slack, fewest sites);
2. then, for the families the LPs did not rule out, the MIP with a share of
   the remaining time: a plan found proves that removing F alone suffices (and
   how much loosening is enough), its dual bound how much is needed at least.

All runs share one time budget and stop early once the cancel token they
were given (:class:`~solvers.cancel.CancelToken`) is cancelled.
"""

from __future__ import annotations

import time

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.diagnosis import fmt
from gpuplace.solvers.diagnosis.findings import NOT_ALONE, RESTORES, SHORT, UNDECIDED, Finding
from gpuplace.solvers.diagnosis.highs_run import INFEASIBLE, Outcome, Runner
from gpuplace.solvers.diagnosis.messages import finding
from gpuplace.solvers.diagnosis.relax import COST, ELASTIC, problem_for, relaxations
from gpuplace.solvers.model.builder import LinearModel

__all__ = [
    "DEFAULT_TIME_S",
    "conflicting_families",
    "diagnosis_time_s",
    "explain",
    "messages_of",
    "relaxation_findings",
]

DEFAULT_TIME_S = 30.0
# Share of the time budget the LP pass may use before the MIPs.
_LP_SHARE = 0.3


def diagnosis_time_s(solve_time_limit_s: float, cap_s: float = DEFAULT_TIME_S) -> float:
    """Default diagnosis budget: ``min(cap_s, solve_time_limit_s)``, at least one second."""
    return max(1.0, min(cap_s, float(solve_time_limit_s)))


def relaxation_findings(
    model: LinearModel,
    instance: Instance,
    time_limit_s: float = DEFAULT_TIME_S,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> list[Finding]:
    """Relax each constraint family of an infeasible model alone, and say what that proves.

    Parameters
    ----------
    model
        The model of ``instance`` (``solvers.model.build_model``), known to be infeasible.
    instance
        The instance (ids for messages, bounds each family implies).
    time_limit_s
        Wall-clock budget of the whole diagnosis.
    seed
        HiGHS random seed.
    cancel
        Runs stop, and no further run starts, once it is cancelled.

    Returns
    -------
    list of Finding
        One per relaxable family, in :func:`solvers.diagnosis.relax.relaxations` order.
    """
    deadline = time.perf_counter() + max(0.1, float(time_limit_s))
    lp_deadline = time.perf_counter() + _LP_SHARE * max(0.1, float(time_limit_s))
    variants = [problem_for(model, r) for r in relaxations(model, instance)]
    if not variants:
        return []
    cancel = cancel or CancelToken()
    runner = Runner(seed=seed, cancel=cancel)
    lps: list[Outcome | None] = [None] * len(variants)
    for i, variant in enumerate(variants):
        left = lp_deadline - time.perf_counter()
        if left <= 0.05 or cancel.cancelled:
            break
        lps[i] = runner.run(variant.problem, left / (len(variants) - i), relax=True)
    # Quick decisions first (feasibility), the quantities that improve with time last.
    order = sorted(
        range(len(variants)),
        key=lambda i: (
            variants[i].relaxation.kind == COST,
            variants[i].relaxation.kind == ELASTIC,
        ),
    )
    todo = [i for i in order if (lp := lps[i]) is None or lp.status != INFEASIBLE]
    mips: list[Outcome | None] = [None] * len(variants)
    for n, i in enumerate(todo):
        left = deadline - time.perf_counter()
        if left <= 0.05 or cancel.cancelled:
            break
        mips[i] = runner.run(variants[i].problem, left / (len(todo) - n))
    return [
        finding(model, instance, variant, lps[i], mips[i]) for i, variant in enumerate(variants)
    ]


def messages_of(findings: list[Finding], time_limit_s: float) -> list[str]:
    """Planner-facing lines: what restores feasibility, what alone does not, what is undecided."""
    out = [f.message for f in findings if f.verdict in (RESTORES, SHORT)]
    fixes = [f.label for f in findings if f.verdict == RESTORES]
    if len(fixes) > 1:
        out.append(f"any one of these changes alone makes a plan possible: {', '.join(fixes)}")
    alone = [f.label for f in findings if f.verdict == NOT_ALONE]
    if alone:
        out.append(f"relaxing only one of these still leaves no plan: {', '.join(alone)}")
    undecided = [f.label for f in findings if f.verdict == UNDECIDED]
    if undecided:
        out.append(
            f"not decided within the diagnosis time ({fmt.number(time_limit_s, 'nearest', 's')}): "
            f"{', '.join(undecided)}"
        )
    return out


def explain(
    model: LinearModel,
    instance: Instance,
    time_limit_s: float = DEFAULT_TIME_S,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> list[str]:
    """Messages for an infeasible model: :func:`relaxation_findings` in planner terms.

    When no family alone restores feasibility and time remains, the CP-SAT
    explanation (families in conflict) is added. Everything stops once
    ``cancel`` is cancelled.
    """
    started = time.perf_counter()
    cancel = cancel or CancelToken()
    findings = relaxation_findings(model, instance, time_limit_s, seed, cancel)
    out = messages_of(findings, time_limit_s)
    if findings and all(f.verdict == NOT_ALONE for f in findings):
        out.insert(
            0,
            "no single constraint family explains it: relaxing any one alone still leaves no plan",
        )
    if not any(f.verdict in (RESTORES, SHORT) for f in findings):
        left = time_limit_s - (time.perf_counter() - started)
        if left >= 1.0 and not cancel.cancelled:
            out.extend(conflicting_families(model, left, cancel))
    return out


def conflicting_families(
    model: LinearModel, time_limit_s: float, cancel: CancelToken | None = None
) -> list[str]:
    """Constraint families that cannot hold together (CP-SAT assumptions), as messages."""
    from gpuplace.solvers.backends.cpsat import infeasible_families

    fams = infeasible_families(model, time_limit_s=time_limit_s, cancel=cancel)
    if fams is None:
        return ["infeasible; no smaller explanation was found within the time allowed"]
    if not fams:
        return ["infeasible: the variable bounds alone admit no plan"]
    return [f"infeasible: these constraint families cannot all hold together: {', '.join(fams)}"]
