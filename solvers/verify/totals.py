"""Plan-wide rules and numbers: site counts, budget, KPIs, objective, gap."""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import penalised
from gpuplace.solvers.verify.parsed import ParsedPlan
from gpuplace.solvers.verify.tolerance import differs, excess
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_totals", "total_cost"]


def total_cost(instance: Instance, parsed: ParsedPlan) -> float:
    """Fixed cost of open sites + capex x cost_factor x new GPUs (gpus - existing)."""
    fixed = float(instance.site_fixed_cost[parsed.is_open].sum())
    new = parsed.gpus - instance.site_existing_gpus
    capex = float(((new * instance.gpu_capex).sum(axis=1) * instance.site_cost_factor).sum())
    return fixed + capex


def _p95(rtts: np.ndarray, weights: np.ndarray) -> float | None:
    total = float(weights.sum())
    if total <= 0:
        return None
    target = 0.95 * total * (1.0 - 1e-12)
    running = 0.0
    for rtt, weight in sorted(zip(rtts.tolist(), weights.tolist(), strict=True)):
        running += weight
        if running >= target:
            return float(rtt)
    return float(max(rtts))


def check_totals(
    instance: Instance,
    plan: dict,
    parsed: ParsedPlan,
    rtts: list[float],
    max_link_utilisation: float,
    tolerance: float,
    item_weight: np.ndarray | None = None,
) -> list[Violation]:
    """min/max sites, budget, every KPI, the objective and the gap, recomputed.

    ``item_weight`` (``[time] periods``): each demand item's period share of the
    day, by which its served, unserved and RTT-weighted demand count.
    """
    out: list[Violation] = []
    cons = instance.constraints
    n_open = int(parsed.is_open.sum())
    if cons.max_sites is not None and n_open > cons.max_sites:
        out.append(
            Violation(
                "max_sites",
                "sites",
                f"{n_open} open > max_sites = {cons.max_sites}",
                float(n_open - cons.max_sites),
            )
        )
    if cons.min_sites is not None and n_open < cons.min_sites:
        out.append(
            Violation(
                "min_sites",
                "sites",
                f"{n_open} open < min_sites = {cons.min_sites}",
                float(cons.min_sites - n_open),
            )
        )
    cost = total_cost(instance, parsed)
    if cons.budget is not None:
        over = excess(cost, cons.budget, tolerance)
        if over:
            out.append(
                Violation(
                    "budget", "total_cost", f"cost {cost:g} exceeds budget {cons.budget:g}", over
                )
            )

    demand = np.array([a.share * instance.item_demand[a.item] for a in parsed.assignments])
    if item_weight is not None:
        demand = demand * np.array([item_weight[a.item] for a in parsed.assignments])
    rtt = np.array(
        [
            r if np.isfinite(r) else float(a.rtt_ms)
            for a, r in zip(parsed.assignments, rtts, strict=True)
        ]
    )
    served = float(demand.sum()) if demand.size else 0.0
    total_demand = float(instance.item_demand.sum())
    rtt_term = float(np.dot(demand, rtt)) if demand.size else 0.0
    # demand sold without a penalty (contracts, on-demand) is not penalised when unserved
    unserved = float((parsed.unserved * penalised(instance)).sum())
    if item_weight is not None:
        total_demand = float(instance.item_demand @ item_weight)
        unserved = float(parsed.unserved @ item_weight)
    gpus = parsed.gpus.sum(axis=0)
    expected = {
        "total_cost": cost,
        "sites_open": n_open,
        "served_fraction": served / total_demand if total_demand > 0 else 1.0,
        "mean_rtt_ms": rtt_term / served if served > 0 else None,
        "p95_rtt_ms": _p95(rtt, demand) if demand.size else None,
        "max_link_utilisation": max_link_utilisation,
    }
    kpis = plan["kpis"]
    for key, value in expected.items():
        if differs(kpis[key], value, tolerance):
            out.append(Violation("kpi", f"kpis.{key}", f"reported {kpis[key]}, recomputed {value}"))
    reported_gpus = kpis["gpus"]
    for t, gpu_type in enumerate(instance.gpu_types):
        if differs(float(reported_gpus.get(gpu_type, 0)), float(gpus[t]), tolerance):
            out.append(
                Violation(
                    "kpi",
                    f"kpis.gpus.{gpu_type}",
                    f"reported {reported_gpus.get(gpu_type, 0)}, recomputed {gpus[t]:g}",
                )
            )

    penalty = cons.unserved_penalty if cons.allow_unserved else 0.0
    kind = instance.objective.kind
    if kind == "served":
        objective = served
    elif kind == "latency":
        objective = (rtt_term + penalty * unserved) / total_demand if total_demand > 0 else 0.0
    else:
        objective = cost + instance.objective.latency_weight * rtt_term + penalty * unserved
    if kind != "profit" and differs(plan["objective"], objective, tolerance):
        out.append(
            Violation(
                "objective",
                "objective",
                f"reported {plan['objective']}, recomputed {objective:g} ({kind})",
                abs(float(plan["objective"]) - objective),
            )
        )
    if plan["bound"] is not None and plan["gap"] is not None:
        gap = abs(plan["objective"] - plan["bound"]) / max(abs(plan["objective"]), 1e-9)
        if differs(plan["gap"], gap, tolerance):
            out.append(Violation("gap", "gap", f"reported {plan['gap']}, recomputed {gap:g}"))
    return out
