"""Exact presolve: merge regions that no plan can tell apart, and map plans back.

Two regions r, r' with the same candidate sites, the same attach node, the same
bandwidth per unit, and RTTs that differ by one constant over all their sites
(rtt_r's = rtt_rs + δ for every s; true for regions on one attach node, whose
RTT is 2 × access + 2 × path(attach, s)) are interchangeable:

*Proof sketch.* Every constraint that couples regions (capacity, link loads,
budget, …) sees region r only through D_r x_rs, with coefficients that depend
on (s, attach, gbps) alone; each region's own constraints (Σ_s x_rs = 1,
0 <= x_rs <= y_s) are the same convex set for r and r'. Given any plan, give
both regions the demand-weighted mean of their shares: the coupled terms
D_r x_rs + D_r' x_r's are unchanged, each region's own constraints hold by
convexity, and the cost Σ D_r rtt_rs x_rs changes by δ D_r' (Σ_s x_r's − Σ_s x̄_s) = 0
since both sum to 1. So there is an optimal plan in which they share their
shares, and merging them into one region of demand D_r + D_r' with the
demand-weighted mean RTT per site loses nothing. Disaggregation gives every
member the merged region's shares, so the verifier sees a plan of the
original instance with the same objective.

Not applied (the instance is returned unchanged) with single sourcing,
unserved demand, site-failure survival, custom constraints, serving tables
(demand per model and tier) or a registered family other than the built-ins (:func:`~gpuplace.solvers.constraints.registry.extension_families`),
whose rows may treat regions individually.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints.registry import extension_families
from gpuplace.solvers.model.builder import LinearModel

RTT_TOL_MS = 1e-9
# Variable blocks of the placement model itself; a model with any other block (rows of
# extra pieces, failover variables) is not the model of the instance alone.
CORE_BLOCKS = frozenset({"open", "gpus", "share", "unserved"})


@dataclass(frozen=True, eq=False)
class Aggregation:
    """A reduced instance and the map back to the original.

    ``group[r]`` is the reduced region of original region r;
    ``pair_map[p]`` the reduced pair of original pair p.
    """

    original: Instance
    reduced: Instance
    group: np.ndarray
    pair_map: np.ndarray

    @property
    def merged(self) -> int:
        """How many regions were merged away."""
        return self.original.n_regions - self.reduced.n_regions


def applicable(instance: Instance) -> bool:
    """Whether region aggregation is exact for this instance (see module docstring)."""
    con = instance.constraints
    if con.single_sourcing or con.allow_unserved or con.survive_site_failure or con.custom:
        return False
    if instance.serving is not None:  # demand items per model and tier, not per region
        return False
    if instance.periods is not None:  # demand items per period, not per region
        return False
    if instance.money is not None:  # its kinds and prices are per demand item
        return False
    return not extension_families(instance)


def model_applicable(model: LinearModel, instance: Instance) -> bool:
    """Whether ``model`` may be replaced by the model of the aggregated instance.

    True when aggregation is exact for the instance (:func:`applicable`) and the
    model is the instance's own (core variable blocks only, no extra pieces), so
    that rebuilding it from the reduced instance loses no row.
    """
    return (
        instance.n_regions > 1
        and set(model.var_blocks) <= CORE_BLOCKS
        and not model.meta.get("extra_families")
        and applicable(instance)
    )


def _signatures(instance: Instance) -> np.ndarray:
    """A group key per region: equal keys -> interchangeable regions."""
    R = instance.n_regions
    counts = np.bincount(instance.pair_region, minlength=R)
    starts = np.concatenate([[0], np.cumsum(counts)])
    first_rtt = np.zeros(R)
    has = counts > 0
    first_rtt[has] = instance.pair_rtt_ms[starts[:-1][has]]
    offset = instance.pair_rtt_ms - first_rtt[instance.pair_region]
    # quantise the offsets so float noise does not split groups, then hash per region
    q = np.round(offset / 1e-6).astype(np.int64)
    keys = []
    for r in range(R):
        a, b = starts[r], starts[r + 1]
        keys.append(
            hash(
                (
                    int(instance.region_node[r]),
                    float(instance.region_gbps_per_unit[r]),
                    instance.pair_site[a:b].tobytes(),
                    q[a:b].tobytes(),
                )
            )
        )
    _, group = np.unique(np.asarray(keys, dtype=np.int64), return_inverse=True)
    return group


def aggregate(instance: Instance) -> Aggregation:
    """Merge interchangeable regions (identity when :func:`applicable` is false)."""
    R = instance.n_regions
    if not applicable(instance) or R == 0:
        return Aggregation(instance, instance, np.arange(R), np.arange(instance.n_pairs))
    group = _signatures(instance)
    # number groups by their first member so the reduced instance keeps the input order
    first_member = np.full(group.max() + 1, R)
    np.minimum.at(first_member, group, np.arange(R))
    rank = np.argsort(np.argsort(first_member))
    group = rank[group]
    G = int(group.max()) + 1
    if G == R:
        return Aggregation(instance, instance, np.arange(R), np.arange(instance.n_pairs))
    leader = np.full(G, R)
    np.minimum.at(leader, group, np.arange(R))
    demand = np.bincount(group, weights=instance.region_demand, minlength=G)
    # reduced pairs: the leader's pairs, with demand-weighted mean RTT over members
    lead_pairs = np.flatnonzero(leader[group[instance.pair_region]] == instance.pair_region)
    red_region = group[instance.pair_region[lead_pairs]]
    red_site = instance.pair_site[lead_pairs]
    n_red = lead_pairs.size
    # position of each original pair within its region block == position within the leader's block
    counts = np.bincount(instance.pair_region, minlength=R)
    starts = np.concatenate([[0], np.cumsum(counts)])
    pos = np.arange(instance.n_pairs) - starts[instance.pair_region]
    red_counts = np.bincount(red_region, minlength=G)
    red_starts = np.concatenate([[0], np.cumsum(red_counts)])
    pair_map = red_starts[group[instance.pair_region]] + pos
    weighted = np.bincount(
        pair_map,
        weights=instance.region_demand[instance.pair_region] * instance.pair_rtt_ms,
        minlength=n_red,
    )
    safe = np.where(demand > 0, demand, 1.0)
    red_rtt = np.where(
        demand[red_region] > 0, weighted / safe[red_region], instance.pair_rtt_ms[lead_pairs]
    )
    sla = np.full(G, np.inf)
    np.minimum.at(sla, group, instance.region_sla_rtt_ms)
    size = np.bincount(group, minlength=G)
    ids = tuple(
        instance.region_ids[leader[g]] + (f"+{size[g] - 1}" if size[g] > 1 else "")
        for g in range(G)
    )
    pick = leader
    reduced = replace(
        instance,
        region_ids=ids,
        region_lat=instance.region_lat[pick],
        region_lon=instance.region_lon[pick],
        region_demand=demand,
        region_sla_rtt_ms=sla,
        region_node=instance.region_node[pick],
        region_node_given=instance.region_node_given[pick],
        region_country=tuple(instance.region_country[i] for i in pick),
        region_allowed_countries=tuple(instance.region_allowed_countries[i] for i in pick),
        region_gbps_per_unit=instance.region_gbps_per_unit[pick],
        matrix_region=np.empty(0, dtype=np.int64),
        matrix_site=np.empty(0, dtype=np.int64),
        matrix_rtt_ms=np.empty(0),
        pair_region=red_region,
        pair_site=red_site,
        pair_rtt_ms=red_rtt,
    )
    return Aggregation(instance, reduced, group, pair_map)


def disaggregate_shares(aggregation: Aggregation, reduced_share: np.ndarray) -> np.ndarray:
    """Per-pair shares of the original instance: every member takes its group's shares."""
    return np.asarray(reduced_share, dtype=float)[aggregation.pair_map]


