"""Hostile text is data: it never crashes a command, never acts on the terminal, never runs
in a spreadsheet, and an error quotes at most a short excerpt of a file.

Before: rich markup in an id (``[/x]``) crashed ``solve`` (after writing the plan),
``compare``, ``failures`` and ``inspect`` with a traceback; escape sequences in ids
reached the terminal; ids starting with ``=``, ``+``, ``-`` or ``@`` went verbatim into
every CSV; a file that is not a table had its first line echoed (``/etc/shadow`` as
``sites.file`` printed a password hash).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gpuplace.untrusted import csv_cell, terminal_text
from support.cli_files import GPUS, LINKS, NODES, run, write_scenario

# Ids a hostile table may hold: rich markup, emoji codes, escape sequences, formulas.
SITE_IDS = {
    "s1": "[/x]=HYPERLINK(1)",
    "s2": "\x1b]0;owned\x07\x1b[2J+cmd",
    "s4": "@SUM(A1)[bold]:smile:",
}
REGION_IDS = {"r1": "-2+3\u202eevil", "r2": "[red]=1+1[/red]"}
NODE_IDS = {"A": "A\x1b[31m", "B": "[/B]", "C": "=C", "D": "D"}


def _hostile_scenario(folder: Path) -> Path:
    nodes = [{**n, "id": NODE_IDS[n["id"]]} for n in NODES]
    links = [
        {**link, "source": NODE_IDS[link["source"]], "target": NODE_IDS[link["target"]]}
        for link in LINKS
    ]
    sites = "id,node,power_kw,max_gpus,fixed_cost\n" + "".join(
        f"{_csv(SITE_IDS[s])},{_csv(NODE_IDS[n])},100,50,{cost}\n"
        for s, n, cost in (("s1", "A", 1000), ("s2", "C", 800), ("s4", "B", 700))
    )
    regions = "id,lat,lon,demand,sla_rtt_ms,allowed_countries,gbps_per_unit\n" + "".join(
        f"{_csv(REGION_IDS[r])},0.1,{lon},{d},50,,1\n"
        for r, lon, d in (("r1", 0, 10), ("r2", 2, 5))
    )
    toml_name = "[/name]\\u001b[2J=1+1"
    scenario = write_scenario(folder, sites=sites, regions=regions, nodes=nodes, links=links)
    text = scenario.read_text().replace('name = "cli-tiny"', f'name = "{toml_name}"')
    scenario.write_text(text)
    return scenario


def _csv(cell: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([cell])
    return buffer.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    scenario = _hostile_scenario(folder)
    result = run("solve", scenario, "-o", folder / "plan.json")
    assert result.exit_code == 0, result.output
    return folder


def _clean(result) -> None:
    assert "Traceback" not in result.output
    for stream in (result.stdout, result.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream


COMMANDS = {
    "solve": lambda f: ["solve", f / "scenario.toml"],
    "solve-json": lambda f: ["solve", f / "scenario.toml", "--format", "json"],
    "verify": lambda f: ["verify", f / "scenario.toml", f / "plan.json"],
    "compare": lambda f: ["compare", f / "plan.json", f / "plan.json"],
    "compare-csv": lambda f: ["compare", f / "plan.json", f / "plan.json", "-f", "csv"],
    "inspect": lambda f: ["inspect", f / "scenario.toml"],
    "inspect-topology": lambda f: ["inspect", f / "topology.json"],
    "failures": lambda f: ["failures", f / "scenario.toml", f / "plan.json"],
    "failures-csv": lambda f: ["failures", f / "scenario.toml", f / "plan.json", "-f", "csv"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_markup_and_escapes_in_ids_are_printed_as_data(hostile, command):
    result = run(*COMMANDS[command](hostile))
    assert result.exit_code == 0, result.output
    _clean(result)
    if command in ("solve", "failures"):
        assert any(shown in result.stdout for shown in ("@SUM", "[/x]", "[/B]", "=C")), (
            result.stdout
        )


def test_solve_errors_and_warnings_show_escapes(hostile, tmp_path):
    bad = tmp_path / "bad"
    scenario = _hostile_scenario(bad)
    again = f"{_csv(SITE_IDS['s2'])},{_csv(NODE_IDS['A'])},1_0,1,1\n"
    (bad / "sites.csv").write_text((bad / "sites.csv").read_text() + again)
    result = run("solve", scenario)
    assert result.exit_code == 2
    _clean(result)
    assert "duplicate id '\\x1b]0;owned\\x07\\x1b[2J+cmd'" in result.stderr
    assert "'1_0' is not a number" in result.stderr


def test_every_csv_output_neutralises_formulas(hostile, tmp_path):
    report = tmp_path / "report"
    args = ("report", hostile / "scenario.toml", hostile / "plan.json", "-o", report)
    assert run(*args, "--tiles", "none", "-q").exit_code == 0
    sweep = tmp_path / "sweep"
    grid = ("--vary", "constraints.budget=1e4,=1+1", "-o", sweep, "--workers", "1", "-q")
    run("sweep", hostile / "scenario.toml", *grid)
    failures = tmp_path / "failures.csv"
    run("failures", hostile / "scenario.toml", hostile / "plan.json", "-o", failures, "-q")
    compare = run("compare", hostile / "plan.json", hostile / "plan.json", "-f", "csv").stdout
    texts = {p.name: p.read_text() for p in [*report.glob("*.csv"), *sweep.glob("*.csv")]}
    texts |= {"failures.csv": failures.read_text(), "compare": compare}
    assert {"sites.csv", "results.csv", "pareto.csv", "failures.csv", "compare"} <= set(texts)
    cells = 0
    for name, text in texts.items():
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                cells += 1
                assert "\x1b" not in cell, (name, cell)
                if cell[:1] in ("=", "+", "@", "\t", "\r") or (
                    cell.startswith("-") and not _is_number(cell)
                ):
                    pytest.fail(f"{name}: formula-like cell {cell!r}")
    assert cells > 100
    assert "'[/x]=HYPERLINK(1)" not in texts["sites.csv"]  # starts with '[': not a formula
    assert "'@SUM(A1)[bold]:smile:" in texts["sites.csv"]
    assert "'=1+1" in texts["results.csv"]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_cells_keep_numbers():
    assert [csv_cell(v) for v in ("-5", "-1.5e3", "+2", "-x", "=A1", 7)] == [
        "-5",
        "-1.5e3",
        "+2",
        "'-x",
        "'=A1",
        7,
    ]
    assert terminal_text("a\x1bb\u202ec\nd") == "a\\x1bb\\u202ec\nd"


SECRET = "root:$6$Zq0mKpL9$" + "h" * 80 + ":19000:0:99999:7:::"


@pytest.mark.parametrize("key", ["sites.file", "regions.file", "gpus.file", "latency.matrix"])
def test_a_file_that_is_not_a_table_is_not_echoed(tmp_path, key):
    secret = tmp_path / "shadow"
    secret.write_text(SECRET + "\nbin:*:19000:0:99999:7:::\n")
    scenario = write_scenario(tmp_path / "s")
    result = run("solve", scenario, "--set", f'{key}="{secret}"')
    assert result.exit_code == 2
    assert "h" * 30 not in result.output and "Zq0mKpL9" not in result.output, result.output


def test_long_cells_are_quoted_short(tmp_path):
    scenario = write_scenario(tmp_path)
    sites = (tmp_path / "sites.csv").read_text()
    (tmp_path / "sites.csv").write_text(sites.replace("s1,A,100", "s1,A,1" + "x" * 5000, 1))
    result = run("solve", scenario)
    assert result.exit_code == 2 and "is not a number" in result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) < 500


def test_inputs_can_be_confined_to_the_scenario_folder(tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "gpus.csv").write_text(GPUS)
    scenario = write_scenario(tmp_path / "s")
    args = ("inspect", scenario, "--set", 'gpus.file="../elsewhere/gpus.csv"')
    assert run(*args).exit_code == 0
    monkeypatch.setenv("GPUPLACE_CONFINE_INPUTS", "1")
    confined = run(*args)
    assert confined.exit_code == 2
    assert "gpus.file" in confined.stderr and "outside the scenario's folder" in confined.stderr
    (tmp_path / "s" / "link.csv").symlink_to(outside / "gpus.csv")
    linked = run("inspect", scenario, "--set", 'gpus.file="link.csv"')
    assert linked.exit_code == 2 and "outside the scenario's folder" in linked.stderr
    assert run("inspect", scenario).exit_code == 0
    monkeypatch.setenv("GPUPLACE_CONFINE_INPUTS", "maybe")
    assert run("inspect", scenario).exit_code == 2


def test_json_outputs_escape_control_characters(hostile):
    out = run("solve", hostile / "scenario.toml", "--format", "json").stdout
    plan = json.loads(out)
    assert {s["id"] for s in plan["sites"]} <= set(SITE_IDS.values())
