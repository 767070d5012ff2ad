"""Bad-input corpus: each case mutates one valid scenario; ``gpuplace inspect`` must refuse it.

Every case: exit code 2, a message naming the file and (where there is one) the
row or key, no traceback, and no file written or changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from gpuplace.cli import app

MIB = 1024 * 1024

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
 <graph edgedefault="undirected"><node id="&lol9;"/></graph>
</graphml>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE graphml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
 <graph edgedefault="undirected"><node id="&secret;"/></graph>
</graphml>
"""


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable  # (ScenarioFiles) -> None
    file: str  # the file the message must name
    where: str | None  # the row, column or key it must name (None: the whole file)


def cell(name, row, column, value):
    return lambda f: f.set_cell(name, row, column, value)


def key(dotted, value):
    return lambda f: f.set_key(dotted, value)


def text(name, content):
    return lambda f: f.write(name, content)


def sparse(name, size_bytes):
    def mutate(f):
        with open(f.path(name), "wb") as handle:
            handle.truncate(size_bytes)

    return mutate


def topology_file(name, content):
    def mutate(f):
        f.write(name, content)
        f.set_key("topology.file", name)

    return mutate


def rename_column(name, old, new):
    return lambda f: f.rename_column(name, old, new)


def add_column(name, column, value):
    return lambda f: f.add_column(name, column, value)


def append_row(name, values):
    return lambda f: f.append_row(name, values)


