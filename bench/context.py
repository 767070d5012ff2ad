"""What every benchmark target shares: the run's :class:`Context` and the comparison helpers."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import highs_log
from bench.jobs import run_job

FAST = "fast"


@dataclass
class Context:
    """Settings and shared state of one benchmark run."""

    cache: Path
    quick: bool = False
    threads: int = 2
    seed: int = 0
    log: Callable[[str], None] = print
    memo: dict = field(default_factory=dict)
    sizes: tuple[int, ...] | None = None  # growth: region counts to run (default GROWTH_SIZES)
    instances: frozenset[str] | None = None  # OR-Library: names to run (default all)
    rows: tuple[str, ...] | None = None  # feature matrix: rows to run (default all)

    def pick(self, names):
        """The OR-Library instances selected by ``--instances`` (all by default)."""
        return [n for n in names if self.instances is None or n in self.instances]

    def run(self, job: dict, timeout_s: float) -> dict:
        """Run a job once per benchmark run (identical jobs share the result)."""
        key = json.dumps(job, sort_keys=True)
        if key not in self.memo:
            self.log(f"  job {job.get('label', job['kind'])} ({job.get('method', '')})")
            self.memo[key] = run_job(job, timeout_s)
            result = self.memo[key]
            if not result.get("ok"):
                self.log(f"    failed: {result.get('error')}")
        return self.memo[key]


def world_scenario(ctx: Context, regions: int) -> Path:
    """The cached ``gpuplace datasets build world --regions N --seed S`` output (built once)."""
    folder = ctx.cache / f"world-{regions}-seed{ctx.seed}"
    toml = folder / "scenario.toml"
    if not toml.exists():
        from gpuplace.datasets.world import build_world

        ctx.log(f"  building world scenario with {regions} regions")
        build_world(regions, ctx.seed, folder, force=True)
    return toml


def _num(value) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def ours_time(result: dict) -> float | None:
    """Load + solve + plan time of a gpuplace run (verification excluded)."""
    if not result.get("ok"):
        return None
    return float(result.get("load_s", 0.0)) + float(result.get("solve_s", 0.0))


def proven(result: dict, gap: float) -> bool:
    g = _num(result.get("gap"))
    return bool(result.get("ok")) and g is not None and g <= gap + 1e-9


def baseline_time_to(result: dict, gap: float) -> float | None:
    """Time at which the baseline's log first shows ``gap`` (load time included)."""
    if not result.get("ok"):
        return None
    points = [highs_log.Point(*p) for p in result.get("trajectory", [])]
    t = highs_log.time_to_gap(points, gap, offset_s=float(result.get("load_s", 0.0)))
    if t is None and proven(result, gap):
        t = float(result.get("load_s", 0.0)) + float(result.get("wall_s", 0.0))
    return t


def baseline_gap_at(result: dict, time_s: float | None) -> float | None:
    if not result.get("ok") or time_s is None:
        return None
    points = [highs_log.Point(*p) for p in result.get("trajectory", [])]
    return highs_log.gap_at(points, time_s, offset_s=float(result.get("load_s", 0.0)))


def compare(ours: dict, base: dict, gap: float, limit_s: float) -> dict:
    """Side-by-side figures: time to ``gap`` for both, ratios, baseline gap at our time."""
    t_ours = ours_time(ours) if proven(ours, gap) else None
    t_base = baseline_time_to(base, gap)
    if t_ours and t_base:
        ratio, at_least = t_base / t_ours, False
    elif t_ours:
        ratio, at_least = limit_s / t_ours, True
    else:
        ratio, at_least = None, False
    return {
        "ours_time_s": t_ours,
        "ours_gap": _num(ours.get("gap")),
        "ours_status": ours.get("status") if ours.get("ok") else f"error: {ours.get('error')}",
        "ours_violations": ours.get("violations"),
        "ours_peak_mib": ours.get("peak_rss_mib"),
        "base_time_s": t_base,
        "base_gap_final": _num(base.get("gap")),
        "base_gap_at_our_time": baseline_gap_at(base, t_ours),
        "base_status": base.get("status") if base.get("ok") else f"error: {base.get('error')}",
        "base_peak_mib": base.get("peak_rss_mib"),
        "time_ratio": ratio,
        "time_ratio_is_lower_bound": at_least,
    }


def _money(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _verdict(violations) -> str:
    if violations is None:
        return "–"
    return "passed" if violations == 0 else f"{violations} violation(s)"
