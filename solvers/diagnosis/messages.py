"""Turn the outcomes of one relaxation into a :class:`~solvers.diagnosis.findings.Finding`.

Every sentence states only what the runs proved: a bound (rounded on the safe
side), a plan that was found (so the change it needs is enough), or that
removing a family alone leaves no plan.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.diagnosis import fmt
from gpuplace.solvers.diagnosis.findings import NOT_ALONE, RESTORES, SHORT, UNDECIDED, Finding
from gpuplace.solvers.diagnosis.highs_run import INFEASIBLE, OPTIMAL, Outcome
from gpuplace.solvers.diagnosis.relax import COST, COUNT, ELASTIC, Variant, integral_objective
from gpuplace.solvers.model.builder import LinearModel

__all__ = ["finding", "partial_survivability"]

_MAX_LISTED = 8
_TOL = 1e-6
_NO_PLAN = "whether relaxing it alone is enough was not decided in time"
_PARTIAL = (
    "survive_site_failure holds in this model for some single-site failures only, "
    "so its plans prove nothing"
)
_PER_SITE_OR_LINK = frozenset({"power", "space", "link_capacity", "min_gpus"})
# The row family of survivability (the full family, or the rows of a cut loop).
_FAILOVER_FAMILY = "survive_site_failure"


def _best_bound(sense: str, *bounds: float | None) -> float | None:
    known = [b for b in bounds if b is not None and np.isfinite(b)]
    if not known:
        return None
    return max(known) if sense == "min" else min(known)


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return ", ".join(items[:_MAX_LISTED]) + more


def _site_of_row(model: LinearModel, row: int) -> int | None:
    """The site whose ``open`` variable appears in ``row`` (power, space, min_gpus rows)."""
    block = model.var_blocks["open"]
    start, stop = model.A.indptr[row], model.A.indptr[row + 1]
    cols = model.A.indices[start:stop]
    hit = cols[(cols >= block.start) & (cols < block.stop)]
    return int(hit[0] - block.start) if hit.size == 1 else None


def _row_names(model: LinearModel, instance: Instance, variant: Variant) -> list[str | None]:
    family = variant.relaxation.family
    if family == "link_capacity":
        columns = np.asarray(model.meta.get("link_columns", []), dtype=np.int64)
        first = int(model.family_rows(family)[0]) if columns.size else 0
        ids = instance.topology.node_ids
        topo = instance.topology
        names: list[str | None] = []
        for row in variant.slack_rows:
            column = int(columns[int(row) - first])
            e, backwards = divmod(column, 2)
            a, b = int(topo.edge_src[e]), int(topo.edge_dst[e])
            if backwards:
                a, b = b, a
            names.append(f"link {ids[a]} -> {ids[b]}")
        return names
    if family not in _PER_SITE_OR_LINK and model.family_rows(family).size == 1:
        return [None] * variant.slack_rows.size
    out: list[str | None] = []
    for row in variant.slack_rows:
        s = _site_of_row(model, int(row))
        out.append(None if s is None else f"site {instance.site_ids[s]}")
    return out


def _elastic_details(
    model: LinearModel, instance: Instance, variant: Variant, x: np.ndarray
) -> tuple[tuple[str, float], ...] | None:
    """(name, slack) of the plan found, or None when a slack sits at a site the plan keeps closed.

    A plan's GPUs at a site it keeps closed serve nobody and can be removed, so
    slack used only there does not count.
    """
    slack = x[variant.n_model_vars :]
    open_v = model.values(x, "open") > 0.5
    names = _row_names(model, instance, variant)
    out = []
    for k, row in enumerate(variant.slack_rows):
        rhs = model.row_ub[row] if np.isfinite(model.row_ub[row]) else model.row_lb[row]
        if slack[k] <= _TOL * max(1.0, abs(float(rhs))):
            continue
        s = _site_of_row(model, int(row))
        if s is not None and not open_v[s]:
            continue
        out.append((names[k] or variant.relaxation.label, float(slack[k])))
    return tuple(sorted(out, key=lambda item: -item[1]))


def partial_survivability(model: LinearModel, instance: Instance) -> bool:
    """Whether the model holds failover rows for only the failures found so far.

    :func:`gpuplace.resilience.solve_survivable` solves relaxations (the instance
    with the flag off, plus the failover rows of the failures that bit so far,
    passed as extra pieces); a plan of such a model (without some other family)
    need not survive every failure, so it proves nothing about the scenario,
    while its bounds stay valid.
    """
    has_rows = _FAILOVER_FAMILY in model.families()
    return has_rows and not instance.constraints.survive_site_failure


def finding(
    model: LinearModel,
    instance: Instance,
    variant: Variant,
    lp: Outcome | None,
    mip: Outcome | None,
) -> Finding:
    """The :class:`Finding` of one relaxation from its LP and MIP outcomes (either may be None)."""
    r = variant.relaxation
    runs = [o for o in (lp, mip) if o is not None]
    if any(o.status == INFEASIBLE for o in runs):
        return Finding(
            r.key,
            r.label,
            NOT_ALONE,
            f"relaxing {r.label} alone still leaves no plan",
        )
    bound = _best_bound(r.sense, *(o.bound for o in runs))
    found = mip if mip is not None and mip.found else None
    partial = r.family != "survive_site_failure" and partial_survivability(model, instance)
    if partial:
        found = None
    if r.kind == COST:
        out = _cost(instance, variant, bound, found)
    elif r.kind == COUNT:
        out = _count(model, instance, variant, bound, found)
    elif r.kind == ELASTIC:
        out = _elastic(model, instance, variant, bound, found)
    else:
        out = _feasible(model, instance, variant, found)
    if partial:
        out = dataclasses.replace(out, message=out.message.replace(_NO_PLAN, _PARTIAL))
    return out


def _cost(instance: Instance, variant: Variant, bound: float | None, found: Outcome | None):
    r = variant.relaxation
    budget = float(instance.constraints.budget or 0.0)
    if bound is not None and integral_objective(variant.problem):
        bound = float(math.ceil(fmt.rounded(bound, "up", 0)))
    # The full model is infeasible, so every plan meeting the other constraints costs more.
    least = max(bound if bound is not None else -np.inf, budget)
    above = least > budget * (1 + 1e-9)
    plan = found.objective if found is not None else None
    if plan is not None and plan <= budget * (1 + 1e-9):
        return Finding(r.key, r.label, UNDECIDED, f"{r.label}: no conclusion (numerical)")
    head = (
        f"budget {fmt.number(budget)} is below the cost of every plan that meets "
        "the other constraints"
    )
    values: dict[str, Any] = {"unit": "currency", "limit": budget, "least": least}
    if plan is None:
        if not above:
            return Finding(r.key, r.label, UNDECIDED, f"{r.label}: not decided in time")
        return Finding(
            r.key,
            r.label,
            SHORT,
            f"{head}: at least {fmt.number(least, 'down', decimals=0)} (proven bound); raise "
            f"the budget by at least {fmt.money(least - budget, 'down')} ({_NO_PLAN})",
            **values,
        )
    exact = fmt.rounded(least, "down", 0) == fmt.rounded(plan, "up", 0)
    cost = fmt.number(plan, "up", decimals=0)
    if exact:
        text = (
            f"{head}: the cheapest costs {cost}; raise the budget by "
            f"{fmt.money(plan - budget, 'up')}, to {cost}"
        )
    elif above:
        text = (
            f"{head}: at least {fmt.number(least, 'down', decimals=0)} (proven bound), and a plan "
            f"exists at {cost}; raise the budget by at least {fmt.money(least - budget, 'down')} "
            f"({cost} is enough)"
        )
    else:
        text = f"{head}; one exists at {cost}: a budget of {cost} is enough"
    return Finding(r.key, r.label, RESTORES, text, plan=plan, optimal=exact, **values)


def _count(
    model: LinearModel,
    instance: Instance,
    variant: Variant,
    bound: float | None,
    found: Outcome | None,
):
    r = variant.relaxation
    c = instance.constraints
    plan = None
    if found is not None:
        plan = float(np.sum(model.values(found.point, "open") > 0.5))
    if r.sense == "min":
        assert c.max_sites is not None  # the relaxation drops this side only when it is set
        limit = float(c.max_sites)
        least = math.ceil(fmt.rounded(bound, "up", 0)) if bound is not None else None
        if c.min_sites is None or c.min_sites <= 0:
            least = max(least or 0, int(limit) + 1)
        too_tight = least is not None and least > limit
        what = f"max_sites {int(limit)} is too small"
        proof = f"every plan meeting the other constraints opens at least {fmt.sites(least)}"
    else:
        assert c.min_sites is not None
        limit = float(c.min_sites)
        least = math.floor(fmt.rounded(bound, "down", 0)) if bound is not None else None
        too_tight = least is not None and least < limit
        what = f"min_sites {int(limit)} is too large"
        proof = f"every plan meeting the other constraints opens at most {fmt.sites(least)}"
    if not too_tight:
        if plan is not None:
            return Finding(
                r.key,
                r.label,
                RESTORES,
                f"without {r.label} a plan exists (it opens {fmt.sites(plan)})",
                limit=limit,
                least=least,
                plan=plan,
            )
        return Finding(r.key, r.label, UNDECIDED, f"{r.label}: not decided in time", limit=limit)
    assert least is not None  # too tight: a bound was proven
    optimal = plan is not None and int(plan) == int(least)
    if plan is not None:
        message = f"{what}: {proof}; a plan with {fmt.sites(plan)} exists"
        verdict = RESTORES
    else:
        message = f"{what}: {proof} ({_NO_PLAN})"
        verdict = SHORT
    return Finding(
        r.key,
        r.label,
        verdict,
        message,
        unit="sites",
        limit=limit,
        least=float(least),
        plan=plan,
        optimal=optimal,
    )


def _elastic(
    model: LinearModel,
    instance: Instance,
    variant: Variant,
    bound: float | None,
    found: Outcome | None,
):
    r = variant.relaxation
    unit = r.unit
    least = bound if bound is not None and bound > _TOL else None
    if least is not None and unit == "GPUs":
        least = float(math.ceil(fmt.rounded(least, "up", 0)))
    if r.family == "min_gpus":
        return _min_gpus(model, instance, variant, least, found)
    more = {
        "power": "more site power",
        "space": "more space",
        "link_capacity": "more link capacity",
    }.get(r.family, f"more room under {r.label}")
    # A custom family of one row is named by itself, not by a site or link.
    one_row = r.family not in _PER_SITE_OR_LINK and model.family_rows(r.family).size == 1
    if least is None:
        head = f"{r.label} is short"
    elif one_row:
        head = (
            f"{r.label} is short: every plan meeting the other constraints needs its limit "
            f"raised by at least {fmt.amount(least, unit, 'down')}"
        )
    else:
        head = (
            f"{r.label} is short: every plan meeting the other constraints needs at least "
            f"{fmt.amount(least, unit, 'down')} {more} in total"
        )
    details = _elastic_details(model, instance, variant, found.point) if found is not None else None
    if not details:
        verdict = SHORT if least is not None else UNDECIDED
        text = f"{head} ({_NO_PLAN})"
        if least is None:
            text = f"{r.label}: not decided in time"
        return Finding(r.key, r.label, verdict, text, unit=unit, least=least)
    total = float(sum(amount for _, amount in details))
    parts = [f"{name} +{fmt.amount(amount, unit, 'up')}" for name, amount in details]
    optimal = found is not None and found.status == OPTIMAL
    if optimal and least is None:
        least = total
    if one_row:
        tail = f"a plan exists with it raised by {fmt.amount(total, unit, 'up')}"
    else:
        tail = f"a plan exists with {_listed(parts)}"
    return Finding(
        r.key,
        r.label,
        RESTORES,
        f"{head}; {tail}",
        unit=unit,
        least=least,
        plan=total,
        optimal=optimal,
        details=details,
    )


def _min_gpus(
    model: LinearModel,
    instance: Instance,
    variant: Variant,
    least: float | None,
    found: Outcome | None,
):
    r = variant.relaxation
    m = int(instance.constraints.min_gpus_per_site)
    if found is None:
        text = (
            f"min_gpus_per_site {m} is too high: open sites need at least "
            f"{fmt.amount(least, 'GPUs', 'down')} fewer in total ({_NO_PLAN})"
            if least is not None
            else f"{r.label}: not decided in time"
        )
        return Finding(r.key, r.label, SHORT if least else UNDECIDED, text, "GPUs", m, least)
    S, T = instance.n_sites, instance.n_types
    open_v = model.values(found.point, "open") > 0.5
    gpus = np.rint(model.values(found.point, "gpus")).reshape(S, T) + instance.site_existing_gpus
    held = gpus.sum(axis=1)
    small = [s for s in np.flatnonzero(open_v) if held[s] < m]
    lowest = int(min((held[s] for s in np.flatnonzero(open_v)), default=m))
    names = [f"{instance.site_ids[s]} ({int(held[s])})" for s in small]
    lowered = f"min_gpus_per_site lowered to {min(lowest, m - 1)}"
    return Finding(
        r.key,
        r.label,
        RESTORES,
        f"min_gpus_per_site {m} is too high for the other constraints: a plan exists with "
        f"{lowered} (sites with fewer GPUs: {_listed(names) or 'none'})",
        unit="GPUs",
        limit=float(m),
        least=least,
        plan=float(min(lowest, m - 1)),
        details=tuple((instance.site_ids[s], float(held[s])) for s in small),
    )


def _feasible(model: LinearModel, instance: Instance, variant: Variant, found: Outcome | None):
    r = variant.relaxation
    if found is None:
        return Finding(r.key, r.label, UNDECIDED, f"{r.label}: not decided in time")
    c = instance.constraints
    extra = ""
    if r.family == "redundancy":
        text = f"redundancy {c.redundancy} cannot hold with the other constraints; a plan exists without it"
    elif r.family == "single_sourcing":
        text = (
            "single_sourcing cannot hold with the other constraints; a plan exists when "
            "regions may be split across sites"
        )
    elif r.family == "site_status":
        open_v = model.values(found.point, "open") > 0.5
        must = (instance.site_status == 1) | (instance.site_existing_gpus.sum(axis=1) > 0)
        never = instance.site_status == 2
        opened = [instance.site_ids[s] for s in np.flatnonzero(never & open_v)]
        shut = [instance.site_ids[s] for s in np.flatnonzero(must & ~open_v)]
        changes = []
        if opened:
            changes.append(f"opens closed sites {_listed(opened)}")
        if shut:
            changes.append(f"keeps sites that must open closed: {_listed(shut)}")
        extra = f" (one {' and '.join(changes)})" if changes else ""
        text = f"the site statuses cannot hold with the other constraints; a plan exists without them{extra}"
    else:
        text = f"{r.label} cannot hold with the other constraints; a plan exists without it"
    return Finding(r.key, r.label, RESTORES, text)
