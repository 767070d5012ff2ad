"""``[time]``: periods of the day, the daily profile, explicit factors and time zones.

Every problem names the file and the key, or the file, the 1-based data row and
the column (SCENARIO.md, "Periods of the day"). The tables are read by the
loader (so they are hashed and confined with the scenario's other inputs) and
validated here into a :class:`~gpuplace.scenario.time.Periods`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.tables import NON_NEGATIVE, POSITIVE, Table, check_columns, numbers, texts
from gpuplace.scenario.time import (
    DEFAULT_REFERENCE_DATE,
    Periods,
    Phases,
    expand_periods,
    period_demand,
    utc_offset_h,
)
from gpuplace.untrusted import excerpt

__all__ = ["HOURLY", "TIME_TABLES", "apply_time", "read_periods", "time_files", "time_paths"]

HOURLY = "hourly"
# [time] keys naming a table, by the loader's table label
TIME_TABLES = {
    "periods": "time_periods",
    "profile": "time_profile",
    "factors": "time_factors",
    "phases": "time_phases",
    "site_phases": "time_site_phases",
}
PERIOD_COLUMNS = ("period", "utc_hour", "weight_h")
PROFILE_COLUMNS = ("hour", "factor")
FACTOR_COLUMNS = ("region", "period", "factor")
PHASE_REQUIRED = ("phase",)
PHASE_OPTIONAL = ("demand_factor", "budget", "max_new_gpus")
SITE_PHASE_COLUMNS = ("site", "first_phase")


def time_files(section: dict[str, Any] | None) -> dict[str, str]:
    """Files ``[time]`` names, by dotted key (``periods = "hourly"`` is not a file)."""
    out: dict[str, str] = {}
    for key in TIME_TABLES:
        value = (section or {}).get(key)
        if isinstance(value, str) and not (key == "periods" and value == HOURLY):
            out[f"time.{key}"] = value
    return out


def _hourly() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    ids = tuple(f"h{h:02d}" for h in range(24))
    return ids, np.arange(24, dtype=float), np.ones(24)


def _read_period_table(
    table: Table, problems: ProblemCollector
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray] | None:
    if not check_columns(table, PERIOD_COLUMNS, (), problems):
        return None
    ids = texts(table, "period")
    seen: set[str] = set()
    for i, name in enumerate(ids):
        if not name:
            problems.add(
                table.file, table.where(i, "period"), "is empty, a period name is required"
            )
        elif name in seen:
            problems.add(
                table.file, table.where(i, "period"), f"duplicate period {excerpt(name)!r}"
            )
        seen.add(name)
    hour = numbers(
        table,
        "utc_hour",
        problems,
        integer=True,
        check=(lambda v: (v >= 0) & (v <= 23), "must be 0..23"),
    )
    weight = numbers(table, "weight_h", problems, check=POSITIVE)
    if len(table) == 0:
        problems.add(table.file, "", "has no periods")
        return None
    return tuple(ids), hour, weight


def _read_profile(table: Table, problems: ProblemCollector) -> np.ndarray | None:
    if not check_columns(table, PROFILE_COLUMNS, (), problems):
        return None
    hour = numbers(
        table,
        "hour",
        problems,
        integer=True,
        check=(lambda v: (v >= 0) & (v <= 23), "must be 0..23"),
    )
    factor = numbers(table, "factor", problems, check=NON_NEGATIVE)
    profile = np.full(24, np.nan)
    for i, (h, f) in enumerate(zip(hour.tolist(), factor.tolist(), strict=True)):
        if np.isnan(h):
            continue
        if not np.isnan(profile[int(h)]):
            problems.add(table.file, table.where(i, "hour"), f"hour {int(h)} is given twice")
        profile[int(h)] = f
    missing = [h for h in range(24) if np.isnan(profile[h])]
    if missing and len(missing) < 24:
        problems.add(
            table.file,
            "column hour",
            f"the profile needs all 24 local hours 0..23; missing {', '.join(map(str, missing))}",
        )
    return profile


def _read_factors(
    table: Table,
    region_ids: list[str],
    period_ids: tuple[str, ...],
    problems: ProblemCollector,
) -> np.ndarray:
    explicit = np.full((len(region_ids), len(period_ids)), np.nan)
    if not check_columns(table, FACTOR_COLUMNS, (), problems):
        return explicit
    region_of = {r: i for i, r in enumerate(region_ids)}
    period_of = {p: i for i, p in enumerate(period_ids)}
    factor = numbers(table, "factor", problems, check=NON_NEGATIVE)
    for i, (rid, pid) in enumerate(
        zip(texts(table, "region"), texts(table, "period"), strict=True)
    ):
        r, w = region_of.get(rid), period_of.get(pid)
        if r is None:
            problems.add(table.file, table.where(i, "region"), f"unknown region {excerpt(rid)!r}")
        if w is None:
            problems.add(table.file, table.where(i, "period"), f"unknown period {excerpt(pid)!r}")
        if r is None or w is None:
            continue
        if not np.isnan(explicit[r, w]):
            problems.add(
                table.file,
                table.where(i, "region"),
                f"region {excerpt(rid)!r} in period {excerpt(pid)!r} is given twice",
            )
        explicit[r, w] = factor[i]
    return explicit


def _zones(
    regions: Table,
    lat: np.ndarray,
    lon: np.ndarray,
    reference_date: str,
    problems: ProblemCollector,
) -> tuple[tuple[str, ...], np.ndarray]:
    """Each region's time zone (the ``tz`` column, else derived from its coordinates)."""
    given = texts(regions, "tz")
    names: list[str] = []
    offsets = np.zeros(len(given))
    finder: Any = None
    for i, tz in enumerate(given):
        if not tz:
            if finder is None:
                finder = _finder(regions, i, problems)
            if not finder:
                names.append("")
                continue
            tz = finder(float(lon[i]), float(lat[i])) or ""
            if not tz:
                problems.add(
                    regions.file,
                    regions.where(i, "tz"),
                    "is empty and no time zone is known at the region's coordinates; give one",
                )
                names.append("")
                continue
        offset = utc_offset_h(tz, reference_date)
        if offset is None:
            problems.add(
                regions.file,
                regions.where(i, "tz"),
                f"unknown time zone {excerpt(tz)!r} (an IANA name such as Asia/Tokyo, or +09:00)",
            )
            offset = 0.0
        names.append(tz)
        offsets[i] = offset
    return tuple(names), offsets


