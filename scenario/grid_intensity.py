"""Carbon intensity of each country's electricity grid, the default of ``[money]`` (gCO2e/kWh).

Annual life-cycle carbon intensity of electricity generation, rounded to the
nearest 10 gCO2e/kWh, in line with Ember's *Yearly Electricity Data* (2023
edition, CC BY 4.0, https://ember-energy.org/data/yearly-electricity-data/).
They are planning defaults, not an emissions inventory: a scenario gives
measured or contracted values per country or per site in ``[money] energy``
(SCENARIO.md, "Money"), and those take precedence.
"""

from __future__ import annotations

__all__ = ["GRID_GCO2_PER_KWH", "SOURCE"]

SOURCE = "Ember, Yearly Electricity Data (2023), rounded to 10 gCO2e/kWh"

# ISO 3166-1 alpha-2 -> gCO2e per kWh
GRID_GCO2_PER_KWH: dict[str, float] = {
    "AU": 550.0,
    "NZ": 110.0,
    "JP": 490.0,
    "KR": 430.0,
    "TW": 560.0,
    "HK": 700.0,
    "CN": 580.0,
    "SG": 470.0,
    "MY": 600.0,
    "ID": 680.0,
    "TH": 500.0,
    "PH": 610.0,
    "VN": 470.0,
    "IN": 710.0,
    "US": 370.0,
    "CA": 170.0,
    "BR": 100.0,
    "GB": 240.0,
    "IE": 280.0,
    "FR": 60.0,
    "DE": 380.0,
    "NL": 270.0,
    "BE": 140.0,
    "ES": 170.0,
    "IT": 290.0,
    "PL": 660.0,
    "SE": 40.0,
    "NO": 30.0,
    "FI": 80.0,
    "DK": 150.0,
    "CH": 40.0,
    "AT": 110.0,
    "ZA": 710.0,
    "AE": 440.0,
    "SA": 560.0,
    "IL": 540.0,
    "TR": 440.0,
    "MX": 420.0,
    "CL": 290.0,
}
