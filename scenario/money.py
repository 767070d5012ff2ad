"""Money inputs of a scenario: the bill (capex annualised, energy, carbon) and what is sold.

Present on an :class:`~gpuplace.scenario.instance.Instance` (``instance.money``)
when the scenario has a ``[money]`` section (SCENARIO.md, "Money"); None
otherwise, and then nothing changes. Everything here is an input as the files
give it, resolved per site and per demand item:

- capex (GPUs and a site's fixed cost) is annualised with the capital recovery
  factor ``crf = r (1 + r)^n / ((1 + r)^n - 1)`` (``1 / n`` when ``r = 0``);
- a site draws ``pue × (idle × Σ_t power_kw_t N_st + (1 - idle) × busy_kw)`` kW,
  ``busy_kw`` the power of the GPUs its served demand keeps busy; energy per
  year is that × ``hours_per_year`` kWh, at the site's ``price_kwh``; carbon is
  the kWh × the site's grid intensity (gCO2e/kWh), in tonnes;
- demand items are of three kinds: ``DEMAND`` (``demand.csv``: served as
  before), ``CONTRACT`` (``contracts.csv``: always served) and ``ONDEMAND``
  (``ondemand.csv``: served when it pays, at ``price_per_mtok`` per million
  output tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gpuplace.topo.graph import freeze_arrays

__all__ = [
    "CONTRACT",
    "DEMAND",
    "ONDEMAND",
    "Contracts",
    "Money",
    "capital_recovery_factor",
    "item_kinds",
    "may_leave",
    "penalised",
]

DEMAND, CONTRACT, ONDEMAND = 0, 1, 2
SECONDS_PER_HOUR = 3600.0


def capital_recovery_factor(rate: float, years: float) -> float:
    """The share of a capital sum paid each year to repay it over ``years`` at ``rate``.

    >>> round(capital_recovery_factor(0.08, 5), 6)
    0.250456
    >>> capital_recovery_factor(0.0, 4)
    0.25
    """
    if rate == 0:
        return 1.0 / years
    grow = (1.0 + rate) ** years
    return rate * grow / (grow - 1.0)


class _Frozen:
    def __post_init__(self) -> None:
        freeze_arrays(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        freeze_arrays(self)


@dataclass(frozen=True, eq=False)
class Contracts(_Frozen):
    """``contracts.csv`` as read (one entry per contract, in file order)."""

    ids: tuple[str, ...]
    customer: tuple[str, ...]
    model: tuple[str, ...]
    tier: tuple[str, ...]
    regions: tuple[tuple[str, ...], ...]
    output_tokens_per_s: np.ndarray  # committed, per listed region
    start_phase: np.ndarray  # int >= 1 (enforced once the scenario has phases)
    dedicated: np.ndarray  # bool: replicas not shared with other demand
    revenue_per_year: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Money(_Frozen):
    """The bill's settings per site and what each demand item is (see the module docstring)."""

    lifetime_years: float
    discount_rate: float
    hours_per_year: float
    idle_power_fraction: float
    carbon_cap_t: float | None
    site_price_kwh: np.ndarray  # [S] currency per kWh
    site_grid_gco2_kwh: np.ndarray  # [S] gCO2e per kWh
    item_kind: np.ndarray  # [K] DEMAND | CONTRACT | ONDEMAND
    item_contract: np.ndarray  # [K] contract index, -1 for others
    item_price_per_mtok: np.ndarray  # [K] on-demand price per million output tokens, 0 else
    contracts: Contracts | None = None
    # dedicated deployments: the shared deployment each copies, -1 for shared ones  [D]
    deployment_base: np.ndarray | None = None
    deployment_contract: np.ndarray | None = None  # [D] owning contract, -1 when shared

    @property
    def crf(self) -> float:
        return capital_recovery_factor(self.discount_rate, self.lifetime_years)

    @property
    def item_revenue_per_unit(self) -> np.ndarray:
        """Revenue per year of one output token/s served, per item (on-demand only), [K]."""
        tokens_per_year = SECONDS_PER_HOUR * self.hours_per_year
        return self.item_price_per_mtok * tokens_per_year / 1e6

    @property
    def contract_revenue(self) -> float:
        """Contract revenue per year (contracts are always served)."""
        return float(self.contracts.revenue_per_year.sum()) if self.contracts is not None else 0.0


def item_kinds(instance: Any) -> np.ndarray:
    """Kind of each demand item, int [K] (all ``DEMAND`` without money)."""
    money = getattr(instance, "money", None)
    if money is None:
        return np.zeros(instance.n_items, dtype=np.int64)
    return money.item_kind


def may_leave(instance: Any) -> np.ndarray:
    """Items whose demand may go unserved, bool [K].

    Contract demand never; on-demand demand always; the rest when
    ``allow_unserved`` or the objective is ``served``.
    """
    kind = item_kinds(instance)
    base = bool(instance.constraints.allow_unserved or instance.objective.kind == "served")
    return np.where(kind == ONDEMAND, True, np.where(kind == CONTRACT, False, base))


def penalised(instance: Any) -> np.ndarray:
    """Items whose unserved demand pays ``unserved_penalty`` (with ``allow_unserved``), bool [K]."""
    return item_kinds(instance) == DEMAND
