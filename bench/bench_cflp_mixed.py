"""Capacitated facility location with a different capacity at every site: tree against MIP.

The OR-Library ``capa``/``capb``/``capc`` files give every facility the same
capacity. Real sites differ, so each instance here takes one capacity variant
and scales every facility's capacity by its own factor drawn uniformly from
``[1 − spread, 1 + spread]`` (seeded). Each is solved to a 0.1 % gap within
60 s twice by :func:`solvers.fast.cflp.solve`: with the Lagrangian
branch-and-bound after the Lagrangian phase (``tree=True``, the default) and
with HiGHS on the reduced strong model instead (``tree=False``). Both runs get
the same Lagrangian phase, so the table compares what comes after it.

    python bench/bench_cflp_mixed.py [--limit 60] [--threads 2]

prints a markdown table (times are wall seconds of ``cflp.solve``, loading excluded).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpuplace.datasets.orlib import benchmark_file  # noqa: E402
from gpuplace.datasets.orlib_read import read_cflp  # noqa: E402
from gpuplace.solvers.fast import cflp  # noqa: E402
from gpuplace.solvers.fast.flp import from_dense  # noqa: E402

CASES = [
    (family, capacity, seed, spread)
    for family, capacity in (("capa", 10000), ("capb", 6000), ("capc", 5750))
    for seed, spread in ((2, 0.3), (3, 0.5))
]
GAP = 1e-3


def instance(family: str, capacity: float, seed: int, spread: float):
    inst = read_cflp(benchmark_file("cflp", family), capacity=capacity)
    rng = np.random.default_rng(seed)
    scaled = np.round(capacity * rng.uniform(1 - spread, 1 + spread, inst.n_facilities))
    return from_dense(inst.cost, inst.fixed_cost, inst.demand, scaled)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    print(
        "| instance | spread | seed | tree: time (s) | gap | MIP: time (s) | gap | best objective |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for family, capacity, seed, spread in CASES:
        problem = instance(family, capacity, seed, spread)
        cells, objectives = [], []
        for use_tree in (True, False):
            started = time.perf_counter()
            result = cflp.solve(
                problem, time_limit_s=args.limit, gap=GAP, threads=args.threads, tree=use_tree
            )
            wall = time.perf_counter() - started
            if result.objective is None:
                cells += [f"no plan ({wall:.1f})", "–"]
                continue
            objectives.append(result.objective)
            gap = (result.objective - result.bound) / result.objective
            proven = result.status == "optimal"
            cells += [f"{wall:.1f}" if proven else f"> {args.limit:g}", f"{100 * gap:.2f} %"]
        best = f"{min(objectives):,.0f}" if objectives else "–"
        print(
            f"| {family}-{capacity} | ±{spread:.0%} | {seed} | "
            + " | ".join(cells)
            + f" | {best} |"
        )


if __name__ == "__main__":
    main()