def _finder(regions: Table, i: int, problems: ProblemCollector) -> Any:
    try:
        from tzfpy import get_tz
    except ImportError:
        problems.add(
            regions.file,
            regions.where(i, "tz"),
            "is empty: give each region's time zone (tz column), or install tzfpy "
            "to derive it from the coordinates",
        )
        return False
    return get_tz


def _read_phases(
    table: Table, site_table: Table | None, site_ids: list[str], problems: ProblemCollector
) -> Phases | None:
    if not check_columns(table, PHASE_REQUIRED, PHASE_OPTIONAL, problems):
        return None
    ids = texts(table, "phase")
    seen: set[str] = set()
    for i, name in enumerate(ids):
        if not name:
            problems.add(table.file, table.where(i, "phase"), "is empty, a phase name is required")
        elif name in seen:
            problems.add(table.file, table.where(i, "phase"), f"duplicate phase {excerpt(name)!r}")
        seen.add(name)
    if len(table) == 0:
        problems.add(table.file, "", "has no phases")
        return None
    factor = numbers(table, "demand_factor", problems, default=1.0, check=NON_NEGATIVE)
    budget = numbers(table, "budget", problems, default=np.inf, check=NON_NEGATIVE)
    supply = numbers(
        table, "max_new_gpus", problems, default=np.inf, check=NON_NEGATIVE, integer=True
    )
    first = np.zeros(len(site_ids), dtype=np.int64)
    if site_table is not None and check_columns(site_table, SITE_PHASE_COLUMNS, (), problems):
        site_of = {sid: s for s, sid in enumerate(site_ids)}
        phase_of = {p: i for i, p in enumerate(ids)}
        listed: set[int] = set()
        for i, (sid, pid) in enumerate(
            zip(texts(site_table, "site"), texts(site_table, "first_phase"), strict=True)
        ):
            s, q = site_of.get(sid), phase_of.get(pid)
            if s is None:
                problems.add(
                    site_table.file, site_table.where(i, "site"), f"unknown site {excerpt(sid)!r}"
                )
            elif s in listed:
                problems.add(
                    site_table.file,
                    site_table.where(i, "site"),
                    f"site {excerpt(sid)!r} is listed twice",
                )
            if q is None:
                problems.add(
                    site_table.file,
                    site_table.where(i, "first_phase"),
                    f"unknown phase {excerpt(pid)!r} (phases: {', '.join(ids)})",
                )
            if s is not None and q is not None:
                listed.add(s)
                first[s] = q
    return Phases(
        ids=tuple(ids),
        demand_factor=factor,
        budget=budget,
        max_new_gpus=supply,
        site_first_phase=first,
    )


