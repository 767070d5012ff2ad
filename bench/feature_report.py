"""Tabulating the feature matrix: whether each row met its target, whether its feature binds."""

from __future__ import annotations

from collections import Counter

from bench.report import fmt_gap, fmt_ratio, fmt_s, markdown_table

__all__ = ["bind_evidence", "reached", "section", "shortfall"]

# Checks of the figures a plan reports about itself, not rules of the scenario: a plan
# made for another objective or other costs fails them whether or not a feature binds.
BOOKKEEPING = frozenset({"objective", "kpi"})
MINIMISED = frozenset({"cost", "latency"})
TOL = 1e-6


def _interval(result: dict) -> tuple[float, float] | None:
    """[lower, upper] around the optimum: [bound, objective] when minimising."""
    obj, bound = result.get("objective"), result.get("bound")
    if obj is None or bound is None:
        return None
    return (bound, obj) if result.get("objective_kind") in MINIMISED else (obj, bound)


def _moved(row: dict, base: dict) -> str:
    """How the row's optimum is shown to differ from the base plan's, or ''."""
    kind, base_kind = row.get("objective_kind"), base.get("objective_kind")
    if kind == base_kind:
        a, b = _interval(row), _interval(base)
        if a and b and (a[1] < b[0] * (1 - TOL) or a[0] > b[1] * (1 + TOL)):
            return (
                f"optimum moved: [{_obj(a[0])}, {_obj(a[1])}] against the base's "
                f"[{_obj(b[0])}, {_obj(b[1])}]"
            )
        return ""
    value, base_rtt = row.get("objective"), base.get("mean_rtt_ms")
    if kind == "latency" and value is not None and base_rtt and value < base_rtt * (1 - TOL):
        return f"mean RTT {value:.2f} ms against the base plan's {base_rtt:.2f} ms"
    return ""


def bind_evidence(plans: list[dict], base: dict, broken: list[dict] | None) -> dict:
    """Does the row's feature bind? ``plans``: the row's results (gpuplace, the baseline);
    ``broken``: the base plan's violations of the row's scenario (None without a base plan).
    Binds when the base plan breaks a rule of the row, or a plan of the row proves the
    row's optimum apart from the base plan's (:func:`_moved`)."""
    parts = []
    rules = Counter(v["constraint"] for v in broken or () if v["constraint"] not in BOOKKEEPING)
    if rules:
        parts.append("base plan breaks " + ", ".join(f"{k} ×{n}" for k, n in rules.items()))
    moved = next((m for m in (_moved(p, base) for p in plans) if m), "")
    if moved:
        parts.append(moved)
    if parts:
        return {"binds": True, "bind_evidence": "; ".join(parts)}
    if broken is None:
        return {"binds": None, "bind_evidence": "no base plan"}
    if all(p.get("objective") is None for p in plans):
        return {"binds": None, "bind_evidence": "base plan breaks no rule; no plan to compare"}
    return {"binds": False, "bind_evidence": "none found"}


def reached(result: dict, gap: float, limit_s: float) -> bool:
    """A plan within ``gap`` and ``limit_s`` (wall, loading included)."""
    g = result.get("gap")
    return g is not None and g <= gap + 1e-9 and result.get("wall_s", 1e18) <= limit_s


def shortfall(row: dict, limit_s: float, memory_mib: float) -> list[str]:
    """What keeps the row from its target (empty when met)."""
    if "ours_status" not in row:
        return ["not built"]
    if row.get("ours_objective") is None:
        return [f"no plan ({row['ours_status']})"]
    out = []
    gap, target = row.get("ours_gap"), row["gap_target"]
    if gap is None or gap > target + 1e-9:
        out.append(f"gap {fmt_gap(gap)} > {fmt_gap(target)}")
    if row["ours_wall_s"] > limit_s:
        out.append(f"time {row['ours_wall_s']:.1f} s > {limit_s:.0f} s")
    if row["ours_peak_mib"] > memory_mib:
        out.append(f"peak {row['ours_peak_mib']:,.0f} MiB > {memory_mib:,.0f} MiB")
    if row.get("ours_verified") is not True:
        out.append("verification failed")
    return out


