"""``gpuplace solve``'s text summary of the golden plans (``tests/plan/golden``).

``golden/solve-summary.txt`` is the summary at width 120, each followed by "plan
written to out.json": why the solve stopped, and the objective with the terms it is
the sum of.
"""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_summary_says_why_it_stopped_and_adds_up(monkeypatch):
    console = Console(record=True, width=120, force_terminal=False)
    monkeypatch.setattr(solve_command, "console", console)
    plan = Plan.read(GOLDEN / "apac-demo.plan.json")
    parts = solve_command.objective_parts(plan)
    assert [label for label, _ in parts] == [
        "fixed site costs", "GPU capex", "latency term", "unserved penalty",
    ]  # fmt: skip
    assert sum(value for _, value in parts) == pytest.approx(plan.objective, rel=1e-12)
    stopped = Plan.read(GOLDEN / "tiny-unserved.plan.json")  # stopped by its time limit
    solve_command.print_summary(stopped, None)
    text = console.export_text()
    assert "time limit" in text and "interrupted" not in text
