"""Latency calibration against a measured table: error before, after and on held-out pairs.

Fits the latency model of ``topohub:backbone/world`` to a measured-RTT table
(default: the bundled Azure P50 table, ``datasets/measured/azure.csv``, pairs of
at least 20 ms) with :func:`topo.calibrate.calibrate` and k-fold cross-validation.

    python bench/bench_calibration.py [--measured FILE] [--min-rtt-ms 20] [--folds 5]

prints the result as JSON. Target: held-out median predicted/measured within
0.9-1.1 and held-out median absolute error at most half the uncalibrated model's.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from gpuplace.scenario.measured import read_measured
from gpuplace.topo import read_topology
from gpuplace.topo.calibrate import calibrate

REPO = Path(__file__).resolve().parents[1]
TOPOLOGY = "topohub:backbone/world"
MEASURED = REPO / "datasets" / "measured" / "azure.csv"


def run(
    measured: Path = MEASURED, *, min_rtt_ms: float = 20.0, folds: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Calibrate once; the figures, the fitted parameters and whether the target is met."""
    start = time.perf_counter()
    topology = read_topology(TOPOLOGY)
    table = read_measured(measured, topology)
    table = table.take(table.rtt_ms >= min_rtt_ms)
    result = calibrate(topology, table, folds=folds, seed=seed)
    cv, before = result.cross_validated, result.before
    met = 0.9 <= cv.median_ratio <= 1.1 and cv.median_abs_ms <= before.median_abs_ms / 2
    kinds = [f.kind for f in result.flagged]
    return {
        "topology": TOPOLOGY,
        "measured": str(measured.relative_to(REPO) if measured.is_relative_to(REPO) else measured),
        "min_rtt_ms": min_rtt_ms,
        "folds": folds,
        "rows": result.rows,
        "unreachable": result.unreachable,
        "fitted": dataclasses.asdict(result.fitted),
        "path_inflation": result.path_inflation,
        "before": dataclasses.asdict(before),
        "after": dataclasses.asdict(result.after),
        "cross_validated": dataclasses.asdict(cv),
        "flagged_missing_link": kinds.count("missing link"),
        "flagged_unused_link": kinds.count("unused link"),
        "worst_flagged": [dataclasses.asdict(f) for f in result.flagged[:4]],
        "seconds": round(time.perf_counter() - start, 1),
        "met": met,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measured", type=Path, default=MEASURED)
    parser.add_argument("--min-rtt-ms", type=float, default=20.0)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    print(
        json.dumps(
            run(args.measured, min_rtt_ms=args.min_rtt_ms, folds=args.folds), indent=2, default=str
        )
    )


if __name__ == "__main__":
    main()