def _obj(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.2f}"


def _ratio(row: dict, limit_s: float) -> str:
    ours = {k[5:]: v for k, v in row.items() if k.startswith("ours_")}
    highs = {k[6:]: v for k, v in row.items() if k.startswith("highs_")}
    if not reached(ours, row["gap_target"], limit_s):
        return "–"
    if reached(highs, row["gap_target"], limit_s):
        return fmt_ratio(highs["wall_s"] / ours["wall_s"])
    return fmt_ratio(limit_s / ours["wall_s"], at_least=True)


def _table(rows: list[dict], settings) -> str:
    header = ["row", "regions", "status", "objective", "bound", "gap (target)", "time (s)"]
    header += ["peak MiB", "verified", "target", "highs: status", "objective", "bound", "gap"]
    header += ["time (s)", "peak MiB", "verified", "ratio"]
    lines = []
    for r in rows:
        if "ours_status" not in r:
            lines.append([r["row"], r["regions"], "cannot be built", *["–"] * 15])
            continue
        miss = shortfall(r, settings.limit_s, settings.memory_mib)
        lines.append(
            [
                r["row"],
                r["regions"],
                r["ours_status"],
                _obj(r.get("ours_objective")),
                _obj(r.get("ours_bound")),
                f"{fmt_gap(r.get('ours_gap'))} ({fmt_gap(r['gap_target'])})",
                fmt_s(r["ours_wall_s"]),
                f"{r['ours_peak_mib']:,.0f}",
                {True: "yes", False: "**no**", None: "–"}[r.get("ours_verified")],
                "met" if not miss else "not met: " + ", ".join(miss),
                r["highs_status"],
                _obj(r.get("highs_objective")),
                _obj(r.get("highs_bound")),
                fmt_gap(r.get("highs_gap")),
                fmt_s(r["highs_wall_s"]),
                f"{r['highs_peak_mib']:,.0f}",
                {True: "yes", False: "**no**", None: "–"}[r.get("highs_verified")],
                _ratio(r, settings.limit_s),
            ]
        )
    return markdown_table(header, lines)


def section(rows: list[dict], settings) -> tuple[str, bool]:
    """The markdown section and whether every row met its target."""
    met_rows = [r for r in rows if not shortfall(r, settings.limit_s, settings.memory_mib)]
    met = len(met_rows) == len(rows)
    binding = markdown_table(
        ["row", "parameters", "binds", "evidence"],
        [
            [
                r["row"],
                r["parameters"] or "–",
                {True: "yes", False: "**no**", None: "–"}[r.get("binds")],
                r.get("bind_evidence", "–"),
            ]
            for r in rows
        ],
    )
    text = (
        f"Feature matrix: the default solver (`gpuplace solve` with no `--solver`: `auto`) "
        f"on one world instance per feature (`gpuplace datasets build world --regions "
        f"{settings.regions}`; survivability on {settings.small_regions} regions), "
        f"each feature switched on beside the base by `bench/variants.py`; "
        f"{settings.limit_s:.0f} s wall including loading, {settings.threads} threads. "
        "Time and peak memory (psutil, the whole process tree) are of the `gpuplace solve` "
        "command; *verified* is `gpuplace verify` on the written plan. Baseline: the same "
        f"command with `--solver highs` and the same limit; ratio = baseline time to the "
        f"target gap / gpuplace's (≥ when the baseline did not reach it).\n\n"
        + _table(rows, settings)
        + "\n\nParameters of each row and whether its feature binds (the base row's plan "
        "checked with `gpuplace verify` against the row's scenario, and the row's proven "
        "interval [bound, objective] set against the base plan's):\n\n"
        + binding
        + f"\n\nTarget (every row: proven gap <= 1 %, <= 2 % for survivability and the "
        f"three-feature rows, within {settings.limit_s:.0f} s including loading, "
        f"<= {settings.memory_mib / 1024:.0f} GiB, plan verified; {len(met_rows)} of "
        f"{len(rows)} rows met): **{'met' if met else 'not met'}**."
    )
    return text, met