def _slots(
    parsed: tuple[tuple[str, ...], np.ndarray, np.ndarray], phases: Phases | None
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(ids, utc_hour, weight_h, slot phase, slot factor): periods, or phases × periods."""
    ids, hour, weight = parsed
    if phases is None:
        return ids, hour, weight, None, None
    N, W = phases.n_phases, len(ids)
    names = (
        tuple(phases.ids)
        if W == 1 and ids == ("day",)
        else tuple(f"{p}/{w}" for p in phases.ids for w in ids)
    )
    phase = np.repeat(np.arange(N, dtype=np.int64), W)
    return names, np.tile(hour, N), np.tile(weight, N), phase, phases.demand_factor[phase]


def read_periods(
    section: dict[str, Any],
    tables: dict[str, Table | None],
    regions: Table,
    region_ids: list[str],
    region_lat: np.ndarray,
    region_lon: np.ndarray,
    region_demand: np.ndarray,
    file: str,
    problems: ProblemCollector,
    site_ids: list[str] | None = None,
) -> Periods | None:
    """The validated ``[time]`` periods (None when a problem was found, or without periods).

    ``tables`` holds the tables the section names, by the labels of :data:`TIME_TABLES`.
    """
    if "periods" not in section and "phases" not in section:
        return None
    before = len(problems.problems)
    reference = str(section.get("reference_date", DEFAULT_REFERENCE_DATE))
    try:
        date.fromisoformat(reference)
    except ValueError:
        problems.add(
            file, "time.reference_date", f"{excerpt(reference)!r} is not a date (YYYY-MM-DD)"
        )
        reference = DEFAULT_REFERENCE_DATE
    if "periods" not in section:  # phases only: one period for the whole day
        parsed: tuple[tuple[str, ...], np.ndarray, np.ndarray] | None = (
            ("day",),
            np.zeros(1),
            np.full(1, 24.0),
        )
    elif section["periods"] == HOURLY:
        parsed = _hourly()
    else:
        table = tables.get(TIME_TABLES["periods"])
        parsed = _read_period_table(table, problems) if table is not None else None
    profile = np.ones(24)
    if "profile" in section:
        table = tables.get(TIME_TABLES["profile"])
        read = _read_profile(table, problems) if table is not None else None
        if read is not None:
            profile = read
    if "periods" in section:
        tz, offsets = _zones(regions, region_lat, region_lon, reference, problems)
    else:  # one period for the whole day: no clock to read
        tz, offsets = ("",) * len(region_ids), np.zeros(len(region_ids))
    if parsed is None or len(problems.problems) > before:
        return None
    explicit = np.full((len(region_ids), len(parsed[0])), np.nan)
    if "factors" in section:
        table = tables.get(TIME_TABLES["factors"])
        if table is not None:
            explicit = _read_factors(table, region_ids, parsed[0], problems)
    phases = None
    if "phases" in section:
        table = tables.get(TIME_TABLES["phases"])
        sites = tables.get(TIME_TABLES["site_phases"])
        phases = _read_phases(table, sites, site_ids or [], problems) if table is not None else None
    if "site_phases" in section and "phases" not in section:
        problems.add(file, "time.site_phases", "needs [time] phases (the phases it names)")
    if len(problems.problems) > before:
        return None
    ids, utc_hour, weight_h, slot_phase, slot_factor = _slots(parsed, phases)
    if phases is not None:
        explicit = np.tile(explicit, phases.n_phases)
    base = np.asarray(region_demand, dtype=float)
    demand = period_demand(base, utc_hour, offsets, profile, explicit, slot_factor)
    return Periods(
        ids=ids,
        utc_hour=utc_hour,
        weight_h=weight_h,
        profile=profile,
        region_tz=tz,
        region_offset_h=offsets,
        explicit=explicit,
        base_demand=base,
        demand=demand,
        reference_date=reference,
        peak_baseline=bool(section.get("peak_baseline", True)),
        phases=phases,
        slot_phase=slot_phase,
    )


def time_paths(section: dict[str, Any] | None, base: Path) -> dict[str, Path]:
    """Paths of the tables ``[time]`` names, by the loader's table label."""
    out = {}
    for key, label in TIME_TABLES.items():
        name = time_files(section).get(f"time.{key}")
        if name is not None:
            out[label] = base / name
    return out


def apply_time(
    instance: Any,
    section: dict[str, Any] | None,
    tables: dict[str, Table | None],
    file: str,
) -> Any:
    """The instance with ``[time]`` applied (itself without periods).

    Raises
    ------
    InputError
        Every problem of the section and its tables, each naming the file and key or row.
    """
    section = section or {}
    if "periods" not in section and "phases" not in section:
        return instance
    problems = ProblemCollector()
    if instance.serving is not None:
        problems.add(
            file,
            "time.periods",
            "periods and phases are not supported with serving models ([models] ... [demand]) in this "
            "version; remove [time] periods or the serving sections",
        )
    if instance.constraints.survive_site_failure:
        problems.add(
            file,
            "constraints.survive_site_failure",
            "is not supported with [time] periods in this version; set it to false",
        )
    regions = tables.get("regions")
    assert regions is not None
    periods = read_periods(
        section,
        tables,
        regions,
        list(instance.region_ids),
        np.asarray(instance.region_lat),
        np.asarray(instance.region_lon),
        np.asarray(instance.region_demand),
        file,
        problems,
        list(instance.site_ids),
    )
    problems.raise_if_any()
    assert periods is not None
    return expand_periods(instance, periods)
