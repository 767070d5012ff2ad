"""What one failure costs a plan, and what ``redundancy = k`` guarantees without re-homing.

:class:`FailureImpact` is one case of the failure analysis
(:func:`gpuplace.resilience.failure_analysis.analyse_case`);
:func:`redundancy_guarantee` is the demand a plan keeps after the loss of any
one site when nothing re-homes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from gpuplace.resilience.plan_arrays import plan_arrays
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan import Plan

__all__ = ["FailureImpact", "LinkOverload", "RedundancyGuarantee", "redundancy_guarantee"]


@dataclass(frozen=True)
class LinkOverload:
    """A directed link whose load exceeds its capacity after a failure."""

    source: str
    target: str
    load_gbps: float
    capacity_gbps: float


@dataclass(frozen=True)
class FailureImpact:
    """What one failure case costs a plan.

    ``unserved_demand`` is demand (units) the surviving GPUs cannot serve within
    SLA after re-homing, beyond what the intact plan could already not serve;
    ``kept_demand`` is the demand whose assignment survives untouched (no
    re-homing). ``repair_*`` is filled in ``resolve`` mode only.
    """

    kind: str  # site | link | srlg
    name: str
    failed: tuple[str, ...]  # site ids or "source--target" links
    demand_total: float
    unserved_demand: float
    unserved_fraction: float
    kept_demand: float
    affected_regions: tuple[str, ...]
    unserved_regions: tuple[str, ...]
    worst_rtt_ms: float | None
    mean_rtt_ms: float | None
    overloaded_links: tuple[LinkOverload, ...] = ()
    lp_ok: bool = True
    repair_status: str | None = None
    repair_cost: float | None = None
    repair_gpus: dict[str, dict[str, int]] = field(default_factory=dict)
    repair_new_sites: tuple[str, ...] = ()
    # serving models: per "model/tier", the share of its demand still served within its SLO
    slo_attainment: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``slo_attainment`` only with serving models)."""
        data = asdict(self)
        if not self.slo_attainment:
            del data["slo_attainment"]
        data["failed"] = list(self.failed)
        data["affected_regions"] = list(self.affected_regions)
        data["unserved_regions"] = list(self.unserved_regions)
        data["overloaded_links"] = [asdict(link) for link in self.overloaded_links]
        data["repair_new_sites"] = list(self.repair_new_sites)
        return data


@dataclass(frozen=True)
class RedundancyGuarantee:
    """Demand a plan keeps after the loss of any one site, without re-homing.

    ``max_share`` is, per region, the largest share any single site serves;
    ``guaranteed_demand`` = sum over regions of served demand minus demand x max share.
    ``promised_fraction`` is ``1 - 1/k`` for the scenario's ``redundancy = k``.
    """

    k: int
    demand_total: float
    served_demand: float
    guaranteed_demand: float
    promised_fraction: float
    max_share: dict[str, float]

    @property
    def guaranteed_fraction(self) -> float:
        return self.guaranteed_demand / self.demand_total if self.demand_total > 0 else 1.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["guaranteed_fraction"] = self.guaranteed_fraction
        return data


def _item_names(instance: Instance) -> list[str]:
    if instance.serving is None:
        return list(instance.region_ids)
    return [instance.serving.item_label(k, instance.region_ids) for k in range(instance.n_items)]


def redundancy_guarantee(instance: Instance, plan: Plan) -> RedundancyGuarantee:
    """What ``redundancy = k`` buys: demand still served after losing any single site.

    Parameters
    ----------
    instance : Instance
        The scenario.
    plan : Plan
        The plan.

    Returns
    -------
    RedundancyGuarantee
    """
    arrays = plan_arrays(instance, plan)
    demand = instance.item_demand
    served = arrays.served(demand)
    max_share = arrays.share.max(axis=1) if instance.n_sites else np.zeros(instance.n_items)
    k = int(instance.constraints.redundancy)
    return RedundancyGuarantee(
        k=k,
        demand_total=float(demand.sum()),
        served_demand=float(served.sum()),
        guaranteed_demand=float(np.maximum(served - demand * max_share, 0.0).sum()),
        promised_fraction=1.0 - 1.0 / k if k >= 1 else 0.0,
        max_share={r: float(m) for r, m in zip(_item_names(instance), max_share, strict=True)},
    )
