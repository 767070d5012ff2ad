"""Test helper: a copy of the base scenario in a temporary folder, and ways to mutate it."""

from __future__ import annotations

import csv
import io
import shutil
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

BASE = Path(__file__).parents[1] / "scenario" / "data" / "base"


class ScenarioFiles:
    """The base scenario copied into ``folder``; each method rewrites one file."""

    def __init__(self, folder: Path):
        shutil.copytree(BASE, folder, dirs_exist_ok=True)
        self.folder = folder
        self.toml = folder / "scenario.toml"

    def path(self, name: str) -> Path:
        return self.folder / name

    def toml_data(self) -> dict[str, Any]:
        return tomllib.loads(self.toml.read_text(encoding="utf-8"))

    def set_key(self, dotted: str, value: Any, delete: bool = False) -> None:
        """Set (or, with ``delete``, remove) a dotted key of scenario.toml."""
        data = self.toml_data()
        *sections, key = dotted.split(".")
        target = data
        for section in sections:
            target = target.setdefault(section, {})
        if delete:
            target.pop(key, None)
        else:
            target[key] = value
        self.toml.write_text(tomli_w.dumps(data), encoding="utf-8")

    def delete_key(self, dotted: str) -> None:
        self.set_key(dotted, None, delete=True)

    def rows(self, name: str) -> tuple[list[str], list[list[str]]]:
        lines = list(csv.reader(io.StringIO(self.path(name).read_text(encoding="utf-8"))))
        return lines[0], lines[1:]

    def write_rows(self, name: str, header: list[str], rows: list[list[str]]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        self.path(name).write_text(buffer.getvalue(), encoding="utf-8")

    def set_cell(self, name: str, row: int, column: str, value: str) -> None:
        """Set one cell; ``row`` is the 1-based data row."""
        header, rows = self.rows(name)
        rows[row - 1][header.index(column)] = value
        self.write_rows(name, header, rows)

    def rename_column(self, name: str, old: str, new: str) -> None:
        header, rows = self.rows(name)
        header[header.index(old)] = new
        self.write_rows(name, header, rows)

    def drop_column(self, name: str, column: str) -> None:
        header, rows = self.rows(name)
        i = header.index(column)
        self.write_rows(name, header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])

    def add_column(self, name: str, column: str, value: str) -> None:
        header, rows = self.rows(name)
        self.write_rows(name, [*header, column], [[*r, value] for r in rows])

    def append_row(self, name: str, values: dict[str, str]) -> None:
        header, rows = self.rows(name)
        self.write_rows(name, header, [*rows, [values.get(c, "") for c in header]])

    def write(self, name: str, content: str | bytes) -> None:
        target = self.path(name)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")

    def listing(self) -> dict[str, int]:
        """Every file under the folder with its size (to see that nothing was written)."""
        return {
            str(p.relative_to(self.folder)): p.stat().st_size
            for p in sorted(self.folder.rglob("*"))
            if p.is_file()
        }
