"""The constraint-piece interface.

A *piece* adds one constraint family to the model:

- ``name: str`` — the family name (used in diagnosis and messages);
- ``applies(instance) -> bool`` — whether the family is active for an instance;
- ``add(model: ModelBuilder, instance) -> None`` — add variable/constraint
  blocks (vectorised: numpy / scipy.sparse, no loop per pair);
- ``decomposition`` (optional) — ``"region"``, ``"site"`` or ``"coupling"`` (the
  default): where the engine may put the family's rows
  (:mod:`gpuplace.solvers.engine.structure`);
- ``check(instance, plan: dict) -> list[str]`` — recompute the constraint from
  the plan dict (PLAN.md) and the instance *inputs*, sharing no code with
  ``add``; one message per violation, empty when satisfied. The verifier
  (:func:`gpuplace.solvers.verify.verify_plan`) runs it.

Built-in families are modules exposing ``name``, ``applies`` and ``add``: their
rules live in the verifier, once (``survive_site_failure``'s ``check`` is the
verifier's rule, for the resilience tools). A family registered from outside
(:func:`solvers.constraints.registry.register_family`) and every custom kind
must supply ``check``. Custom kinds (``[[constraints.custom]]``) are classes
constructed as ``Kind(params, where)`` whose constructor validates ``params``
(raising ``InputError`` naming ``where``), registered with
:func:`solvers.constraints.registry.register_constraint`.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from gpuplace.errors import InputError, Problem

__all__ = ["CheckedPiece", "ConstraintPiece", "param_error", "require_params", "scenario_file"]


@runtime_checkable
class ConstraintPiece(Protocol):
    """What the model builder needs of every piece."""

    name: str

    def applies(self, instance: Any) -> bool: ...

    def add(self, model: Any, instance: Any) -> None: ...


@runtime_checkable
class CheckedPiece(ConstraintPiece, Protocol):
    """A piece with its own independent check (registered families, custom kinds)."""

    def check(self, instance: Any, plan: dict) -> list[str]: ...


def scenario_file(instance: Any) -> str:
    """The scenario file to name in error messages."""
    return getattr(instance, "scenario_path", "") or "<scenario>"


def param_error(where: str, what: str, file: str = "<scenario>") -> InputError:
    """An InputError about ``where.params`` of a custom constraint."""
    return InputError([Problem(file, where, what)])


def require_params(
    params: dict, where: str, spec: dict[str, type | tuple[type, ...]], file: str = "<scenario>"
) -> dict:
    """Validate that ``params`` has exactly the keys of ``spec`` with the given types.

    Numbers given as int where float is expected are accepted. Returns the params.
    """
    problems = []
    for key in params:
        if key not in spec:
            problems.append(
                Problem(file, f"{where}.{key}", f"unknown parameter (expected: {', '.join(spec)})")
            )
    for key, kind in spec.items():
        if key not in params:
            problems.append(Problem(file, f"{where}.{key}", "missing parameter"))
            continue
        value = params[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok and float in kinds and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            names = " or ".join(k.__name__ for k in kinds)
            problems.append(Problem(file, f"{where}.{key}", f"must be {names}, got {value!r}"))
    if problems:
        raise InputError(problems)
    return params
