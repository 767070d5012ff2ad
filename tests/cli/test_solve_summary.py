"""``gpuplace solve``'s text summary of a plan is what it was before the Plan value.

``golden/solve-summary.txt`` was rendered by the dict-based summary, at width 120,
from the golden plans (``tests/plan/golden``), each followed by "plan written to out.json".
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from gpuplace.commands import solve as solve_command
from gpuplace.solvers.plan import Plan

GOLDEN = Path(__file__).resolve().parents[1] / "plan" / "golden"


def test_summary_text_is_unchanged(monkeypatch):
    console = Console(record=True, width=120, force_terminal=False)
    monkeypatch.setattr(solve_command, "console", console)
    for name in ("apac-demo", "tiny", "tiny-unserved"):
        plan = Plan.read(GOLDEN / f"{name}.plan.json")
        solve_command.print_summary(plan, Path("out.json"))
    expected = (GOLDEN / "solve-summary.txt").read_text(encoding="utf-8")
    assert console.export_text() == expected
