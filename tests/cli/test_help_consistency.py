"""One rule for every command: examples in its help, defaults shown, the same short flags,
choices validated, and tables printed whole when the output is not a terminal.

Before: no command's ``--help`` had an example; ``--time-limit/--gap/--threads/--seed``
showed no default; ``-f`` existed on some commands only; ``inspect --format`` took any
text; ``gpuplace solve ... | cat`` cut tables at 80 columns (``unserv…``).
"""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.table import Table

from gpuplace.commands.app import app
from gpuplace.commands.common import DataConsole
from gpuplace.commands.examples import EXAMPLES, add_examples
from support.cli_files import run, write_scenario

ROOT = Path(__file__).resolve().parents[2]
SHORT = {"--format": "-f", "--quiet": "-q", "--output": "-o"}


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


COMMANDS = dict(_commands())


def _options(command):
    return [p for p in command.params if getattr(p, "param_type_name", "") == "option"]


def _help(name: str) -> str:
    result = run(*name.split(), "--help")
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_has_examples():
    assert add_examples(app) == []
    assert set(EXAMPLES) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_shows_the_examples(name):
    text = " ".join(_help(name).split())
    assert "Examples:" in text
    for example in EXAMPLES[name]:
        assert example in text


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_examples_use_only_the_commands_options(name):
    known = {opt for p in COMMANDS[name].params for opt in getattr(p, "opts", [])}
    known |= {opt for p in COMMANDS[name].params for opt in getattr(p, "secondary_opts", [])}
    for example in EXAMPLES[name]:
        words = shlex.split(example.split(">")[0])
        assert words[: 1 + len(name.split())] == ["gpuplace", *name.split()], example
        used = {w for w in words if w.startswith("-")}
        assert used <= known, (example, used - known)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_value_option_shows_its_default_or_is_required(name):
    for option in _options(COMMANDS[name]):
        if option.is_flag or option.required or "--help" in option.opts:
            continue
        assert option.show_default, (name, option.opts)
        if option.default is None or option.default == []:
            assert isinstance(option.show_default, str), (name, option.opts)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_same_short_flag_on_every_command(name):
    for option in _options(COMMANDS[name]):
        for long, short in SHORT.items():
            if long in option.opts:
                assert short in option.opts, (name, long)


@pytest.mark.parametrize("name", sorted(n for n, c in COMMANDS.items() if "--format" in
                                        {o for p in _options(c) for o in p.opts}))  # fmt: skip
def test_format_is_a_validated_choice(name):
    result = run(*name.split(), "--format", "yaml")
    assert result.exit_code == 2
    assert "'yaml' is not one of" in " ".join(result.output.split())


def test_tables_are_whole_when_piped(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    out = io.StringIO()
    console = DataConsole(file=out)
    table = Table("model", "tier", "unserved demand (tokens/s)", "main sites (share of tokens/s)")
    table.add_row("llama-3.3-70b-instruct", "interactive", "0.0", "x" * 150)
    console.print(table)
    lines = out.getvalue().splitlines()
    assert any("x" * 150 in line for line in lines)
    assert any("unserved demand (tokens/s)" in line for line in lines)
    assert len(lines) == 5  # top, header, rule, the row, bottom: nothing wrapped


def test_solve_summary_is_whole_in_a_pipe(tmp_path):
    long_id = "s4-" + "a-very-long-site-name-" * 5
    scenario = write_scenario(tmp_path)
    sites = scenario.parent / "sites.csv"
    sites.write_text(sites.read_text().replace("s4,", f"{long_id},"))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    result = subprocess.run(
        [sys.executable, "-m", "gpuplace.cli", "solve", str(scenario)],
        capture_output=True, text=True, timeout=120, check=False, env=env, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert re.search(rf"│ {re.escape(long_id)} +│", result.stdout), result.stdout
