"""Per-region rules: shares, unserved demand, RTT and SLA, sovereignty, sourcing, attach nodes."""

from __future__ import annotations

import math

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import CONTRACT, item_kinds, may_leave
from gpuplace.solvers.verify.network import Network, great_circle_km, nearest_usable_nodes
from gpuplace.solvers.verify.parsed import ParsedPlan
from gpuplace.solvers.verify.tolerance import differs, excess, slack
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_assignments", "check_attach_nodes", "check_regions"]


def check_assignments(
    instance: Instance, parsed: ParsedPlan, network: Network, rtts: list[float], tolerance: float
) -> list[Violation]:
    """Each assignment: share range, demand, reported vs recomputed RTT, SLA, sovereignty.

    ``rtts`` holds the recomputed RTT of each assignment, in order.
    """
    out: list[Violation] = []
    cons = instance.constraints
    for a, rtt in zip(parsed.assignments, rtts, strict=True):
        rid, sid = instance.region_ids[a.region], instance.site_ids[a.site]
        pair = f"{rid}->{sid}"
        if a.share < -tolerance or a.share > 1.0 + tolerance:
            out.append(Violation("share_range", pair, f"share {a.share:g} is outside [0, 1]"))
        demand = a.share * float(instance.item_demand[a.item])
        if differs(a.demand, demand, tolerance):
            out.append(
                Violation(
                    "assignment_demand",
                    pair,
                    f"demand is {a.demand:g}, share x demand = {demand:g}",
                )
            )
        if math.isinf(rtt):
            out.append(Violation("unreachable", pair, "no path from the region to the site"))
            continue
        if differs(float(a.rtt_ms), rtt, tolerance):
            out.append(
                Violation(
                    "rtt",
                    pair,
                    f"rtt_ms is {a.rtt_ms:g}, recomputed {rtt:g}",
                    abs(float(a.rtt_ms) - rtt),
                )
            )
        sla = float(instance.region_sla_rtt_ms[a.region])
        checked = network.sla_rtt_ms(a.region, a.site, rtt)
        over = excess(checked, sla, tolerance)
        if over:
            what = f"RTT {rtt:g} ms" + (f" (checked as {checked:g} ms)" if checked != rtt else "")
            out.append(Violation("sla", pair, f"{what} exceeds sla_rtt_ms = {sla:g}", over))
        allowed = instance.region_allowed_countries[a.region]
        country = instance.site_country[a.site]
        if cons.sovereignty and allowed is not None and country not in allowed:
            out.append(
                Violation(
                    "sovereignty",
                    pair,
                    f"site country {country or '(unknown)'!r} is not in allowed_countries "
                    f"{sorted(allowed)}",
                )
            )
    return out


def _item_names(instance: Instance) -> list[str]:
    """Each demand item's name: the region id, or region/model/tier with serving models."""
    if instance.periods is not None:  # region@period
        return [f"{r}@{w}" for r in instance.region_ids for w in instance.periods.ids]
    if instance.serving is None:
        return list(instance.region_ids)
    return [instance.serving.item_label(k, instance.region_ids) for k in range(instance.n_items)]


