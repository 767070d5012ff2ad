"""Periods of the day (``[time] periods``): demand that follows the clock.

Present on an :class:`~gpuplace.scenario.instance.Instance` (``instance.periods``)
when the scenario has a ``[time]`` section with ``periods``; None otherwise.
Indices: periods ``w``. Demand item k of a scenario with periods is one region's
demand in one period, ``k = r × W + w``; candidate pairs carry one period each
(``instance.pair_period``). GPUs are built once; assignments, capacity and link
loads are per period.

With ``[time] phases`` the periods are *slots*, one per (phase, period of the
day), and D_rw is also multiplied by the phase's ``demand_factor``.

Demand of region r in period w (SCENARIO.md, "Periods of the day")::

    D_rw = demand_r × f_rw
    f_rw = factors.csv value for (r, w) when given, else
           profile[floor((utc_hour_w + offset_r) mod 24)]  (1 without a profile)

``offset_r`` is the UTC offset in hours of region r's time zone on
``reference_date`` (so daylight saving is the one in force that day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from gpuplace.topo.graph import freeze_arrays

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "Periods",
    "Phases",
    "expand_periods",
    "peak_sized",
    "local_hours",
    "period_demand",
    "utc_offset_h",
]

DEFAULT_REFERENCE_DATE = "2026-01-15"
_FIXED = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def utc_offset_h(tz: str, reference_date: str) -> float | None:
    """UTC offset in hours of ``tz`` at noon UTC on ``reference_date``; None when unknown.

    ``tz`` is an IANA name (``Asia/Tokyo``), ``UTC``, or a fixed offset
    (``+09:00``, ``UTC+5:30``, ``-3``).

    >>> utc_offset_h("Asia/Kolkata", "2026-01-15"), utc_offset_h("UTC-03:30", "2026-01-15")
    (5.5, -3.5)
    """
    text = tz.strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return 0.0
    fixed = _FIXED.match(text)
    if fixed:
        sign = -1.0 if fixed.group(1) == "-" else 1.0
        hours, minutes = int(fixed.group(2)), int(fixed.group(3) or 0)
        if hours > 14 or minutes >= 60:
            return None
        return sign * (hours + minutes / 60.0)
    try:
        zone = ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    noon = datetime.fromisoformat(reference_date).replace(hour=12, tzinfo=UTC)
    offset = noon.astimezone(zone).utcoffset() or timedelta(0)
    return offset.total_seconds() / 3600.0


@dataclass(frozen=True, eq=False)
class Phases:
    """A phased roll-out (``[time] phases``): per phase its demand factor, budget, GPU supply.

    ``budget`` and ``max_new_gpus`` are inf where the table leaves them empty;
    ``site_first_phase`` is the index of the first phase in which each site may
    take new GPUs (its power connection; 0 when the site is not listed).
    """

    ids: tuple[str, ...]
    demand_factor: np.ndarray  # [N]
    budget: np.ndarray  # [N] capex of the GPUs installed in the phase
    max_new_gpus: np.ndarray  # [N] GPUs installed in the phase, all sites together
    site_first_phase: np.ndarray  # [S] int

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        freeze_arrays(self)

    @property
    def n_phases(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Periods:
    """The periods of a scenario and what its demand is in each (input fields, as read).

    ``explicit`` holds factors.csv values (NaN where the profile applies);
    ``demand`` is D_rw of the module docstring, derived from the other fields.
    """

    ids: tuple[str, ...]
    utc_hour: np.ndarray  # [W] UTC hour at which the period starts (0..23)
    weight_h: np.ndarray  # [W] hours of the day the period stands for
    profile: np.ndarray  # [24] demand factor by local hour (ones without a profile)
    region_tz: tuple[str, ...]  # [R] time zone as given, or derived from coordinates
    region_offset_h: np.ndarray  # [R] UTC offset on reference_date
    explicit: np.ndarray  # [R, W] factors.csv, NaN where not given
    base_demand: np.ndarray  # [R] regions.csv demand (demand at factor 1)
    demand: np.ndarray  # [R, W] D_rw
    reference_date: str = DEFAULT_REFERENCE_DATE
    # solve the same scenario with each region sized for its own peak, for the saving
    peak_baseline: bool = True
    # a phased roll-out: the periods above are then slots (phase, period of the day), and
    # slot w belongs to phase slot_phase[w], whose demand factor multiplies D_rw
    phases: Phases | None = None
    slot_phase: np.ndarray | None = None  # [W] int

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        freeze_arrays(self)

    @property
    def phase_of_slot(self) -> np.ndarray:
        """Phase of each period (slot), int [W] (zeros without phases)."""
        if self.slot_phase is None:
            return np.zeros(len(self.ids), dtype=np.int64)
        return self.slot_phase

    @property
    def n_periods(self) -> int:
        return len(self.ids)

    @property
    def fraction(self) -> np.ndarray:
        """Each period's share of the day's weight, float [W] (sums to 1)."""
        return self.weight_h / float(self.weight_h.sum())


def local_hours(utc_hour: np.ndarray, offset_h: np.ndarray) -> np.ndarray:
    """Local hour (0..23) of each region r at the start of each period w, int [R, W]."""
    local = np.mod(utc_hour[None, :] + offset_h[:, None], 24.0)
    return np.floor(local + 1e-9).astype(np.int64) % 24


def period_demand(
    base_demand: np.ndarray,
    utc_hour: np.ndarray,
    offset_h: np.ndarray,
    profile: np.ndarray,
    explicit: np.ndarray,
    slot_factor: np.ndarray | None = None,
) -> np.ndarray:
    """D_rw (module docstring), float [R, W]; × the slot's phase demand factor with phases."""
    factor = profile[local_hours(utc_hour, offset_h)]
    factor = np.where(np.isnan(explicit), factor, explicit)
    if slot_factor is not None:
        factor = factor * slot_factor[None, :]
    return base_demand[:, None] * factor


