"""The bundled APAC time scenario: what its script writes, and what it loads into."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpuplace.datasets.apac import build as apac
from gpuplace.datasets.apac import time as apac_time
from gpuplace.errors import InputError
from gpuplace.scenario import load_instance

TIME = apac.HERE / "time.toml"


def test_time_tables_are_what_the_script_writes(tmp_path: Path) -> None:
    path = apac_time.build_time(tmp_path)
    assert path == tmp_path / "time.toml"
    for name in apac_time.OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (apac.HERE / name).read_bytes(), name
    with pytest.raises(InputError, match="exists; use --force"):
        apac_time.build_time(tmp_path)


def test_apac_time_loads_hourly_slots_of_three_phases() -> None:
    inst = load_instance(TIME)
    periods = inst.periods
    assert periods is not None and periods.phases is not None
    assert periods.phases.ids == ("2026Q3", "2026Q4", "2027Q1")
    assert inst.n_periods == 72 and periods.ids[0] == "2026Q3/h00"
    # every region's time zone derived from its coordinates
    assert all(periods.region_tz)
    tokyo = inst.region_ids.index("tokyo-jp")
    assert periods.region_tz[tokyo] == "Asia/Tokyo" and periods.region_offset_h[tokyo] == 9.0
    # Tokyo peaks at 20:00-21:59 local time, 11:00-12:59 UTC, at full demand in 2027Q1
    last = periods.demand[tokyo, 48:]
    assert np.flatnonzero(last == last.max()).tolist() == [11, 12]
    # no region is left with only sites that connect after the first phase
    first = periods.phases.site_first_phase
    for r in range(inst.n_regions):
        reach = np.unique(inst.pair_site[inst.pair_region == r])
        assert reach.size == 0 or (first[reach] == 0).any(), inst.region_ids[r]