CASES = [
    # --- the TOML file
    Case(
        "toml-malformed",
        text("scenario.toml", 'name = "x"\n[sites\nfile = 3\n'),
        "scenario.toml",
        "line 2",
    ),
    Case("toml-not-utf8", text("scenario.toml", b'name = "caf\xe9"\n'), "scenario.toml", None),
    Case("toml-empty", text("scenario.toml", ""), "scenario.toml", "name"),
    Case("toml-unknown-top-key", key("titel", "x"), "scenario.toml", "titel"),
    Case(
        "toml-unknown-key", key("constraints.budgett", 1.0), "scenario.toml", "constraints.budgett"
    ),
    Case("toml-unknown-section", key("solvers.name", "x"), "scenario.toml", "solvers"),
    Case(
        "toml-budget-text",
        key("constraints.budget", "a lot"),
        "scenario.toml",
        "constraints.budget",
    ),
    Case(
        "toml-budget-negative",
        key("constraints.budget", -1.0),
        "scenario.toml",
        "constraints.budget",
    ),
    Case(
        "toml-budget-nan",
        key("constraints.budget", float("nan")),
        "scenario.toml",
        "constraints.budget",
    ),
    Case(
        "toml-utilisation-zero",
        key("constraints.max_utilisation", 0.0),
        "scenario.toml",
        "constraints.max_utilisation",
    ),
    Case(
        "toml-redundancy-zero",
        key("constraints.redundancy", 0),
        "scenario.toml",
        "constraints.redundancy",
    ),
    Case(
        "toml-failover-below-one",
        key("constraints.failover_sla_factor", 0.5),
        "scenario.toml",
        "constraints.failover_sla_factor",
    ),
    Case(
        "toml-min-above-max-sites",
        key("constraints.min_sites", 9),
        "scenario.toml",
        "constraints.min_sites",
    ),
    Case("toml-objective-kind", key("objective.kind", "profit"), "scenario.toml", "objective.kind"),
    Case("toml-gap-one", key("solver.gap", 1.0), "scenario.toml", "solver.gap"),
    Case("toml-threads-zero", key("solver.threads", 0), "scenario.toml", "solver.threads"),
    Case(
        "toml-time-limit-zero",
        key("solver.time_limit_s", 0),
        "scenario.toml",
        "solver.time_limit_s",
    ),
    Case(
        "toml-missing-sites-file",
        lambda f: f.delete_key("sites.file"),
        "scenario.toml",
        "sites.file",
    ),
    Case(
        "toml-custom-without-kind",
        key("constraints.custom", [{"limit": 3}]),
        "scenario.toml",
        "constraints.custom[0].kind",
    ),
    # --- CSV structure
    Case(
        "csv-misspelt-column",
        rename_column("sites.csv", "power_kw", "power_kW"),
        "sites.csv",
        "column power_kw",
    ),
    Case(
        "csv-unknown-column",
        add_column("regions.csv", "populaton", "1"),
        "regions.csv",
        "column populaton",
    ),
    Case("csv-empty", text("sites.csv", ""), "sites.csv", None),
    Case(
        "csv-header-only",
        text("regions.csv", "id,lat,lon,demand,sla_rtt_ms\n"),
        "regions.csv",
        None,
    ),
    Case("csv-not-found", lambda f: f.path("gpus.csv").unlink(), "gpus.csv", None),
    Case(
        "csv-not-utf8",
        text("gpus.csv", b"type,capex,power_kw,throughput\nH\xff,1,1,1\n"),
        "gpus.csv",
        None,
    ),
    Case(
        "csv-ragged-row",
        text("gpus.csv", "type,capex,power_kw,throughput\nH100,1,1,1,9\n"),
        "gpus.csv",
        "row 1",
    ),
    Case(
        "csv-unclosed-quote",
        text("gpus.csv", 'type,capex,power_kw,throughput\n"H100,1,1,1\n'),
        "gpus.csv",
        "line 2",
    ),
    Case("csv-200mb", sparse("sites.csv", 200 * MIB), "sites.csv", None),
    # --- CSV values
    Case(
        "sites-text-in-number",
        cell("sites.csv", 2, "power_kw", "lots"),
        "sites.csv",
        "row 2, column power_kw",
    ),
    Case(
        "sites-power-inf",
        cell("sites.csv", 1, "power_kw", "inf"),
        "sites.csv",
        "row 1, column power_kw",
    ),
    Case(
        "sites-power-negative",
        cell("sites.csv", 3, "power_kw", "-5"),
        "sites.csv",
        "row 3, column power_kw",
    ),
    Case(
        "sites-pue-below-one", cell("sites.csv", 1, "pue", "0.8"), "sites.csv", "row 1, column pue"
    ),
    Case(
        "sites-cost-factor-zero",
        cell("sites.csv", 1, "cost_factor", "0"),
        "sites.csv",
        "row 1, column cost_factor",
    ),
    Case(
        "sites-max-gpus-fraction",
        cell("sites.csv", 2, "max_gpus", "10.5"),
        "sites.csv",
        "row 2, column max_gpus",
    ),
    Case("sites-duplicate-id", cell("sites.csv", 3, "id", "par1"), "sites.csv", "row 3, column id"),
    Case(
        "sites-unknown-node",
        cell("sites.csv", 1, "node", "Lyon"),
        "sites.csv",
        "row 1, column node",
    ),
    Case(
        "sites-bad-status",
        cell("sites.csv", 1, "status", "shut"),
        "sites.csv",
        "row 1, column status",
    ),
    Case(
        "sites-closed-with-existing",
        cell("sites.csv", 2, "status", "closed"),
        "sites.csv",
        "row 2, column status",
    ),
    Case(
        "sites-country-three-letters",
        cell("sites.csv", 1, "country", "FRA"),
        "sites.csv",
        "row 1, column country",
    ),
    Case(
        "sites-existing-negative",
        cell("sites.csv", 1, "existing_H100", "-1"),
        "sites.csv",
        "row 1, column existing_H100",
    ),
    Case(
        "sites-existing-unknown-type",
        add_column("sites.csv", "existing_A100", "4"),
        "sites.csv",
        "column existing_A100",
    ),
    Case(
        "regions-demand-nan",
        cell("regions.csv", 2, "demand", "NaN"),
        "regions.csv",
        "row 2, column demand",
    ),
    Case(
        "regions-demand-negative",
        cell("regions.csv", 1, "demand", "-10"),
        "regions.csv",
        "row 1, column demand",
    ),
    Case(
        "regions-demand-empty",
        cell("regions.csv", 4, "demand", ""),
        "regions.csv",
        "row 4, column demand",
    ),
    Case(
        "regions-sla-zero",
        cell("regions.csv", 3, "sla_rtt_ms", "0"),
        "regions.csv",
        "row 3, column sla_rtt_ms",
    ),
    Case(
        "regions-sla-inf",
        cell("regions.csv", 3, "sla_rtt_ms", "inf"),
        "regions.csv",
        "row 3, column sla_rtt_ms",
    ),
    Case(
        "regions-duplicate-id",
        cell("regions.csv", 2, "id", "madrid"),
        "regions.csv",
        "row 5, column id",
    ),
    Case(
        "regions-unknown-node",
        cell("regions.csv", 2, "node", "Atlantis"),
        "regions.csv",
        "row 2, column node",
    ),
    Case(
        "regions-lat-out-of-range",
        cell("regions.csv", 1, "lat", "-91"),
        "regions.csv",
        "row 1, column lat",
    ),
    Case(
        "regions-lon-out-of-range",
        cell("regions.csv", 1, "lon", "200"),
        "regions.csv",
        "row 1, column lon",
    ),
    Case(
        "regions-lat-lon-swapped",
        lambda f: (
            f.set_cell("regions.csv", 1, "lat", "151.2"),
            f.set_cell("regions.csv", 1, "lon", "-33.9"),
        ),
        "regions.csv",
        "row 1, column lat",
    ),
    Case(
        "regions-allowed-countries",
        cell("regions.csv", 1, "allowed_countries", "FR;Europe"),
        "regions.csv",
        "row 1, column allowed_countries",
    ),
    Case(
        "gpus-power-zero",
        cell("gpus.csv", 1, "power_kw", "0"),
        "gpus.csv",
        "row 1, column power_kw",
    ),
    Case(
        "gpus-throughput-negative",
        cell("gpus.csv", 2, "throughput", "-3.5"),
        "gpus.csv",
        "row 2, column throughput",
    ),
    Case("gpus-capex-text", cell("gpus.csv", 2, "capex", "9k"), "gpus.csv", "row 2, column capex"),
    Case(
        "gpus-duplicate-type", cell("gpus.csv", 2, "type", "H100"), "gpus.csv", "row 2, column type"
    ),
    Case(
        "matrix-unknown-region",
        cell("rtt.csv", 1, "region", "mars"),
        "rtt.csv",
        "row 1, column region",
    ),
    Case(
        "matrix-rtt-negative",
        cell("rtt.csv", 1, "rtt_ms", "-0.5"),
        "rtt.csv",
        "row 1, column rtt_ms",
    ),
    Case(
        "matrix-duplicate-pair",
        append_row("rtt.csv", {"region": "greater-london", "site": "par1", "rtt_ms": "4"}),
        "rtt.csv",
        "row 2",
    ),
    # --- the topology
    Case(
        "topology-malformed-json",
        text("topology.json", '{"nodes": [\n{"id": "a",}\n]}'),
        "topology.json",
        "line 2",
    ),
    Case(
        "topology-no-nodes-list", text("topology.json", '{"edges": []}'), "topology.json", "nodes"
    ),
    Case("topology-not-found", lambda f: f.path("topology.json").unlink(), "topology.json", None),
    Case("topology-200mb", sparse("topology.json", 200 * MIB), "topology.json", None),
    Case("topology-unknown-format", topology_file("topology.xyz", "a b\n"), "topology.xyz", None),
    Case(
        "topology-graphml-entity-bomb",
        topology_file("topology.graphml", BILLION_LAUGHS),
        "topology.graphml",
        None,
    ),
    Case(
        "topology-graphml-external-entity",
        topology_file("topology.graphml", EXTERNAL_ENTITY),
        "topology.graphml",
        None,
    ),
]

runner = CliRunner()


def test_corpus_is_large_and_ids_are_unique():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_inspect_refuses_bad_input(files, tmp_path, monkeypatch, case):
    case.mutate(files)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    before = files.listing()
    result = runner.invoke(app, ["inspect", str(files.toml)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = [line for line in message.splitlines() if line.startswith("error:")]
    assert lines, message
    named = [line for line in lines if case.file in line]
    assert named, message
    if case.where is not None:
        assert any(f": {case.where}" in line for line in named), message
    assert files.listing() == before
    assert list(workdir.iterdir()) == []


def test_refuses_secrets_from_external_entities(files):
    topology_file("topology.graphml", EXTERNAL_ENTITY)(files)
    result = runner.invoke(app, ["inspect", str(files.toml)])
    assert result.exit_code == 2
    assert "root:" not in result.output
