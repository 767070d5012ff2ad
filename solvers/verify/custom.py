"""Custom constraints named in the scenario: each kind's own ``check(instance, plan)``."""

from __future__ import annotations

import importlib

from gpuplace.errors import InputError
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.violation import Violation


def check_custom(instance: Instance, plan: dict) -> list[Violation]:
    """Run each ``[[constraints.custom]]`` piece's check (one violation per message).

    Skipped when no constraint registry is installed; an unknown kind or bad
    parameters become violations naming the scenario key.
    """
    specs = instance.constraints.custom
    if not specs:
        return []
    try:
        registry = importlib.import_module("gpuplace.solvers.constraints.registry")
    except ModuleNotFoundError:
        return []
    try:
        pieces = registry.custom_pieces(instance)
    except InputError as error:
        return [Violation("custom", p.where, p.what) for p in error.problems]
    out = []
    for spec, piece in zip(specs, pieces, strict=True):
        for message in piece.check(instance, plan) or ():
            out.append(Violation(f"custom:{spec.kind}", spec.where, str(message)))
    return out
