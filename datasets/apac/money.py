"""Generate the APAC money scenario (``datasets/apac/money.toml`` and its tables).

The APAC serving scenario (``serving.toml``: its network, sites, regions,
models and demand) sold two ways and billed by the year: two anchor contracts
(``contracts.csv``), an on-demand pool priced per million output tokens
(``ondemand.csv``), energy prices and grid carbon intensity per country
(``energy.csv``), capex annualised over five years at 8 %. The objective is
``profit``. Deterministic: it reads only the committed ``demand.csv``. Run
``python -m gpuplace.datasets.apac.money``; sources and assumptions are in
README.md (Money).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from gpuplace.datasets._text import csv_text, fmt, toml_text
from gpuplace.datasets.apac.serving import GBPS_PER_TOKEN_S
from gpuplace.files import refuse_existing, write_files
from gpuplace.scenario.grid_intensity import GRID_GCO2_PER_KWH

__all__ = ["CONTRACTS", "OUTPUT_FILES", "PRICE_KWH", "build_money", "money_tables"]

HERE = Path(__file__).resolve().parent
OUTPUT_FILES = ("money.toml", "energy.csv", "contracts.csv", "ondemand.csv")
HOURS_PER_YEAR = 8760.0

# Indicative industrial electricity prices, USD per kWh, rounded (planning values, not quotes).
PRICE_KWH = {
    "AU": 0.15,
    "NZ": 0.12,
    "SG": 0.22,
    "HK": 0.16,
    "JP": 0.17,
    "KR": 0.11,
    "TW": 0.10,
    "IN": 0.09,
    "ID": 0.07,
    "MY": 0.10,
    "TH": 0.11,
    "PH": 0.15,
    "VN": 0.08,
    "US": 0.08,
    "GB": 0.28,
    "FR": 0.15,
    "DE": 0.20,
    "NL": 0.18,
}
# (contract, customer, model, regions, committed tokens/s per region, tier, start phase,
#  dedicated, price per million output tokens)
CONTRACTS = (
    (
        "southern-cross-assist",
        "Southern Cross Bank",
        "llama-3.3-70b",
        ("sydney-au", "auckland-nz"),
        20000.0,
        "interactive",
        1,
        True,
        0.90,
    ),
    (
        "nihon-retail-search",
        "Nihon Retail",
        "llama-3.1-8b",
        ("tokyo-jp", "seoul-kr", "taipei-tw"),
        60000.0,
        "batch",
        2,
        False,
        0.12,
    ),
)
# On-demand pool: this share of each region's interactive demand again, at these prices.
ONDEMAND_SHARE = 0.25
ONDEMAND_PRICE = {"llama-3.1-8b": 0.10, "llama-3.3-70b": 0.60, "mixtral-8x7b": 0.30}


def money_tables(demand_rows: list[dict[str, str]]) -> dict[str, str]:
    """``energy.csv``, ``contracts.csv`` and ``ondemand.csv`` by file name."""
    tokens_per_year_m = 3600.0 * HOURS_PER_YEAR / 1e6
    contracts = [
        (
            cid,
            customer,
            model,
            ";".join(regions),
            fmt(committed),
            tier,
            phase,
            "true" if dedicated else "false",
            fmt(round(price * committed * len(regions) * tokens_per_year_m)),
        )
        for cid, customer, model, regions, committed, tier, phase, dedicated, price in CONTRACTS
    ]
    ondemand = [
        (
            row["region"],
            row["model"],
            row["tier"],
            fmt(round(float(row["output_tokens_per_s"]) * ONDEMAND_SHARE, 1)),
            fmt(ONDEMAND_PRICE[row["model"]]),
        )
        for row in demand_rows
        if row["tier"] == "interactive"
    ]
    return {
        "energy.csv": csv_text(
            ("country", "price_kwh", "grid_gco2_kwh"),
            [(c, fmt(p), fmt(GRID_GCO2_PER_KWH[c])) for c, p in PRICE_KWH.items()],
        ),
        "contracts.csv": csv_text(
            (
                "contract",
                "customer",
                "model",
                "regions",
                "output_tokens_per_s",
                "tier",
                "start_phase",
                "dedicated",
                "revenue_per_year",
            ),
            contracts,
        ),
        "ondemand.csv": csv_text(
            ("region", "model", "tier", "output_tokens_per_s", "price_per_mtok"), ondemand
        ),
    }


def scenario_toml() -> str:
    data = {
        "name": "apac-money",
        "description": (
            "The APAC serving scenario sold two ways and billed by the year: two anchor "
            "contracts, an on-demand pool, energy prices and grid carbon intensity per country"
        ),
        "topology": {"file": "topology.json", "fibre_km_per_ms": 200.0},
        "sites": {"file": "sites.csv"},
        "regions": {
            "file": "serving_regions.csv",
            "access_route_factor": 1.5,
            "gbps_per_unit": GBPS_PER_TOKEN_S,
        },
        "gpus": {"file": "serving_gpus.csv"},
        **{name: {"file": f"{name}.csv"} for name in ("models", "deployments", "profiles")},
        "slo": {"file": "slo.csv"},
        "demand": {"file": "demand.csv"},
        "money": {
            "lifetime_years": 5.0,
            "discount_rate": 0.08,
            "hours_per_year": HOURS_PER_YEAR,
            "idle_power_fraction": 0.3,
            "energy": "energy.csv",
        },
        "contracts": {"file": "contracts.csv"},
        "ondemand": {"file": "ondemand.csv"},
        "constraints": {
            "min_gpus_per_site": 8,
            "max_utilisation": 0.85,
            "link_capacity": True,
            "sovereignty": True,
        },
        "objective": {"kind": "profit"},
        "solver": {"name": "auto", "time_limit_s": 60, "gap": 0.01},
    }
    header = (
        "APAC money scenario, generated by datasets/apac/money.py: edit the script, not "
        "this file.\nSources and assumptions: README.md (Money)."
    )
    return toml_text(data, header)


def build_money(out_dir: str | Path = HERE, *, force: bool = False) -> Path:
    """Write the money scenario's files into ``out_dir`` (beside the serving scenario's)."""
    out_dir = Path(out_dir)
    refuse_existing([out_dir / name for name in OUTPUT_FILES], force=force)
    with open(HERE / "demand.csv", newline="", encoding="utf-8") as handle:
        demand_rows = list(csv.DictReader(handle))
    files = {out_dir / name: text for name, text in money_tables(demand_rows).items()}
    files[out_dir / "money.toml"] = scenario_toml()
    write_files(files)
    return out_dir / "money.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--out", default=str(HERE), help="output folder")
    parser.add_argument("--force", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    print(build_money(args.out, force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
