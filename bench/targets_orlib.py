"""OR-Library targets: capacitated facility location (cap41..cap134, capa/b/c) and p-median."""

from __future__ import annotations

from pathlib import Path

from bench.context import (
    FAST,
    Context,
    _money,
    _num,
    baseline_gap_at,
    baseline_time_to,
    ours_time,
    proven,
)
from bench.report import fmt_gap, fmt_ratio, fmt_s, markdown_table

CFLP_SMALL = [
    "cap41",
    "cap42",
    "cap43",
    "cap44",
    "cap51",
    "cap61",
    "cap62",
    "cap63",
    "cap64",
    "cap71",
    "cap72",
    "cap73",
    "cap74",
    "cap81",
    "cap82",
    "cap83",
    "cap84",
    "cap91",
    "cap92",
    "cap93",
    "cap94",
    "cap101",
    "cap102",
    "cap103",
    "cap104",
    "cap111",
    "cap112",
    "cap113",
    "cap114",
    "cap121",
    "cap122",
    "cap123",
    "cap124",
    "cap131",
    "cap132",
    "cap133",
    "cap134",
]
CAPABC = {
    "capa": (8000, 10000, 12000, 14000),
    "capb": (5000, 6000, 7000, 8000),
    "capc": (5000, 5750, 6500, 7250),
}


def orlib_file(family: str, name: str) -> Path:
    from gpuplace.datasets.orlib import benchmark_file

    return benchmark_file(family, name)


def orlib_scenario(ctx: Context, family: str, name: str, capacity: float | None = None) -> Path:
    """The cached scenario converted from an OR-Library file."""
    from gpuplace.datasets.orlib import convert_orlib

    stem = name if capacity is None else f"{name}-{int(capacity)}"
    toml = ctx.cache / "orlib" / f"{stem}.toml"
    if not toml.exists():
        toml.parent.mkdir(parents=True, exist_ok=True)
        convert_orlib(orlib_file(family, name), toml, capacity=capacity, force=True)
    return toml


def _orlib_pair(ctx, family, name, capacity, gap, limit, base_methods, optimum):
    scenario = orlib_scenario(ctx, family, name, capacity)
    common = {
        "kind": "orlib",
        "family": family,
        "gap": gap,
        "threads": ctx.threads,
        "time_limit_s": limit,
        "label": name if capacity is None else f"{name}-{capacity}",
    }
    ours = ctx.run({**common, "method": FAST, "scenario": str(scenario)}, limit + 120)
    row = {"instance": common["label"], "optimum": optimum}
    row["ours_time_s"] = ours_time(ours) if proven(ours, gap) else None
    row["ours_wall_s"] = ours_time(ours)
    row["ours_objective"] = ours.get("objective")
    row["ours_bound"] = ours.get("bound")
    row["ours_gap"] = _num(ours.get("gap"))
    row["ours_error_vs_optimum"] = (
        abs(ours["objective"] - optimum) / optimum if ours.get("objective") is not None else None
    )
    row["ours_status"] = ours.get("status") if ours.get("ok") else f"error: {ours.get('error')}"
    row["ours_violations"] = ours.get("violations")
    row["ours_peak_mib"] = ours.get("peak_rss_mib")
    for method, base_limit in base_methods:
        base = ctx.run(
            {
                **common,
                "method": method,
                "file": str(orlib_file(family, name)),
                "capacity": capacity,
                "time_limit_s": base_limit,
            },
            base_limit + 180,
        )
        tag = "highs" if method == "plain-highs" else "spopt"
        if method == "plain-highs":
            t_base = baseline_time_to(base, gap)
            row[f"{tag}_gap_at_our_time"] = baseline_gap_at(base, row["ours_time_s"])
        else:
            t_base = float(base["load_s"]) + float(base["wall_s"]) if proven(base, gap) else None
        row[f"{tag}_time_s"] = t_base
        row[f"{tag}_gap_final"] = _num(base.get("gap"))
        row[f"{tag}_objective"] = base.get("objective")
        row[f"{tag}_limit_s"] = base_limit
        row[f"{tag}_status"] = (
            base.get("status") if base.get("ok") else f"error: {base.get('error')}"
        )
        if row["ours_time_s"]:
            ref = t_base if t_base else base_limit
            row[f"{tag}_ratio"] = ref / row["ours_time_s"]
            row[f"{tag}_ratio_is_lower_bound"] = t_base is None
    return row


def _optima(family):
    from gpuplace.datasets.orlib import load_optima

    return load_optima(family)


