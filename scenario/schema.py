"""The scenario TOML schema: every section and key, its type and its allowed range.

:func:`validate_settings` checks a parsed (and overridden) TOML document against
it, reports every problem and returns the typed settings.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.instance import (
    Constraints,
    CustomConstraintSpec,
    LatencySettings,
    Objective,
    SolverSettings,
)

__all__ = [
    "Key",
    "MAX_MAGNITUDE",
    "MIN_MAGNITUDE",
    "MONEY_SECTIONS",
    "NON_NEGATIVE",
    "POSITIVE",
    "REQUIRED_SECTIONS",
    "Rule",
    "SCHEMA",
    "SECTIONS",
    "SERVING_SECTIONS",
    "SOLVER_SECTIONS",
    "ScenarioSettings",
    "all_keys",
    "check_value",
    "key_spec",
    "normalised",
    "suggest",
    "validate_settings",
]

Rule = Callable[[Any], str | None]


def _at_least(low: float, strict: bool = False) -> Rule:
    def rule(value: Any) -> str | None:
        bad = value <= low if strict else value < low
        return f"must be {'>' if strict else '>='} {low:g}, got {value!r}" if bad else None

    return rule


def _between(low: float, high: float, low_open: bool, high_open: bool) -> Rule:
    def rule(value: Any) -> str | None:
        bad_low = value <= low if low_open else value < low
        bad_high = value >= high if high_open else value > high
        if bad_low or bad_high:
            left, right = "<" if low_open else "<=", "<" if high_open else "<="
            return f"must satisfy {low:g} {left} value {right} {high:g}, got {value!r}"
        return None

    return rule


def _one_of(*choices: str) -> Rule:
    def rule(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}, got {value!r}"

    return rule


@dataclass(frozen=True)
class Key:
    """One TOML key: ``kind`` is str | number | int | bool | custom."""

    kind: str
    required: bool = False
    rule: Rule | None = None


POSITIVE = _at_least(0.0, strict=True)
NON_NEGATIVE = _at_least(0.0)
# Money and quantities stay where the solvers compute exactly: 0, or 1e-6 to 1e12
# (the same range as in the tables, SCENARIO.md "Numbers").
MIN_MAGNITUDE, MAX_MAGNITUDE = 1e-6, 1e12


def _amount(value: Any) -> str | None:
    low = NON_NEGATIVE(value)
    if low is not None:
        return low
    if value != 0 and not MIN_MAGNITUDE <= value <= MAX_MAGNITUDE:
        return (
            f"is outside the numeric range the solvers handle exactly (0, or "
            f"{MIN_MAGNITUDE:g} to {MAX_MAGNITUDE:g}), got {value!r}"
        )
    return None


SCHEMA: dict[str, dict[str, Key]] = {
    "": {"name": Key("str", required=True), "description": Key("str")},
    "topology": {
        "file": Key("str", required=True),
        "fibre_km_per_ms": Key("number", rule=POSITIVE),
        "link_route_factor": Key("number", rule=POSITIVE),
        "per_hop_ms": Key("number", rule=NON_NEGATIVE),
    },
    "sites": {"file": Key("str", required=True)},
    "regions": {
        "file": Key("str", required=True),
        "access_route_factor": Key("number", rule=POSITIVE),
        "gbps_per_unit": Key("number", rule=_amount),
    },
    "gpus": {"file": Key("str", required=True)},
    # serving models (SCENARIO.md, "Serving models"): all five or none
    "models": {"file": Key("str", required=True)},
    "deployments": {"file": Key("str", required=True)},
    "profiles": {"file": Key("str", required=True)},
    "slo": {"file": Key("str", required=True)},
    "demand": {"file": Key("str", required=True)},
    # periods of the day and phases (SCENARIO.md, "Time")
    "time": {
        "periods": Key("str"),
        "profile": Key("str"),
        "factors": Key("str"),
        "reference_date": Key("str"),
        "peak_baseline": Key("bool"),
        "phases": Key("str"),
        "site_phases": Key("str"),
    },
    # money (SCENARIO.md, "Money"): the bill, contracts and the on-demand pool
    "money": {
        "lifetime_years": Key("number", rule=_between(0.0, 100.0, True, False)),
        "discount_rate": Key("number", rule=_between(0.0, 1.0, False, True)),
        "hours_per_year": Key("number", rule=_between(0.0, 8784.0, True, False)),
        "idle_power_fraction": Key("number", rule=_between(0.0, 1.0, False, False)),
        "price_kwh": Key("number", rule=_amount),
        "grid_gco2_kwh": Key("number", rule=_amount),
        "energy": Key("str"),
        "carbon_cap_t": Key("number", rule=_amount),
    },
    "contracts": {"file": Key("str", required=True)},
    "ondemand": {"file": Key("str", required=True)},
    "latency": {
        "matrix": Key("str"),
        "matrix_only": Key("bool"),
        "measured": Key("str"),
        "calibration": Key("str"),
        "sla_margin_percentile": Key("number", rule=_between(0.0, 100.0, True, True)),
    },
    "constraints": {
        "budget": Key("number", rule=_amount),
        "max_sites": Key("int", rule=NON_NEGATIVE),
        "min_sites": Key("int", rule=NON_NEGATIVE),
        "min_gpus_per_site": Key("int", rule=NON_NEGATIVE),
        "max_utilisation": Key("number", rule=_between(0.0, 1.0, True, False)),
        "single_sourcing": Key("bool"),
        "redundancy": Key("int", rule=_at_least(1)),
        "survive_site_failure": Key("bool"),
        "failover_sla_factor": Key("number", rule=_at_least(1)),
        "link_capacity": Key("bool"),
        "sovereignty": Key("bool"),
        "allow_unserved": Key("bool"),
        "unserved_penalty": Key("number", rule=_amount),
        "custom": Key("custom"),
    },
    "objective": {
        "kind": Key("str", rule=_one_of("cost", "latency", "served", "profit")),
        "latency_weight": Key("number", rule=_amount),
    },
    "solver": {
        "name": Key("str"),
        "time_limit_s": Key("number", rule=POSITIVE),
        "gap": Key("number", rule=_between(0.0, 1.0, False, True)),
        "threads": Key("int", rule=_at_least(1)),
        "seed": Key("int", rule=NON_NEGATIVE),
    },
}
REQUIRED_SECTIONS = ("topology", "sites", "regions", "gpus")
SERVING_SECTIONS = ("models", "deployments", "profiles", "slo", "demand")
SECTIONS = tuple(name for name in SCHEMA if name)
# Sections that do not describe the problem, only how to solve it: left out of the hash.
SOLVER_SECTIONS = ("solver",)
MONEY_SECTIONS = ("money", "contracts", "ondemand")


@dataclass(frozen=True)
class ScenarioSettings:
    """The typed content of a valid scenario TOML."""

    name: str
    description: str
    topology_file: str
    sites_file: str
    regions_file: str
    gpus_file: str
    matrix_file: str | None
    matrix_only: bool
    regions_gbps_per_unit: float
    latency: LatencySettings
    constraints: Constraints
    objective: Objective
    solver: SolverSettings
    measured_file: str | None = None
    calibration_file: str | None = None
    # the serving tables by section name (models, deployments, profiles, slo, demand), or None
    serving_files: dict[str, str] | None = None
    # [money] as validated (None without it), and the contracts / on-demand tables
    money: dict[str, Any] | None = None
    money_files: dict[str, str] | None = None


def key_spec(dotted: str) -> Key | None:
    """The schema entry of a dotted key (``"constraints.budget"``, ``"name"``), or None."""
    section, _, key = dotted.rpartition(".")
    return SCHEMA.get(section, {}).get(key)


def all_keys() -> list[str]:
    """Every dotted key the schema knows."""
    return [f"{s}.{k}" if s else k for s, keys in SCHEMA.items() for k in keys]


def suggest(name: str, known: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for a close match, else an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def normalised(data: dict[str, Any]) -> dict[str, Any]:
    """A copy where every ``number`` key holds a float, so ``5`` and ``5.0`` hash alike."""

    def fix(section: str, table: dict[str, Any]) -> dict[str, Any]:
        keys = SCHEMA.get(section, {})
        out = {}
        for key, value in table.items():
            spec = keys.get(key)
            if isinstance(value, dict) and not section and key in SCHEMA:
                value = fix(key, value)
            elif spec is not None and spec.kind == "number" and type(value) is int:
                value = float(value)
            out[key] = value
        return out

    return fix("", data)


def check_value(spec: Key, value: Any) -> str | None:
    """What is wrong with ``value`` for ``spec``, or None."""
    kind = spec.kind
    if kind == "str":
        if not isinstance(value, str):
            return f"must be a string, got {value!r}"
        if spec.required and not value.strip():
            return "must not be empty"
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"must be true or false, got {value!r}"
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be an integer, got {value!r}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, got {value!r}"
        if not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
    if spec.rule is not None:
        return spec.rule(value)
    return None


def _custom_specs(value: Any, file: str, problems: ProblemCollector) -> tuple:
    if not isinstance(value, list):
        problems.add(
            file, "constraints.custom", "must be an array of tables ([[constraints.custom]])"
        )
        return ()
    specs = []
    for i, entry in enumerate(value):
        where = f"constraints.custom[{i}]"
        if not isinstance(entry, dict):
            problems.add(file, where, f"must be a table, got {entry!r}")
            continue
        kind = entry.get("kind")
        if not isinstance(kind, str) or not kind.strip():
            problems.add(file, f"{where}.kind", "every custom constraint needs a string 'kind'")
            continue
        # Parameters go in a `params` table (as in docs/extending.md); plain keys beside
        # `kind` are accepted too.
        nested = entry.get("params", {})
        if not isinstance(nested, dict):
            problems.add(file, f"{where}.params", f"must be a table, got {nested!r}")
            continue
        flat = {k: v for k, v in entry.items() if k not in ("kind", "params")}
        params = {**flat, **nested}
        specs.append(CustomConstraintSpec(kind=kind.strip(), params=params, where=where))
    return tuple(specs)


def _check_section(
    section: str, table: Any, file: str, problems: ProblemCollector
) -> dict[str, Any]:
    keys = SCHEMA[section]
    if not isinstance(table, dict):
        problems.add(file, section, f"must be a table ([{section}]), got {table!r}")
        return {}
    good: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{section}.{key}" if section else key
        spec = keys.get(key)
        if spec is None:
            if section or key not in SECTIONS:
                problems.add(file, dotted, f"unknown key '{dotted}'{suggest(key, list(keys))}")
            continue
        if spec.kind == "custom":
            good[key] = _custom_specs(value, file, problems)
            continue
        wrong = check_value(spec, value)
        if wrong:
            problems.add(file, dotted, wrong)
        else:
            good[key] = float(value) if spec.kind == "number" else value
    for key, spec in keys.items():
        if spec.required and key not in table:
            dotted = f"{section}.{key}" if section else key
            problems.add(file, dotted, f"missing required key '{dotted}'")
    return good


def validate_settings(
    data: dict[str, Any], file: str, problems: ProblemCollector
) -> ScenarioSettings | None:
    """Check a TOML document against :data:`SCHEMA`; None when a problem was recorded.

    Every problem is added to ``problems`` (unknown keys with a suggestion, wrong
    types, values out of range, missing required sections and keys).
    """
    before = len(problems.problems)
    top = _check_section("", data, file, problems)
    sections: dict[str, dict[str, Any]] = {}
    for name in SECTIONS:
        if name in data:
            sections[name] = _check_section(name, data[name], file, problems)
        elif name in REQUIRED_SECTIONS:
            problems.add(file, name, f"missing required section [{name}]")
        else:
            sections[name] = {}
    cons = sections.get("constraints", {})
    if "min_sites" in cons and "max_sites" in cons and cons["min_sites"] > cons["max_sites"]:
        problems.add(
            file,
            "constraints.min_sites",
            f"min_sites ({cons['min_sites']}) is larger than max_sites ({cons['max_sites']})",
        )
    lat = sections.get("latency", {})
    if lat.get("matrix_only") and "matrix" not in lat:
        problems.add(file, "latency.matrix_only", "matrix_only = true needs [latency] matrix")
    if "sla_margin_percentile" in lat and "calibration" not in lat:
        problems.add(
            file,
            "latency.sla_margin_percentile",
            "sla_margin_percentile needs [latency] calibration (the error it adds comes from there)",
        )
    serving = _serving_files(data, sections, file, problems)
    money_files = _money_files(data, sections, serving is not None, file, problems)
    if len(problems.problems) > before:
        return None
    topo, regions = sections["topology"], sections["regions"]
    return ScenarioSettings(
        name=top["name"].strip(),
        description=top.get("description", ""),
        topology_file=topo["file"].strip(),
        sites_file=sections["sites"]["file"].strip(),
        regions_file=regions["file"].strip(),
        gpus_file=sections["gpus"]["file"].strip(),
        matrix_file=lat.get("matrix"),
        matrix_only=bool(lat.get("matrix_only", False)),
        regions_gbps_per_unit=regions.get("gbps_per_unit", 0.0),
        latency=LatencySettings(
            **{k: v for k, v in topo.items() if k != "file"},
            **{k: v for k, v in regions.items() if k == "access_route_factor"},
            sla_margin_percentile=lat.get("sla_margin_percentile"),
        ),
        constraints=Constraints(**cons),
        objective=Objective(**sections["objective"]),
        solver=SolverSettings(**sections["solver"]),
        measured_file=lat.get("measured"),
        calibration_file=lat.get("calibration"),
        serving_files=serving,
        money=dict(sections["money"]) if _has_money(data) else None,
        money_files=money_files,
    )


def _has_money(data: dict[str, Any]) -> bool:
    return any(name in data for name in MONEY_SECTIONS)


def _money_files(
    data: dict[str, Any],
    sections: dict[str, dict[str, Any]],
    serving: bool,
    file: str,
    problems: ProblemCollector,
) -> dict[str, str] | None:
    """The money tables named (energy, contracts, on-demand); problems for what they need."""
    if sections.get("objective", {}).get("kind") == "profit" and "money" not in data:
        problems.add(file, "objective.kind", "'profit' needs a [money] section (the bill)")
    files: dict[str, str] = {}
    for name in ("contracts", "ondemand"):
        if name not in data:
            continue
        if not serving:
            problems.add(
                file,
                name,
                f"[{name}] needs serving models ([models], [deployments], [profiles], [slo], "
                "[demand]): it names models and SLO tiers",
            )
        files[name] = str(sections.get(name, {}).get("file", "")).strip()
    energy = sections.get("money", {}).get("energy")
    if energy is not None:
        files["money"] = energy.strip()
    if _has_money(data) and sections.get("constraints", {}).get("survive_site_failure"):
        problems.add(
            file,
            "constraints.survive_site_failure",
            "is not supported with [money] in this version; set it to false",
        )
    if _has_money(data) and "time" in data:
        problems.add(
            file,
            "time",
            "[time] is not supported with [money] in this version (the bill is per year of "
            "one static plan); remove one of them",
        )
    return files or None


def _serving_files(
    data: dict[str, Any], sections: dict[str, dict[str, Any]], file: str, problems: ProblemCollector
) -> dict[str, str] | None:
    """The five serving tables when all are named; a problem when only some are."""
    named = [name for name in SERVING_SECTIONS if name in data]
    if not named:
        return None
    for name in SERVING_SECTIONS:
        if name not in data:
            problems.add(
                file,
                name,
                f"missing section [{name}]: serving models need all of "
                + ", ".join(f"[{s}]" for s in SERVING_SECTIONS),
            )
    if sections.get("constraints", {}).get("survive_site_failure"):
        problems.add(
            file,
            "constraints.survive_site_failure",
            "is not supported with serving models ([deployments]) in this version; set it to false",
        )
    files = {name: str(sections.get(name, {}).get("file", "")).strip() for name in named}
    return files if len(files) == len(SERVING_SECTIONS) else None
