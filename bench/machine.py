"""Facts about the machine a benchmark ran on (printed with every result table)."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as _md
import os
import platform


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return _md.version(package)
    except _md.PackageNotFoundError:
        return "not installed"


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def facts() -> dict[str, str]:
    """Cores, CPU model, memory, Python and solver versions, and the date (UTC)."""
    return {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory_gib": str(_memory_gib()),
        "python": platform.python_version(),
        "ortools": _version("ortools"),
        "highspy": _version("highspy"),
        "spopt": _version("spopt"),
        "pulp": _version("pulp"),
        "numpy": _version("numpy"),
    }


def facts_markdown(values: dict[str, str]) -> str:
    """One line of machine facts for a markdown section."""
    return (
        f"Machine: {values['cores']} cores ({values['cpu']}), {values['memory_gib']} GiB; "
        f"Python {values['python']}, OR-Tools {values['ortools']}, highspy {values['highspy']}, "
        f"spopt {values['spopt']}, PuLP {values['pulp']}; run {values['date']}."
    )