def target_cflp(ctx: Context):
    names = ("cap41", "cap71") if ctx.quick else ctx.pick(CFLP_SMALL)
    optima = {o.instance: o.optimum for o in _optima("cflp") if o.variant == "capacitated"}
    limit = 60.0
    rows = [
        _orlib_pair(ctx, "cflp", n, None, 1e-6, limit, [("plain-highs", limit)], optima[n])
        for n in names
    ]
    total = sum(r["ours_wall_s"] or limit for r in rows)
    base_total = sum(r["highs_time_s"] or r["highs_limit_s"] for r in rows)
    all_proven = all(r["ours_time_s"] is not None for r in rows)
    met = all_proven and total <= 60.0 and all(r["ours_violations"] == 0 for r in rows)
    text = (
        f"OR-Library capacitated facility location, {len(rows)} instances, each to proven optimality "
        "(relative gap 1e-6).\n\n"
        + _orlib_table(rows, ["highs"])
        + f"\n\nTotal: gpuplace {total:.1f} s, baseline {base_total:.1f} s "
        f"(ratio {fmt_ratio(base_total / total if total else None)}). "
        f"Target (all proven optimal, together <= 60 s): **{'met' if met else 'not met'}**."
    )
    return rows, text, met


def target_capabc(ctx: Context):
    cases = [("capa", 14000)] if ctx.quick else [(n, c) for n, caps in CAPABC.items() for c in caps]
    cases = [(n, c) for n, c in cases if ctx.instances is None or f"{n}-{c}" in ctx.instances]
    optima = {
        (o.instance, o.capacity): o.optimum for o in _optima("cflp") if o.variant == "capacitated"
    }
    limit = 20.0 if ctx.quick else 60.0
    rows = [
        _orlib_pair(
            ctx, "cflp", n, float(c), 1e-3, limit, [("plain-highs", limit)], optima[(n, float(c))]
        )
        for n, c in cases
    ]
    met = all(
        r["ours_time_s"] is not None
        and r["ours_time_s"] <= 60
        and (r["ours_error_vs_optimum"] or 0) <= 1e-3
        for r in rows
    )
    text = (
        "OR-Library capa, capb, capc (100 facilities × 1,000 customers; "
        f"{len(rows)} of the 12 capacity variants the files define in this run): proven within "
        "0.1 % (relative gap 1e-3), each within 60 s.\n\n"
        + _orlib_table(rows, ["highs"])
        + f"\n\nTarget: **{'met' if met else 'not met'}** "
        f"({sum(r['ours_time_s'] is not None for r in rows)} of {len(rows)} proven in time)."
    )
    return rows, text, met


def target_pmed(ctx: Context):
    ks = (
        (1, 2)
        if ctx.quick
        else tuple(k for k in range(1, 41) if ctx.instances is None or f"pmed{k}" in ctx.instances)
    )
    base_ks = set(ks) if ctx.quick else {1, 11, 21, 31}
    optima = {o.instance: o.optimum for o in _optima("pmed")}
    limit = 30.0 if ctx.quick else 60.0
    base_limit = 20.0 if ctx.quick else 30.0
    rows = []
    for k in ks:
        methods = [("plain-highs", base_limit), ("spopt-cbc", base_limit)] if k in base_ks else []
        rows.append(
            _orlib_pair(ctx, "pmed", f"pmed{k}", None, 1e-9, limit, methods, optima[f"pmed{k}"])
        )
    total = sum(r["ours_wall_s"] or limit for r in rows)
    met = all(r["ours_time_s"] is not None for r in rows) and total <= 600
    text = (
        f"OR-Library p-median, {len(rows)} instances, each to proven optimality. Baselines run on "
        f"{len(base_ks & set(ks))} instances (one per size class) with a {base_limit:.0f} s limit each.\n\n"
        + _orlib_table(rows, ["highs", "spopt"])
        + f"\n\nTotal gpuplace time: {total:.1f} s. Target (all proven optimal, together <= 600 s): "
        f"**{'met' if met else 'not met'}**."
    )
    return rows, text, met


def _orlib_table(rows, tags) -> str:
    header = ["instance", "published optimum", "gpuplace objective", "gpuplace time (s)", "gap"]
    for tag in tags:
        name = "plain+HiGHS" if tag == "highs" else "spopt+CBC"
        header += [f"{name} time (s)", f"{name} final gap", "ratio"]
    body = []
    for r in rows:
        line = [
            r["instance"],
            f"{r['optimum']:.3f}",
            _money(r["ours_objective"], 3),
            fmt_s(r["ours_time_s"], None)
            if r["ours_time_s"]
            else f"not proven ({r['ours_status']})",
            fmt_gap(r["ours_gap"]),
        ]
        for tag in tags:
            if f"{tag}_status" not in r:
                line += ["–", "–", "–"]
                continue
            line += [
                fmt_s(r[f"{tag}_time_s"], r[f"{tag}_limit_s"]),
                fmt_gap(r[f"{tag}_gap_final"]),
                fmt_ratio(r.get(f"{tag}_ratio"), r.get(f"{tag}_ratio_is_lower_bound", False)),
            ]
        body.append(line)
    return markdown_table(header, body)
