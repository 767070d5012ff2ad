"""Generate the APAC serving scenario (``datasets/apac/serving.toml`` and its tables).

The same network and sites as the demo scenario (``topology.json``,
``sites.csv``); the largest user regions of ``regions.csv`` demand three
models in two SLO tiers, served by nine deployments on the three GPU types
(:mod:`gpuplace.datasets.serving_catalog`). Deterministic: it reads only the
committed ``regions.csv``. Run ``python -m gpuplace.datasets.apac.serving``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from gpuplace.datasets._text import csv_text, fmt, toml_text
from gpuplace.datasets.catalog import GPU_CATALOGUE
from gpuplace.datasets.serving_catalog import (
    DEPLOYMENTS,
    GPU_MEMORY_GB,
    INPUT_TOKENS,
    MODELS,
    OUTPUT_TOKENS,
    TIERS,
    profile,
)
from gpuplace.files import refuse_existing, write_files

__all__ = ["OUTPUT_FILES", "build_serving", "deployment_name", "serving_tables"]

HERE = Path(__file__).resolve().parent
OUTPUT_FILES = (
    "serving.toml",
    "serving_regions.csv",
    "serving_gpus.csv",
    "models.csv",
    "deployments.csv",
    "profiles.csv",
    "slo.csv",
    "demand.csv",
)
REGIONS = 18  # the largest region of each country (18 countries)
TOKENS_PER_UNIT = 10000.0  # output tokens/s per demand unit of regions.csv
MODEL_MIX = {"llama-3.1-8b": 0.5, "llama-3.3-70b": 0.2, "mixtral-8x7b": 0.3}
TIER_MIX = {"interactive": 0.6, "batch": 0.4}
RTT_CAP_MS = 250.0  # no region is served over more network RTT than this
GBPS_PER_TOKEN_S = 2e-6  # 2 kbit/s of user traffic per output token/s (prompt and stream)


def deployment_name(model: str, gpu: str, gpus: int) -> str:
    """``llama-3.3-70b-h100x2`` style names."""
    return f"{model}-{gpu.lower()}x{gpus}"


def _regions(source: Path) -> list[dict[str, str]]:
    """The region with the most demand in each country."""
    with open(source, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    best: dict[str, dict[str, str]] = {}
    for row in sorted(rows, key=lambda r: (-float(r["demand"]), r["id"])):
        best.setdefault(row["country"], row)
    return sorted(best.values(), key=lambda r: r["id"])


def serving_tables(
    regions: list[dict[str, str]], tokens_per_unit: float = TOKENS_PER_UNIT
) -> dict[str, str]:
    """Every table of the serving scenario, by file name (``serving.toml`` excluded).

    ``regions`` are rows of a ``regions.csv`` (id, lat, lon, country,
    allowed_countries, demand); each region's demand x ``tokens_per_unit`` output
    tokens/s is split over the models and tiers by :data:`MODEL_MIX` and :data:`TIER_MIX`.
    """
    memory = {t: GPU_MEMORY_GB[t] for t, *_ in GPU_CATALOGUE}
    tables = {
        "serving_regions.csv": csv_text(
            ("id", "lat", "lon", "country", "allowed_countries", "sla_rtt_ms"),
            [
                (r["id"], r["lat"], r["lon"], r["country"], r["allowed_countries"], fmt(RTT_CAP_MS))
                for r in regions
            ],
        ),
        "serving_gpus.csv": csv_text(
            ("type", "capex", "power_kw", "memory_gb"),
            [(t, fmt(capex), fmt(kw), fmt(memory[t])) for t, capex, kw, _ in GPU_CATALOGUE],
        ),
        "models.csv": csv_text(
            ("model", "params_b", "kv_mb_per_token"),
            [(m.name, fmt(m.params_b), fmt(m.kv_mb_per_token)) for m in MODELS],
        ),
        "deployments.csv": csv_text(
            ("deployment", "model", "gpu", "gpus_per_replica", "precision"),
            [(deployment_name(m, g, n), m, g, n, "fp8") for m, g, n in DEPLOYMENTS],
        ),
        "slo.csv": csv_text(
            ("tier", "ttft_ms", "ttft_percentile", "tpot_ms"),
            [(t, fmt(ttft), q, fmt(tpot)) for t, ttft, q, tpot in TIERS],
        ),
    }
    by_name = {m.name: m for m in MODELS}
    points = []
    for model, gpu, gpus in DEPLOYMENTS:
        for c, p50, p95, tpot, thr in profile(by_name[model], gpu, gpus):
            row = (INPUT_TOKENS, OUTPUT_TOKENS, fmt(c), fmt(p50), fmt(p95), fmt(tpot), fmt(thr))
            points.append((deployment_name(model, gpu, gpus), *row))
    tables["profiles.csv"] = csv_text(
        (
            "deployment",
            "input_tokens",
            "output_tokens",
            "concurrency",
            "ttft_p50_ms",
            "ttft_p95_ms",
            "tpot_ms",
            "output_tokens_per_s",
        ),
        points,
    )
    demand = [
        (r["id"], model, tier, fmt(round(float(r["demand"]) * tokens_per_unit * share * split, 1)))
        for r in regions
        for model, share in MODEL_MIX.items()
        for tier, split in TIER_MIX.items()
    ]
    tables["demand.csv"] = csv_text(("region", "model", "tier", "output_tokens_per_s"), demand)
    return tables


def scenario_toml() -> str:
    data = {
        "name": "apac-serving",
        "description": (
            f"The APAC network and sites serving three models in two SLO tiers to its {REGIONS} "
            "largest regions: deployments, load profiles, TTFT targets that include the network"
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
        "constraints": {
            "min_gpus_per_site": 8,
            "max_utilisation": 0.85,
            "link_capacity": True,
            "sovereignty": True,
        },
        "objective": {"kind": "cost"},
        "solver": {"name": "auto", "time_limit_s": 60, "gap": 0.01},
    }
    header = (
        "APAC serving scenario, generated by datasets/apac/serving.py: edit the script, not "
        "this file.\nSources and assumptions: README.md (Serving models)."
    )
    return toml_text(data, header)


def build_serving(out_dir: str | Path = HERE, *, force: bool = False) -> Path:
    """Write the serving scenario's files into ``out_dir`` (beside the APAC demo's); its TOML path."""
    out_dir = Path(out_dir)
    refuse_existing([out_dir / name for name in OUTPUT_FILES], force=force)
    tables = serving_tables(_regions(HERE / "regions.csv"))
    files = {out_dir / name: text for name, text in tables.items()}
    files[out_dir / "serving.toml"] = scenario_toml()
    write_files(files)
    return out_dir / "serving.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--out", default=str(HERE), help="output folder")
    parser.add_argument("--force", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    print(build_serving(args.out, force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
