"""The immutable, solver-ready instance a scenario loads into.

Data flows one way: files -> :class:`Instance` -> solvers -> plan. Nothing
writes back into an instance. Units are in the field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

from gpuplace.scenario.money import Money
from gpuplace.scenario.serving import Serving, ServingPairs
from gpuplace.scenario.time import Periods
from gpuplace.topo.calibration import Calibration
from gpuplace.topo.graph import Topology, freeze_arrays

__all__ = [
    "Constraints",
    "CustomConstraintSpec",
    "Instance",
    "LatencySettings",
    "MeasuredPairs",
    "Objective",
    "SiteStatus",
    "SolverSettings",
]


class SiteStatus(IntEnum):
    CANDIDATE = 0
    OPEN = 1  # must open
    CLOSED = 2  # may not open


@dataclass(frozen=True)
class LatencySettings:
    fibre_km_per_ms: float = 200.0
    link_route_factor: float = 1.0
    per_hop_ms: float = 0.0
    access_route_factor: float = 1.5
    # SLA checked against RTT + the calibration's held-out error at this percentile
    sla_margin_percentile: float | None = None


@dataclass(frozen=True, eq=False)
class MeasuredPairs:
    """Measured RTTs of region-site pairs (``[latency] measured``), each the mean of its rows.

    ``percentiles`` holds ``(q, values)`` per ``rtt_p<q>_ms`` column, NaN where none.
    """

    region: np.ndarray
    site: np.ndarray
    rtt_ms: np.ndarray
    percentiles: tuple[tuple[float, np.ndarray], ...] = ()


@dataclass(frozen=True)
class CustomConstraintSpec:
    """A constraint named in the scenario (``[[constraints.custom]]``), resolved by kind."""

    kind: str
    params: dict
    where: str  # e.g. "constraints.custom[0]" for messages


@dataclass(frozen=True)
class Constraints:
    budget: float | None = None
    max_sites: int | None = None
    min_sites: int | None = None
    min_gpus_per_site: int = 0
    max_utilisation: float = 1.0
    single_sourcing: bool = False
    redundancy: int = 1
    survive_site_failure: bool = False
    failover_sla_factor: float = 1.0
    link_capacity: bool = True
    sovereignty: bool = True
    allow_unserved: bool = False
    unserved_penalty: float = 1.0e6
    custom: tuple[CustomConstraintSpec, ...] = ()


@dataclass(frozen=True)
class Objective:
    kind: str = "cost"  # cost | latency | served
    latency_weight: float = 0.0


@dataclass(frozen=True)
class SolverSettings:
    name: str = "auto"
    time_limit_s: float = 60.0
    gap: float = 0.01
    threads: int = 2
    seed: int = 0


@dataclass(frozen=True, eq=False)
class Instance:
    """Everything one placement run needs, as ids plus numpy arrays.

    Sites are indexed ``s``, regions ``r``, GPU types ``t``. Candidate
    region-site pairs (``pair_*``) hold only pairs a region may use: within its
    SLA and, when sovereignty is on, in an allowed country. The verifier never
    reads ``pair_*``; it recomputes latency from the inputs. Every array is
    read-only, also after :func:`dataclasses.replace`, ``copy`` and pickling:
    derive a new instance instead of writing into one.
    """

    name: str
    sha256: str
    scenario_path: str
    topology: Topology
    latency: LatencySettings
    # sites
    site_ids: tuple[str, ...]
    site_node: np.ndarray  # int index into topology nodes
    site_power_kw: np.ndarray
    site_max_gpus: np.ndarray  # inf when unlimited
    site_fixed_cost: np.ndarray
    site_cost_factor: np.ndarray
    site_pue: np.ndarray
    site_country: tuple[str, ...]  # "" when unknown
    site_status: np.ndarray  # SiteStatus values
    site_existing_gpus: np.ndarray  # int [S, T]
    # regions
    region_ids: tuple[str, ...]
    region_lat: np.ndarray
    region_lon: np.ndarray
    region_demand: np.ndarray
    region_sla_rtt_ms: np.ndarray
    region_node: np.ndarray  # attach node index
    region_node_given: np.ndarray  # bool: attach node named in the file
    region_country: tuple[str, ...]
    region_allowed_countries: tuple[frozenset[str] | None, ...]  # None: anywhere
    region_gbps_per_unit: np.ndarray
    # gpus
    gpu_types: tuple[str, ...]
    gpu_capex: np.ndarray
    gpu_power_kw: np.ndarray
    gpu_throughput: np.ndarray
    # measured RTTs from [latency] matrix (region index, site index, rtt)
    matrix_region: np.ndarray
    matrix_site: np.ndarray
    matrix_rtt_ms: np.ndarray
    matrix_only: bool
    # candidate pairs, sorted by (region, site)
    pair_region: np.ndarray
    pair_site: np.ndarray
    pair_rtt_ms: np.ndarray
    constraints: Constraints = field(default_factory=Constraints)
    objective: Objective = field(default_factory=Objective)
    solver: SolverSettings = field(default_factory=SolverSettings)
    warnings: tuple[str, ...] = ()  # suspicious but valid input, found while loading
    measured: MeasuredPairs | None = None  # [latency] measured, for the pairs it names
    calibration: Calibration | None = None  # [latency] calibration (its model is in `latency`)
    input_files: tuple[str, ...] = ()  # the TOML and every file it names (set by load_instance)
    # serving models ([models] ... [demand]): the tables, and per candidate pair its demand
    # item, deployment and operating point (pairs are then (item, site, deployment) triples)
    serving: Serving | None = None
    pair_serving: ServingPairs | None = None
    # [money]: the bill per site, contracts and on-demand demand (kind and price per item)
    money: Money | None = None
    # periods of the day ([time] periods): demand per period, and the period of each pair
    # (items are then (region, period), k = r * W + w; scenario/time.py)
    periods: Periods | None = None
    pair_period: np.ndarray | None = None

    def __post_init__(self) -> None:
        freeze_arrays(self)
        if (self.serving is None) != (self.pair_serving is None):
            raise ValueError("serving and pair_serving go together")
        if (self.periods is None) != (self.pair_period is None):
            raise ValueError("periods and pair_period go together")
        if self.pair_serving is not None and len(self.pair_serving) != self.n_pairs:
            raise ValueError("pair_serving must be aligned with pair_region and pair_site")

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        freeze_arrays(self)

    @property
    def n_sites(self) -> int:
        return len(self.site_ids)

    @property
    def n_regions(self) -> int:
        return len(self.region_ids)

    @property
    def n_types(self) -> int:
        return len(self.gpu_types)

    @property
    def n_pairs(self) -> int:
        return int(self.pair_region.shape[0])

    # Demand items: what the assignment rows balance. Without serving tables every region
    # is one item (k = r); with them an item is one region's demand for one model and tier.
    # With periods an item is one region's demand in one period (k = r * W + w).
    @property
    def n_items(self) -> int:
        if self.periods is not None:
            return self.n_regions * self.periods.n_periods
        return self.serving.n_items if self.serving is not None else self.n_regions

    @property
    def item_region(self) -> np.ndarray:
        """Region of each demand item, int [K]."""
        if self.serving is not None:
            return self.serving.item_region
        if self.periods is not None:
            return np.repeat(np.arange(self.n_regions, dtype=np.int64), self.periods.n_periods)
        return np.arange(self.n_regions, dtype=np.int64)

    @property
    def item_demand(self) -> np.ndarray:
        """Demand of each item, float [K] (output tokens/s with serving tables)."""
        if self.periods is not None:
            return self.periods.demand.ravel()
        return self.serving.item_demand if self.serving is not None else self.region_demand

    @property
    def pair_item(self) -> np.ndarray:
        """Demand item of each candidate pair, int [P] (``pair_region`` without serving tables)."""
        if self.pair_period is not None and self.periods is not None:
            return self.pair_region * self.periods.n_periods + self.pair_period
        return self.pair_serving.item if self.pair_serving is not None else self.pair_region

    @property
    def n_periods(self) -> int:
        """Periods of the day (1 without ``[time] periods``)."""
        return self.periods.n_periods if self.periods is not None else 1

    @property
    def item_period(self) -> np.ndarray:
        """Period of each demand item, int [K] (0 without periods)."""
        if self.periods is None:
            return np.zeros(self.n_items, dtype=np.int64)
        return np.tile(np.arange(self.periods.n_periods, dtype=np.int64), self.n_regions)

    @property
    def item_weight(self) -> np.ndarray:
        """Each item's period share of the day, float [K] (ones without periods).

        Demand-weighted terms (served demand, RTT, unserved) count an item's
        demand times this weight: the day's mean.
        """
        if self.periods is None:
            return np.ones(self.n_items)
        return np.tile(self.periods.fraction, self.n_regions)

    @property
    def pair_deployment(self) -> np.ndarray:
        """Deployment of each candidate pair, int [P] (-1 without serving tables)."""
        if self.pair_serving is not None:
            return self.pair_serving.deployment
        return np.full(self.n_pairs, -1, dtype=np.int64)

    @property
    def pair_throughput(self) -> np.ndarray | None:
        """Output tokens/s of one replica at each pair's operating point (None without serving)."""
        return self.pair_serving.throughput if self.pair_serving is not None else None

    @property
    def n_deployments(self) -> int:
        return self.serving.n_deployments if self.serving is not None else 0
