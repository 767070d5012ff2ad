"""The ``feature_matrix`` target: the default solver on one world instance per feature.

Each row switches features on beside the base (``gpuplace datasets build world
--regions N --seed S``; rows and their parameters in :mod:`bench.variants`) and
runs, as a user would, ``gpuplace solve ROW/scenario.toml --time-limit L --gap G``
(no ``--solver``: the scenario's ``auto``) and then ``gpuplace verify``; the
baseline is the same command with ``--solver highs``. ``L`` is the wall limit
minus the time a fresh process needs to load the scenario (measured just before)
and a reserve for building, checking and writing the plan, so the whole command
fits in the wall limit. The base plan is made first (the ``custom`` rows read
it). Whether a feature binds is checked with it: ``gpuplace verify ROW
base-plan.json`` lists the rules it breaks, and the row's proven interval
[bound, objective] is compared with the base plan's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from bench.cli_run import gpuplace, load_seconds, run_measured
from bench.context import Context, world_scenario
from bench.feature_report import bind_evidence, section
from bench.variant_data import BaseFolder
from bench.variants import ROWS, Facts, VariantError, build_variant

__all__ = ["Settings", "run_matrix", "settings_for", "target_feature_matrix"]

SMALL_ROWS = frozenset({"survivable"})  # rows on the smaller world (survivability)


@dataclass(frozen=True)
class Settings:
    """Sizes, limits and targets of one feature-matrix run."""

    regions: int = 5000
    small_regions: int = 2000
    limit_s: float = 60.0
    reserve_s: float = 5.0
    memory_mib: float = 4096.0
    rows: tuple[str, ...] = tuple(ROWS)
    threads: int = 2

    def regions_of(self, row: str) -> int:
        return self.small_regions if row in SMALL_ROWS else self.regions

    @staticmethod
    def gap_target(row: str) -> float:
        """1 %; 2 % for survivability and the rows of three features."""
        return 0.02 if row in SMALL_ROWS or len(ROWS[row]) >= 3 else 0.01


def settings_for(ctx: Context) -> Settings:
    """Full run: 5,000 regions (survivability 2,000), 60 s; ``--quick``: 500 (200), 10 s.
    ``--sizes N[,M]`` replaces the region counts (main, survivability)."""
    rows = ctx.rows or tuple(ROWS)
    if ctx.quick:
        settings = Settings(500, 200, 10.0, 2.0, threads=ctx.threads, rows=rows)
    else:
        settings = Settings(threads=ctx.threads, rows=rows)
    if ctx.sizes:
        small = ctx.sizes[1] if len(ctx.sizes) > 1 else ctx.sizes[0]
        settings = replace(settings, regions=ctx.sizes[0], small_regions=small)
    return settings


def solve_row(
    scenario: Path, solver: str | None, settings: Settings, gap: float, load_s: float
) -> dict:
    """``gpuplace solve`` (+ ``gpuplace verify`` of the written plan), measured; the plan is
    ``plan-<solver>.json`` beside the scenario. ``load_s``: see :func:`load_seconds`."""
    plan = scenario.parent / f"plan-{solver or 'auto'}.json"
    limit = max(settings.limit_s - load_s - settings.reserve_s, 1.0)
    plan.unlink(missing_ok=True)
    args = [str(scenario), "-o", str(plan), "--force", "--format", "json", "--quiet"]
    args += ["--time-limit", f"{limit:.2f}", "--gap", f"{gap:g}"]
    args += ["--threads", str(settings.threads)]
    args += ["--solver", solver] if solver else []
    run = run_measured(gpuplace("solve", *args), timeout_s=settings.limit_s + 120.0)
    out = {"plan": plan, "load_s": load_s, "time_limit_s": limit, "wall_s": run.wall_s}
    out["peak_mib"] = run.peak_mib
    data = run.json()
    if run.returncode is None:
        out["status"] = f"killed after {run.wall_s:.0f} s"
    elif data is None:
        last = (run.stderr.strip().splitlines() or [""])[-1]
        out["status"] = f"error (exit {run.returncode}): {last[-200:]}"
    else:
        kpis = data.get("kpis") or {}
        out.update(
            status=data["status"],
            objective_kind=data.get("objective_kind"),
            objective=data.get("objective"),
            bound=data.get("bound"),
            gap=data.get("gap"),
            solve_s=data.get("wall_s"),
            total_cost=kpis.get("total_cost"),
            sites_open=kpis.get("sites_open"),
            mean_rtt_ms=kpis.get("mean_rtt_ms"),
            served_fraction=kpis.get("served_fraction"),
        )
    out["verified"], violations = verify(scenario, plan)
    out["violations"] = len(violations)
    out["first_violation"] = violations[0].get("message", "") if violations else ""
    return out


def verify(scenario: Path, plan: Path) -> tuple[bool | None, list[dict]]:
    """``gpuplace verify SCENARIO PLAN``: (valid, violations); (None, []) without a plan."""
    if not plan.exists():
        return None, []
    run = run_measured(gpuplace("verify", str(scenario), str(plan), "--format", "json"), 600.0)
    report = run.json()
    if report is None:
        return False, [{"constraint": "verify", "message": run.stderr.strip()[-200:]}]
    return bool(report["valid"]), list(report["violations"])


def _scale(regions: int, settings: Settings, ctx: Context) -> tuple[dict, dict]:
    """The base plan at ``regions`` and the variants of the rows on that world (built in
    the cache after the base plan, which ``custom`` reads; a row that cannot be built
    says why)."""
    facts = Facts(BaseFolder.read(world_scenario(ctx, regions).parent))
    folder = ctx.cache / f"features-{regions}-seed{ctx.seed}"
    scenario = build_variant(facts, "base", folder / "base", ctx.seed).scenario
    ctx.log(f"  base plan at {regions} regions")
    base = solve_row(scenario, None, settings, 0.01, load_seconds(scenario))
    if base["plan"].exists():
        facts.base_plan = json.loads(base["plan"].read_text(encoding="utf-8"))
    variants: dict[str, tuple[Path, dict[str, str]]] = {"base": (scenario, {})}
    for row in settings.rows:
        if settings.regions_of(row) != regions or row == "base":
            continue
        try:
            variant = build_variant(facts, row, folder / row, ctx.seed)
        except VariantError as error:
            variants[row] = (Path(), {"cannot be built": str(error)})
            continue
        variants[row] = (variant.scenario, variant.parameters)
    return base, variants


def _measure(row: str, scenario: Path, settings: Settings, base: dict) -> dict:
    """One row: the default solver (the base row: the base plan already made), the highs
    baseline, and whether the row's feature binds (:func:`bench.feature_report.bind_evidence`)."""
    gap = settings.gap_target(row)
    if row == "base":
        ours, load_s = base, base["load_s"]
    else:
        load_s = load_seconds(scenario)
        ours = solve_row(scenario, None, settings, gap, load_s)
    record = {f"ours_{k}": v for k, v in ours.items() if k != "plan"}
    highs = solve_row(scenario, "highs", settings, gap, load_s)
    record.update({f"highs_{k}": v for k, v in highs.items() if k != "plan"})
    if row != "base":
        broken = verify(scenario, base["plan"])[1] if base["plan"].exists() else None
        record.update(bind_evidence([ours, highs], base, broken))
    return record