def aggregate_shares(aggregation: Aggregation, share: np.ndarray) -> np.ndarray:
    """Per reduced pair: the demand-weighted mean of its members' shares (a plan maps to a plan)."""
    inst = aggregation.original
    weight = inst.region_demand[inst.pair_region] * np.asarray(share, dtype=float)
    n_red = aggregation.reduced.n_pairs
    total = np.bincount(aggregation.pair_map, weights=weight, minlength=n_red)
    demand = aggregation.reduced.region_demand[aggregation.reduced.pair_region]
    return np.divide(total, demand, out=np.zeros(n_red), where=demand > 0)


def lift_values(
    aggregation: Aggregation, model: LinearModel, reduced_model: LinearModel, values: np.ndarray
) -> np.ndarray:
    """A value vector of ``model`` (the original) from one of ``reduced_model``."""
    return _map_values(aggregation, reduced_model, model, values, lift=True)


def reduce_values(
    aggregation: Aggregation, model: LinearModel, reduced_model: LinearModel, values: np.ndarray
) -> np.ndarray:
    """A value vector of ``reduced_model`` from one of ``model`` (e.g. a warm start)."""
    return _map_values(aggregation, model, reduced_model, values, lift=False)


def _map_values(
    aggregation: Aggregation,
    source: LinearModel,
    target: LinearModel,
    values: np.ndarray,
    lift: bool,
) -> np.ndarray:
    out = np.zeros(target.n_vars)
    for name in ("open", "gpus"):
        out[target.var_blocks[name].start : target.var_blocks[name].stop] = source.values(
            values, name
        )
    share = source.values(values, "share")
    out[target.var_blocks["share"].start : target.var_blocks["share"].stop] = (
        disaggregate_shares(aggregation, share) if lift else aggregate_shares(aggregation, share)
    )
    if "unserved" in target.var_blocks:
        unserved = source.values(values, "unserved")
        if lift:
            unserved = disaggregate_unserved(aggregation, unserved)
        else:
            unserved = np.bincount(
                aggregation.group, weights=unserved, minlength=aggregation.reduced.n_regions
            )
        b = target.var_blocks["unserved"]
        out[b.start : b.stop] = unserved
    return out


def disaggregate_unserved(aggregation: Aggregation, reduced_unserved: np.ndarray) -> np.ndarray:
    """Unserved demand split over members in proportion to their demand."""
    inst = aggregation.original
    group_demand = aggregation.reduced.region_demand
    frac = np.divide(
        reduced_unserved,
        group_demand,
        out=np.zeros_like(group_demand, dtype=float),
        where=group_demand > 0,
    )
    return frac[aggregation.group] * inst.region_demand


__all__ = [
    "CORE_BLOCKS",
    "Aggregation",
    "aggregate",
    "aggregate_shares",
    "applicable",
    "disaggregate_shares",
    "disaggregate_unserved",
    "lift_values",
    "model_applicable",
    "reduce_values",
]