def expand_periods(instance: Any, periods: Periods) -> Any:
    """The instance with items (region, period) and pairs repeated per period.

    A base pair (r, s) becomes one pair per period w with D_rw > 0, in the
    order (base pair, period). ``region_demand`` becomes the day's weighted
    mean demand (what the pre-solve diagnosis and the heuristics read).
    """
    demand = periods.demand
    live = demand[instance.pair_region] > 0  # [P0, W]
    base, period = np.nonzero(live)
    mean = demand @ periods.fraction
    return replace(
        instance,
        region_demand=np.asarray(mean, dtype=float),
        pair_region=instance.pair_region[base],
        pair_site=instance.pair_site[base],
        pair_rtt_ms=instance.pair_rtt_ms[base],
        periods=periods,
        pair_period=period.astype(np.int64),
    )


def peak_sized(instance: Any) -> Any:
    """The instance sized for each region's own peak: the follow-the-sun baseline.

    Without phases: no periods, each region's demand its own peak ``max_w D_rw``.
    With phases and periods of the day: the same phases, one period per phase in
    which each region's demand factor is its own peak over that phase's periods.
    Candidate pairs are the (region, site) pairs of the periods' pairs. None when
    there is nothing to compare (phases without periods of the day).
    """
    periods = instance.periods
    if periods is None:
        return instance
    key = instance.pair_region.astype(np.int64) * instance.n_sites + instance.pair_site
    _, first = np.unique(key, return_index=True)
    base = replace(
        instance,
        pair_region=instance.pair_region[first],
        pair_site=instance.pair_site[first],
        pair_rtt_ms=instance.pair_rtt_ms[first],
        periods=None,
        pair_period=None,
    )
    phases = periods.phases
    if phases is None:
        peak = periods.demand.max(axis=1) if periods.n_periods else np.zeros(instance.n_regions)
        return replace(base, region_demand=np.asarray(peak, dtype=float))
    N = phases.n_phases
    if periods.n_periods == N:  # one period per phase: no day to share
        return None
    ones = np.ones(instance.n_regions)
    factor = period_demand(
        ones, periods.utc_hour, periods.region_offset_h, periods.profile, periods.explicit
    )
    slot_phase = periods.phase_of_slot
    explicit = np.stack([factor[:, slot_phase == q].max(axis=1) for q in range(N)], axis=1)
    phase = np.arange(N, dtype=np.int64)
    peak_periods = replace(
        periods,
        ids=tuple(phases.ids),
        utc_hour=np.zeros(N),
        weight_h=np.full(N, 24.0),
        explicit=explicit,
        demand=period_demand(
            periods.base_demand,
            np.zeros(N),
            periods.region_offset_h,
            periods.profile,
            explicit,
            phases.demand_factor,
        ),
        slot_phase=phase,
    )
    return expand_periods(replace(base, region_demand=periods.base_demand), peak_periods)
