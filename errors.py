"""Input errors that name the file, the row or key, and what is wrong.

The ground floor: every layer (topo, scenario, solvers, planning, commands) may import
this module, and it imports nothing of gpuplace.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InputError", "Problem", "ProblemCollector"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``where`` is a row (``"row 7"``, 1-based data rows, header excluded), a key
    (``"constraints.budget"``), a column (``"column power_kw"``) or empty.
    """

    file: str
    where: str
    what: str

    def __str__(self) -> str:
        location = f"{self.file}: {self.where}" if self.where else self.file
        return f"{location}: {self.what}"


class InputError(Exception):
    """Bad input: one or more problems, reported together (CLI exit code 2)."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ProblemCollector:
    """Collects problems so validation reports all of them, not only the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, where: str, what: str) -> None:
        self.problems.append(Problem(str(file), where, what))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)
