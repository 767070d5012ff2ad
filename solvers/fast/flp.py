"""The facility-location core of a placement instance, as plain arrays.

Many instances (every OR-Library benchmark, and any scenario whose GPUs cost
nothing and whose constraints are only capacities and site counts) are a
classic facility-location problem:

    min   Σ_s f_s y_s + Σ_p cost_p x_p
    s.t.  Σ_{p of client r} x_p = 1                      (every client served)
          Σ_{p at site s} demand_r x_p <= capacity_s y_s (capacity; absent when infinite)
          x_p <= y_s(p)                                   (linking)
          min_open <= Σ_s y_s <= max_open
          y_s binary, fixed where the site must or may not open; 0 <= x_p <= 1

``cost_p`` is the cost of serving *all* of client r's demand from site s.
The fast formulations in this package solve this core; :func:`from_instance`
recognises it in an :class:`~scenario.instance.Instance`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import Instance, SiteStatus
from gpuplace.solvers.result import Status

__all__ = ["FacilityProblem", "FacilitySolution", "from_dense", "from_instance"]


@dataclass(frozen=True, eq=False)
class FacilityProblem:
    """A facility-location problem over sparse client-site pairs (sorted by client)."""

    fixed_cost: np.ndarray  # [S]
    capacity: np.ndarray  # [S], inf when uncapacitated
    demand: np.ndarray  # [R]
    pair_client: np.ndarray  # [P]
    pair_site: np.ndarray  # [P]
    pair_cost: np.ndarray  # [P] cost of serving the client's whole demand
    open_lb: np.ndarray  # bool [S]: must open
    open_ub: np.ndarray  # bool [S]: may open
    min_open: int = 0
    max_open: int | None = None
    cost_offset: float = 0.0

    @property
    def n_sites(self) -> int:
        return int(self.fixed_cost.shape[0])

    @property
    def n_clients(self) -> int:
        return int(self.demand.shape[0])

    @property
    def capacitated(self) -> bool:
        total = float(self.demand.sum())
        return bool(np.any(self.capacity[self.open_ub] < total))

    def objective(self, open_sites: np.ndarray, share: np.ndarray) -> float:
        """Objective of a plan given as open sites and per-pair shares."""
        return float(
            self.cost_offset + self.fixed_cost[open_sites].sum() + np.dot(self.pair_cost, share)
        )


@dataclass(frozen=True, eq=False)
class FacilitySolution:
    """A plan for a :class:`FacilityProblem` with its proven bound."""

    status: Status
    open_sites: np.ndarray | None  # bool [S]
    share: np.ndarray | None  # float [P]
    objective: float | None
    bound: float | None
    wall_s: float
    notes: tuple[str, ...] = ()


def from_dense(
    cost: np.ndarray,
    fixed_cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray | None = None,
    *,
    min_open: int = 0,
    max_open: int | None = None,
) -> FacilityProblem:
    """A problem from a dense ``cost[site, client]`` matrix (OR-Library layout).

    Examples
    --------
    >>> import numpy as np
    >>> p = from_dense(np.array([[1.0, 4.0], [3.0, 1.0]]), np.zeros(2), np.ones(2))
    >>> p.n_sites, p.n_clients, p.pair_client.tolist()
    (2, 2, [0, 0, 1, 1])
    """
    cost = np.asarray(cost, dtype=float)
    m, n = cost.shape
    client, site = np.divmod(np.arange(m * n, dtype=np.int64), m)
    cap = np.full(m, np.inf) if capacity is None else np.asarray(capacity, dtype=float)
    return FacilityProblem(
        fixed_cost=np.asarray(fixed_cost, dtype=float),
        capacity=cap,
        demand=np.asarray(demand, dtype=float),
        pair_client=client,
        pair_site=site,
        pair_cost=cost.T.reshape(-1).copy(),
        open_lb=np.zeros(m, dtype=bool),
        open_ub=np.ones(m, dtype=bool),
        min_open=int(min_open),
        max_open=None if max_open is None else int(max_open),
    )


def _gpu_capacity(instance: Instance) -> np.ndarray | None:
    """Demand units each site can serve when GPUs cost nothing; None if GPUs cost money."""
    new_cost = instance.gpu_capex[None, :] * instance.site_cost_factor[:, None]
    if instance.n_types != 1 or np.any(new_cost != 0):
        return None
    util = instance.constraints.max_utilisation
    power_per_gpu = float(instance.gpu_power_kw[0]) * instance.site_pue
    with np.errstate(divide="ignore", invalid="ignore"):
        by_power = np.where(
            power_per_gpu > 0, np.floor(instance.site_power_kw / power_per_gpu + 1e-9), np.inf
        )
    gpus = np.minimum(np.floor(instance.site_max_gpus + 1e-9), by_power)
    return util * float(instance.gpu_throughput[0]) * gpus


def from_instance(instance: Instance) -> FacilityProblem | None:
    """The facility-location core of ``instance``, or None when it has more than that.

    Recognised: objective ``cost``; one GPU type that costs nothing (capacity
    is then ``max_utilisation × throughput × the most GPUs the site can hold``);
    no budget, redundancy, single sourcing, failover, minimum GPUs, custom
    constraints, unserved demand or binding link capacities; no existing GPUs.
    """
    con = instance.constraints
    if instance.objective.kind != "cost":
        return None
    if (
        con.budget is not None
        or con.single_sourcing
        or con.redundancy > 1
        or con.survive_site_failure
        or con.allow_unserved
        or con.custom
        or con.min_gpus_per_site > 0
    ):
        return None
    if con.link_capacity and np.any(instance.region_gbps_per_unit > 0):
        return None
    if np.any(instance.site_existing_gpus != 0):
        return None
    capacity = _gpu_capacity(instance)
    if capacity is None:
        return None
    lw = instance.objective.latency_weight
    demand = instance.region_demand
    return FacilityProblem(
        fixed_cost=instance.site_fixed_cost.astype(float),
        capacity=capacity,
        demand=demand.astype(float),
        pair_client=instance.pair_region,
        pair_site=instance.pair_site,
        pair_cost=lw * demand[instance.pair_region] * instance.pair_rtt_ms,
        open_lb=instance.site_status == SiteStatus.OPEN,
        open_ub=(instance.site_status != SiteStatus.CLOSED)
        & ((capacity > 0) | (instance.site_status == SiteStatus.OPEN)),
        min_open=int(con.min_sites or 0),
        max_open=con.max_sites,
    )