def check_regions(instance: Instance, parsed: ParsedPlan, tolerance: float) -> list[Violation]:
    """Per demand item (region): shares + unserved sum to 1, unserved only when allowed, sourcing.

    With serving models the share a site serves (for redundancy) adds its deployments.
    """
    out: list[Violation] = []
    cons = instance.constraints
    n = instance.n_items
    share_sum = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    per_site: dict[tuple[int, int], float] = {}
    for a in parsed.assignments:
        share_sum[a.item] += a.share
        count[a.item] += 1
        per_site[(a.item, a.site)] = per_site.get((a.item, a.site), 0.0) + a.share
        if cons.single_sourcing and min(abs(a.share), abs(1.0 - a.share)) > tolerance:
            rid, sid = instance.region_ids[a.region], instance.site_ids[a.site]
            out.append(
                Violation("single_sourcing", f"{rid}->{sid}", f"share {a.share:g} is not 0 or 1")
            )
    max_share = np.zeros(n)
    for (k, _s), share in per_site.items():
        max_share[k] = max(max_share[k], share)
    # Plans leave out shares below 1e-9; allow for that on top of the tolerance.
    sum_slack = tolerance + 1e-9 * instance.n_sites
    # on-demand demand may go unserved; contracts are checked by solvers.verify.money
    leave = may_leave(instance) | (item_kinds(instance) == CONTRACT)
    for r, rid in enumerate(_item_names(instance)):
        demand = float(instance.item_demand[r])
        unserved = float(parsed.unserved[r])
        if unserved < -slack(demand, tolerance):
            out.append(Violation("unserved", rid, f"unserved demand {unserved:g} is negative"))
        # The `served` objective maximises served demand, so it may leave demand unserved.
        may_leave_unserved = bool(leave[r])
        if unserved > slack(demand, tolerance) and not may_leave_unserved:
            out.append(
                Violation(
                    "unserved",
                    rid,
                    f"{unserved:g} demand unserved, but allow_unserved is false "
                    "and the objective is not 'served'",
                    unserved,
                )
            )
        if demand > 0:
            total = share_sum[r] + unserved / demand
            if abs(total - 1.0) > sum_slack:
                out.append(
                    Violation(
                        "share_sum",
                        rid,
                        f"shares sum to {share_sum[r]:g} and unserved is {unserved:g} of "
                        f"{demand:g}: served + unserved must be the whole demand",
                        abs(total - 1.0) * demand,
                    )
                )
        elif count[r]:
            out.append(Violation("share_sum", rid, "region without demand has assignments"))
        if cons.single_sourcing and count[r] > 1:
            out.append(
                Violation(
                    "single_sourcing", rid, f"served by {count[r]} sites, single sourcing is on"
                )
            )
        if cons.redundancy > 1:
            limit = 1.0 / cons.redundancy
            over = excess(float(max_share[r]), limit, tolerance)
            if over:
                out.append(
                    Violation(
                        "redundancy",
                        rid,
                        f"one site serves {max_share[r]:g} of the demand, above "
                        f"1/{cons.redundancy} (redundancy)",
                        over * demand,
                    )
                )
    return out


def check_attach_nodes(instance: Instance, tolerance: float) -> list[Violation]:
    """Attach nodes chosen by the loader: exist, and when not given are a nearest usable node."""
    out: list[Violation] = []
    topo = instance.topology
    attach = np.asarray(instance.region_node, dtype=np.int64)
    bad = (attach < 0) | (attach >= topo.n_nodes)
    for r in np.flatnonzero(bad):
        out.append(
            Violation(
                "attach_node", instance.region_ids[r], f"attach node index {attach[r]} invalid"
            )
        )
    derived = np.flatnonzero(~np.asarray(instance.region_node_given, dtype=bool) & ~bad)
    nearest = nearest_usable_nodes(instance, derived)
    for r, best in zip(derived, nearest, strict=True):
        rid, node = instance.region_ids[r], int(attach[r])
        if topo.node_kind[node] == "waypoint":
            out.append(
                Violation("attach_node", rid, f"attached to waypoint {topo.node_ids[node]!r}")
            )
            continue
        if best < 0 or best == node:
            continue
        lat, lon = float(instance.region_lat[r]), float(instance.region_lon[r])
        chosen_km = great_circle_km(
            lat, lon, float(topo.node_lat[node]), float(topo.node_lon[node])
        )
        best_km = great_circle_km(lat, lon, float(topo.node_lat[best]), float(topo.node_lon[best]))
        over = excess(chosen_km, best_km, tolerance)
        if over or math.isnan(chosen_km):
            out.append(
                Violation(
                    "attach_node",
                    rid,
                    f"attached to {topo.node_ids[node]!r} ({chosen_km:.3f} km) but "
                    f"{topo.node_ids[best]!r} is nearer ({best_km:.3f} km)",
                    over,
                )
            )
    return out
