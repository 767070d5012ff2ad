"""``python -m bench.run --out BENCHMARKS.md [--only world,growth,...] [--quick] [--rows ...]``.

Runs each target (``bench.targets.TARGETS``), writes ``bench/results/<target>.csv``
(or ``--results DIR``) and rewrites that target's section of the markdown file,
with the command that reproduces it and the machine it ran on.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import time
from pathlib import Path

from bench import machine
from bench.report import begin_marker, end_marker, markdown_table, update_sections, write_csv
from bench.targets import TARGETS, Context
from bench.variants import ROWS

REPO = Path(__file__).resolve().parents[1]
ORDER = ("summary",) + tuple(TARGETS)


def _verdict_of(path: Path, name: str) -> tuple[str, str]:
    """Whether the section of ``name`` in ``path`` says its target was met, and when it ran."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    begin, end = begin_marker(name), end_marker(name)
    if begin not in text:
        return "not run", "–"
    section = text.split(begin, 1)[1].split(end, 1)[0]
    verdict = re.findall(r"\*\*(met|not met)\*\*", section)
    when = re.findall(r"run (\d{4}-\d\d-\d\d \d\d:\d\d UTC)", section)
    return ("yes" if verdict and verdict[-1] == "met" else "**no**"), (when[-1] if when else "–")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="gpuplace benchmarks")
    parser.add_argument("--out", default="BENCHMARKS.md", help="markdown file to update")
    parser.add_argument("--only", default=",".join(TARGETS), help="comma-separated targets")
    parser.add_argument("--quick", action="store_true", help="small subset, for a smoke test")
    parser.add_argument("--results", default=str(REPO / "bench" / "results"), help="CSV folder")
    parser.add_argument("--cache", default=str(REPO / "bench" / ".cache"), help="generated data")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--sizes",
        default="",
        help="growth: comma-separated region counts; feature_matrix: N[,M] regions "
        "(main rows, survivability)",
    )
    parser.add_argument(
        "--instances", default="", help="OR-Library: comma-separated names (capa-8000, pmed7, ...)"
    )
    parser.add_argument(
        "--rows", default="", help="feature_matrix: comma-separated rows (base, links, ...)"
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    rows = [v.strip() for v in args.rows.split(",") if v.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}; known: {', '.join(ROWS)}")
    command = "python -m bench.run " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    facts = machine.facts()
    ctx = Context(
        cache=Path(args.cache),
        quick=args.quick,
        threads=args.threads,
        sizes=tuple(int(v) for v in args.sizes.split(",") if v.strip()) or None,
        instances=frozenset(v.strip() for v in args.instances.split(",") if v.strip()) or None,
        rows=tuple(rows) or None,
    )
    ctx.cache.mkdir(parents=True, exist_ok=True)
    out, results = Path(args.out), Path(args.results)
    sections: dict[str, str] = {}
    for name in names:
        print(f"[bench] {name}", flush=True)
        t0 = time.perf_counter()
        rows, text, met = TARGETS[name](ctx)
        took = time.perf_counter() - t0
        write_csv(results / f"{name}.csv", rows)
        sections[name] = (
            f"## {name}\n\n{text}\n\nReproduce: `{command.replace('--only ' + args.only, '--only ' + name) if '--only' in command else command + ' --only ' + name}`"
            f" (this section took {took:.0f} s; CSV: `bench/results/{name}.csv`).\n\n"
            f"{machine.facts_markdown(facts)}"
        )
        update_sections(out, sections, ORDER)
        print(f"[bench] {name}: {'met' if met else 'not met'} ({took:.0f} s)", flush=True)
    summary = markdown_table(
        ["target", "met", "measured"], [[n, *_verdict_of(out, n)] for n in TARGETS]
    )
    sections["summary"] = f"## Summary\n\nLast command: `{command}`\n\n{summary}"
    update_sections(out, sections, ORDER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
