"""Every command is documented: ``--help`` works and the README names it; every
scenario key of the schema is in the README (in the spirit of sqlite-utils' test_docs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from gpuplace.cli import app
from gpuplace.scenario.schema import SCHEMA
from support.cli_files import run

README = Path(__file__).resolve().parents[2] / "README.md"
README_TEXT = README.read_text(encoding="utf-8") if README.exists() else ""


def _walk(command, path: tuple[str, ...] = ()):
    """Every command path below the root, groups included: ('datasets', 'build', 'apac')."""
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield (*path, name), sub
        yield from _walk(sub, (*path, name))


COMMANDS = dict(_walk(typer.main.get_command(app)))
LEAVES = [path for path, command in COMMANDS.items() if not hasattr(command, "commands")]


def _has_section(title: str) -> bool:
    return (
        re.search(rf"^#+\s+{title}\b", README_TEXT, flags=re.MULTILINE | re.IGNORECASE) is not None
    )


def test_the_cli_has_every_command_of_the_contract():
    top = {path[0] for path in COMMANDS}
    expected = {"solve", "verify", "compare", "inspect", "convert", "report", "sweep", "failures"}
    assert expected <= top
    assert ("datasets", "build", "world") in COMMANDS


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "gpuplace")
def test_help_exits_0(path):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    command = COMMANDS.get(path)
    if command is not None:
        assert (command.help or command.short_help or "").strip(), f"{path} has no help text"


@pytest.mark.xfail(not _has_section("Commands"), reason="README has no Commands section yet")
@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_is_in_the_readme(path):
    words = r"\s+".join(re.escape(p) for p in path)
    assert re.search(rf"gpuplace\s+{words}\b", README_TEXT), f"README never shows gpuplace {path}"


SCENARIO_KEYS = [
    (section, key)
    for section, keys in SCHEMA.items()
    for key in keys
]  # fmt: skip


@pytest.mark.xfail(
    not _has_section("Scenario keys"), reason="README has no Scenario keys section yet"
)
@pytest.mark.parametrize(
    ("section", "key"), SCENARIO_KEYS, ids=[f"{s}.{k}".lstrip(".") for s, k in SCENARIO_KEYS]
)
def test_every_scenario_key_is_in_the_readme(section, key):
    dotted = f"{section}.{key}" if section else key
    assert f"`{dotted}`" in README_TEXT or f"[[{dotted}]]" in README_TEXT, (
        f"README does not document `{dotted}`"
    )
