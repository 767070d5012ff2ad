"""verify_plan: check every rule of a plan against its instance, independently of the model."""

from __future__ import annotations

from typing import Any

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.custom import check_custom
from gpuplace.solvers.verify.failover import check_failover
from gpuplace.solvers.verify.links import check_links, reported_max_utilisation
from gpuplace.solvers.verify.money import check_money
from gpuplace.solvers.verify.network import Network
from gpuplace.solvers.verify.parsed import parse_plan
from gpuplace.solvers.verify.periods import check_periods
from gpuplace.solvers.verify.regions import check_assignments, check_attach_nodes, check_regions
from gpuplace.solvers.verify.schema import SOLVED_STATUSES, schema_problems
from gpuplace.solvers.verify.serving import check_serving
from gpuplace.solvers.verify.sites import check_sites, served_per_site
from gpuplace.solvers.verify.totals import check_totals
from gpuplace.solvers.verify.violation import Violation

__all__ = ["verify_plan"]


def verify_plan(
    instance: Instance, plan: dict[str, Any], *, tolerance: float = 1e-6
) -> list[Violation]:
    """Check a plan against its instance; an empty list means the plan is valid.

    Everything is recomputed from the instance's input fields: RTTs with geopy
    great circles and networkx Dijkstra (single-source runs only from the
    attach nodes or the site nodes the plan uses, whichever are fewer), capacity, power, space, budget, link loads, KPIs and the objective;
    with serving models also each assignment's operating point and predicted TTFT,
    replicas against demand and GPUs, and memory fit (:mod:`solvers.verify.serving`).

    Parameters
    ----------
    instance : Instance
        The scenario the plan claims to answer.
    plan : dict
        A decoded plan (PLAN.md).
    tolerance : float
        Relative tolerance (absolute for magnitudes below 1) on every comparison.

    Returns
    -------
    list of Violation
        One entry per broken rule, in a stable order. A plan without a
        solution (status infeasible / no_solution) yields a single ``status``
        violation: there is nothing to check.
    """
    problems = schema_problems(plan)
    if problems:
        return [Violation("schema", key, what) for key, what in problems]
    if plan["status"] not in SOLVED_STATUSES:
        return [Violation("status", "status", f"the plan holds no solution ({plan['status']})")]

    parsed = parse_plan(instance, plan)
    attach_nodes = {int(instance.region_node[a.region]) for a in parsed.assignments}
    site_nodes = {int(instance.site_node[a.site]) for a in parsed.assignments}
    network = Network(instance, from_sites=len(site_nodes) < len(attach_nodes))
    out = list(parsed.violations)
    out.extend(check_attach_nodes(instance, tolerance))
    rtts = [network.rtt_ms(a.region, a.site) for a in parsed.assignments]
    if instance.periods is not None:  # every rule per period: solvers.verify.periods
        out.extend(check_periods(instance, plan, parsed, network, rtts, tolerance))
        out.extend(check_custom(instance, plan))
        return out
    served = served_per_site(instance, parsed)
    out.extend(check_sites(instance, parsed, served, tolerance))
    out.extend(check_assignments(instance, parsed, network, rtts, tolerance))
    out.extend(check_serving(instance, parsed, rtts, tolerance))
    out.extend(check_regions(instance, parsed, tolerance))
    out.extend(check_links(instance, parsed, network, tolerance))
    out.extend(check_failover(instance, parsed, network, tolerance))
    max_util = reported_max_utilisation(instance, parsed, network)
    out.extend(check_totals(instance, plan, parsed, rtts, max_util, tolerance))
    out.extend(check_custom(instance, plan))
    out.extend(check_money(instance, plan, parsed, tolerance))
    return out