def run_matrix(settings: Settings, ctx: Context) -> list[dict]:
    """Every row: the default solver and the highs baseline, verification and binding."""
    bases: dict[int, dict] = {}
    variants: dict[str, tuple[Path, dict[str, str]]] = {}
    for regions in sorted({settings.regions_of(r) for r in settings.rows}, reverse=True):
        bases[regions], built = _scale(regions, settings, ctx)
        variants.update((row, v) for row, v in built.items() if row in settings.rows)
    rows = []
    for row in settings.rows:
        regions = settings.regions_of(row)
        scenario, parameters = variants[row]
        record: dict = {"row": row, "features": "+".join(ROWS[row]) or "none"}
        record.update(regions=regions, gap_target=settings.gap_target(row))
        record["parameters"] = "; ".join(f"{k} = {v}" for k, v in parameters.items())
        if "cannot be built" not in parameters:
            ctx.log(f"  {row} ({regions} regions)")
            record.update(_measure(row, scenario, settings, bases[regions]))
        rows.append(record)
    return rows


def target_feature_matrix(ctx: Context):
    """Rows, markdown section and verdict of the ``feature_matrix`` target."""
    settings = settings_for(ctx)
    rows = run_matrix(settings, ctx)
    text, met = section(rows, settings)
    return rows, text, met
