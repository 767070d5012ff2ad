"""``[money]`` and its energy table resolved per site: prices and grid intensity.

``energy.csv`` (optional, ``[money] energy``) has a required ``country`` column
and optional ``site``, ``price_kwh`` and ``grid_gco2_kwh``; a row with a
``site`` applies to that site only. A site's value is, in this order, its own
row's, its country's row's, then ``[money] price_kwh`` / the bundled country
table (:mod:`gpuplace.scenario.grid_intensity`) / ``[money] grid_gco2_kwh``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.grid_intensity import GRID_GCO2_PER_KWH
from gpuplace.scenario.money import Money
from gpuplace.scenario.tables import NON_NEGATIVE, Table, check_columns, numbers, texts

__all__ = ["DEFAULTS", "read_energy", "read_money"]

DEFAULTS = {
    "lifetime_years": 5.0,
    "discount_rate": 0.0,
    "hours_per_year": 8760.0,
    "idle_power_fraction": 0.3,
}
ENERGY_REQUIRED = ("country",)
ENERGY_OPTIONAL = ("site", "price_kwh", "grid_gco2_kwh")


def _energy_rows(
    table: Table | None, site_ids: tuple[str, ...], problems: ProblemCollector
) -> tuple[dict, dict]:
    """(per country, per site) -> (price, grid) with NaN where not given."""
    countries: dict[str, tuple[float, float]] = {}
    sites: dict[str, tuple[float, float]] = {}
    if table is None or not check_columns(table, ENERGY_REQUIRED, ENERGY_OPTIONAL, problems):
        return countries, sites
    price = numbers(table, "price_kwh", problems, default=np.nan, check=NON_NEGATIVE)
    grid = numbers(table, "grid_gco2_kwh", problems, default=np.nan, check=NON_NEGATIVE)
    known = set(site_ids)
    for i, (country, site) in enumerate(
        zip(texts(table, "country"), texts(table, "site"), strict=True)
    ):
        key, into, column = (
            (site, sites, "site") if site else (country.upper(), countries, "country")
        )
        if not key:
            problems.add(table.file, table.where(i, "country"), "is empty, a country is required")
        elif site and site not in known:
            problems.add(table.file, table.where(i, "site"), f"unknown site '{site}'")
        elif key in into:
            problems.add(table.file, table.where(i, column), f"'{key}' has a row already")
        else:
            into[key] = (float(price[i]), float(grid[i]))
    return countries, sites


def read_energy(
    table: Table | None, site_ids: tuple[str, ...], problems: ProblemCollector
) -> tuple[dict, dict]:
    """``energy.csv`` checked: (per country, per site) -> (price, grid), NaN where not given."""
    return _energy_rows(table, site_ids, problems)


def read_money(
    settings: dict[str, Any],
    energy: tuple[dict, dict],
    site_ids: tuple[str, ...],
    site_country: tuple[str, ...],
    n_items: int,
    file: str,
    problems: ProblemCollector,
) -> tuple[Money, list[str]]:
    """The bill's settings per site (items all ``DEMAND``: contracts join later), and warnings."""
    values = {**DEFAULTS, **settings}
    countries, own = energy
    price = np.full(len(site_ids), np.nan)
    grid = np.full(len(site_ids), np.nan)
    for s, (sid, country) in enumerate(zip(site_ids, site_country, strict=True)):
        for given in (own.get(sid), countries.get(country.upper())):
            if given is not None:
                price[s] = given[0] if np.isnan(price[s]) else price[s]
                grid[s] = given[1] if np.isnan(grid[s]) else grid[s]
        if np.isnan(price[s]) and "price_kwh" in values:
            price[s] = float(values["price_kwh"])
        if np.isnan(grid[s]):
            grid[s] = GRID_GCO2_PER_KWH.get(country.upper(), values.get("grid_gco2_kwh", np.nan))
    warnings = []
    no_price = [sid for sid, p in zip(site_ids, price, strict=True) if np.isnan(p)]
    if no_price:
        warnings.append(
            f"{file}: no energy price for {len(no_price)} site(s) ({', '.join(no_price[:5])}): "
            "energy is billed at 0 there; give [money] price_kwh or rows in [money] energy"
        )
    no_grid = [sid for sid, g in zip(site_ids, grid, strict=True) if np.isnan(g)]
    if no_grid and values.get("carbon_cap_t") is not None:
        problems.add(
            file,
            "money.carbon_cap_t",
            f"needs the grid intensity of every site; none for {', '.join(no_grid[:5])} "
            "(give [money] grid_gco2_kwh or rows in [money] energy)",
        )
    elif no_grid:
        warnings.append(
            f"{file}: no grid carbon intensity for {len(no_grid)} site(s) "
            f"({', '.join(no_grid[:5])}): counted as 0 gCO2e/kWh"
        )
    money = Money(
        lifetime_years=float(values["lifetime_years"]),
        discount_rate=float(values["discount_rate"]),
        hours_per_year=float(values["hours_per_year"]),
        idle_power_fraction=float(values["idle_power_fraction"]),
        carbon_cap_t=values.get("carbon_cap_t"),
        site_price_kwh=np.nan_to_num(price),
        site_grid_gco2_kwh=np.nan_to_num(grid),
        item_kind=np.zeros(n_items, dtype=np.int64),
        item_contract=np.full(n_items, -1, dtype=np.int64),
        item_price_per_mtok=np.zeros(n_items),
    )
    return money, warnings
