"""Examples shown at the end of every command's ``--help`` (``gpuplace solve --help``).

Keyed by the command's words after ``gpuplace``; :func:`add_examples` gives each
registered command its epilog, and a test checks that every command has one.
"""

from __future__ import annotations

from collections.abc import Iterator

import typer

APAC = "datasets/apac/scenario.toml"

EXAMPLES: dict[str, tuple[str, ...]] = {
    "inspect": (
        f"gpuplace inspect {APAC}",
        "gpuplace inspect datasets/apac/topology.json -f json",
    ),
    "convert": (
        "gpuplace convert network.graphml -o topology.json",
        "gpuplace convert bench/data/orlib/cflp/cap41.txt -o cap41.toml",
    ),
    "solve": (
        f"gpuplace solve {APAC} -o plan.json",
        f"gpuplace solve {APAC} --solver highs --time-limit 30 --set constraints.budget=2e8",
        f"gpuplace solve {APAC} -f json > plan.json",
        "gpuplace solve --solver list",
    ),
    "verify": (
        f"gpuplace verify {APAC} plan.json",
        f"gpuplace verify {APAC} plan.json -f json",
    ),
    "compare": (
        "gpuplace compare plan-a.json plan-b.json",
        "gpuplace compare plans/*.json -f csv > comparison.csv",
    ),
    "report": (
        f"gpuplace report {APAC} plan.json -o report",
        f"gpuplace report {APAC} plan.json -o report --tiles none --failures",
    ),
    "sweep": (
        f"gpuplace sweep {APAC} --vary constraints.budget=1.5e8:3e8:4 -o sweep-budget",
        f"gpuplace sweep {APAC} --vary constraints.max_sites=4..12..2 --scheduler tcp://HOST:8786",
    ),
    "failures": (
        f"gpuplace failures {APAC} plan.json",
        f"gpuplace failures {APAC} plan.json --mode resolve -f csv -o failures.csv",
    ),
    "datasets list": ("gpuplace datasets list", "gpuplace datasets list -f json"),
    "datasets build apac": ("gpuplace datasets build apac -o apac",),
    "datasets build world": ("gpuplace datasets build world --regions 500 -o world-500",),
    "latency calibrate": (
        "gpuplace latency calibrate topology.json measured.csv",
        "gpuplace latency calibrate topology.json measured.csv -o calibration.json",
    ),
}


def epilog(lines: tuple[str, ...]) -> str:
    """The help's closing section: one example per paragraph (typer keeps paragraphs apart).

    >>> epilog(("gpuplace solve a.toml",))
    'Examples:\\n\\n  gpuplace solve a.toml'
    """
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)


def _commands(app: typer.Typer, prefix: str = "") -> Iterator[tuple[str, object]]:
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        yield f"{prefix}{name}", info
    for group in app.registered_groups:
        if group.typer_instance is not None:
            yield from _commands(group.typer_instance, f"{prefix}{group.name} ")


def add_examples(app: typer.Typer) -> list[str]:
    """Give every registered command its examples; returns the commands that have none."""
    missing = []
    for name, info in _commands(app):
        if name in EXAMPLES:
            info.epilog = epilog(EXAMPLES[name])  # type: ignore[attr-defined]
        else:
            missing.append(name)
    return missing


__all__ = ["EXAMPLES", "add_examples", "epilog"]
