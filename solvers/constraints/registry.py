"""Registry of constraint families (built-in) and custom constraint kinds.

- Families (:func:`register_family`) are always considered; each decides with
  ``applies(instance)`` whether it adds rows. The built-in families (this
  package's modules, :data:`BUILTIN_FAMILIES`) have no ``check``: the verifier
  (:mod:`gpuplace.solvers.verify`) holds their rules. Every other family must
  supply ``check(instance, plan)``, its independent check, which the verifier
  runs whenever the family applies; one without it is refused at registration.
- Custom kinds (:func:`register_constraint`) are named by scenarios in
  ``[[constraints.custom]]`` and built as ``Kind(params, where)``; a kind
  must supply ``check`` too, which the verifier runs for every piece.
- Third-party packages expose kinds through the entry-point group
  ``gpuplace.constraints`` (each entry point loads a module or class; loading
  it is enough when it registers itself with the decorator, and a loaded
  class with a ``kind`` attribute is registered under that kind).

Examples
--------
>>> from gpuplace.solvers.constraints.registry import register_constraint, custom_kinds
>>> @register_constraint("doc_example_kind")
... class DocExample:
...     def __init__(self, params, where):
...         self.name = "custom:doc_example_kind"
...     def applies(self, instance): return True
...     def add(self, model, instance): pass
...     def check(self, instance, plan): return []
>>> "doc_example_kind" in custom_kinds()
True
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, cast

from gpuplace.errors import InputError, Problem
from gpuplace.solvers.constraints.base import CheckedPiece, ConstraintPiece, scenario_file

__all__ = [
    "BUILTIN_CUSTOM",
    "BUILTIN_FAMILIES",
    "ENTRY_POINT_GROUP",
    "active_families",
    "all_pieces",
    "custom_kinds",
    "custom_pieces",
    "extension_families",
    "families",
    "register_constraint",
    "register_family",
]

ENTRY_POINT_GROUP = "gpuplace.constraints"

# Built-in family modules, in the order their rows are added.
BUILTIN_FAMILIES = (
    "assignment",
    "linking",
    "capacity",
    "phases",
    "periods",
    "serving",
    "power",
    "space",
    "site_status",
    "min_gpus",
    "site_count",
    "budget",
    "redundancy",
    "single_sourcing",
    "sovereignty",
    "link_capacity",
    "period_links",
    "phase_limits",
    "survivability",
    "contracts",
    "carbon",
)
BUILTIN_CUSTOM = ("max_gpus_per_country", "max_share_through_link")

_families: dict[str, ConstraintPiece] = {}
_builtin: dict[str, Any] = {}  # name -> module of the built-in families
_custom: dict[str, Callable[[dict, str], CheckedPiece]] = {}
_loaded = False  # set once every built-in is registered, never before
_loading = False  # true while the thread holding _load_lock imports them
_load_lock = threading.RLock()


def _require_check(obj: Any, what: str) -> None:
    if not callable(getattr(obj, "check", None)):
        raise TypeError(
            f"{what} has no check(instance, plan): a family or kind registered from outside "
            "gpuplace must supply its independent check, which the verifier runs on every plan"
        )


def _add_family(piece: Any, key: str, replace: bool) -> None:
    if key in _families and not replace and _families[key] is not piece:
        raise ValueError(f"constraint family {key!r} is already registered")
    _families[key] = piece


def register_family(piece: Any, name: str | None = None, replace: bool = False) -> Any:
    """Register a constraint family (an object or module with the piece interface).

    Parameters
    ----------
    piece
        Object with ``name``, ``applies``, ``add`` and ``check(instance, plan) ->
        list[str]`` (one message per violation, recomputed from the plan dict and the
        instance's inputs; :func:`gpuplace.solvers.verify.verify_plan` runs it).
    name
        Registry key; defaults to ``piece.name``.
    replace
        Allow replacing an existing family of the same name.

    Raises
    ------
    TypeError
        ``piece`` has no callable ``check``.
    ValueError
        A family of that name is registered already (and ``replace`` is false).
    """
    key = name or piece.name
    _require_check(piece, f"constraint family {key!r}")
    _add_family(piece, key, replace)
    return piece


def register_constraint(kind: str, replace: bool = False) -> Callable[[type], type]:
    """Class decorator registering a custom constraint kind for ``[[constraints.custom]]``.

    The class is constructed as ``cls(params: dict, where: str)``; its
    constructor validates ``params`` and raises ``InputError`` naming ``where``.
    It must define ``check(instance, plan)`` (else ``TypeError``).
    """

    def decorator(cls: type) -> type:
        _require_check(cls, f"constraint kind {kind!r}")
        if kind in _custom and not replace and _custom[kind] is not cls:
            raise ValueError(f"constraint kind {kind!r} is already registered")
        _custom[kind] = cls
        if not hasattr(cls, "kind"):
            cls.kind = kind  # type: ignore[attr-defined]
        return cls

    return decorator


def _load_builtins() -> None:
    """Import the built-in families and kinds and the entry points, once per process.

    Thread-safe: other threads wait under the lock until loading is complete, so
    none sees a partial registry (a model missing families). A call from within
    loading (a module that asks the registry while it is imported) returns at once.
    """
    global _loaded, _loading
    if _loaded:
        return
    with _load_lock:
        if _loaded or _loading:
            return
        _loading = True
        try:
            _import_builtins()
        finally:
            _loading = False
        _loaded = True


def _import_builtins() -> None:
    for module in BUILTIN_FAMILIES:
        mod = importlib.import_module(f"gpuplace.solvers.constraints.{module}")
        _builtin[mod.name] = mod
        if mod.name not in _families:
            _add_family(mod, mod.name, replace=False)
    for module in BUILTIN_CUSTOM:
        importlib.import_module(f"gpuplace.solvers.constraints.{module}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        kind = getattr(obj, "kind", None)
        if isinstance(obj, type) and isinstance(kind, str) and kind not in _custom:
            register_constraint(kind)(obj)


def families() -> dict[str, ConstraintPiece]:
    """All registered families by name (built-ins first)."""
    _load_builtins()
    return dict(_families)


def extension_families(instance: Any) -> list[CheckedPiece]:
    """The registered families other than the built-in modules that apply to ``instance``.

    Each brings its own ``check`` (the built-ins' rules are the verifier's); a
    family registered under a built-in name with ``replace=True`` is not the
    built-in one, so it is listed too.
    """
    return [
        cast(CheckedPiece, piece)
        for key, piece in families().items()
        if _builtin.get(key) is not piece and piece.applies(instance)
    ]


def custom_kinds() -> dict[str, Callable[[dict, str], CheckedPiece]]:
    """All registered custom constraint kinds by name."""
    _load_builtins()
    return dict(_custom)


def active_families(instance: Any) -> list[ConstraintPiece]:
    """The registered families that apply to ``instance``, in registration order.

    Raises
    ------
    InputError
        ``survive_site_failure`` is set but no family handles it.
    """
    fams = families()
    if instance.constraints.survive_site_failure and "survive_site_failure" not in fams:
        raise InputError(
            [
                Problem(
                    scenario_file(instance),
                    "constraints.survive_site_failure",
                    "no constraint family 'survive_site_failure' is registered in this version; "
                    "set it to false",
                )
            ]
        )
    return [piece for piece in fams.values() if piece.applies(instance)]


def custom_pieces(instance: Any) -> list[CheckedPiece]:
    """Build the pieces for ``instance.constraints.custom`` (validated).

    Raises
    ------
    InputError
        An unknown kind (naming ``constraints.custom[i].kind`` and the known
        kinds) or invalid parameters; all problems are reported together.
    """
    kinds = custom_kinds()
    pieces: list[CheckedPiece] = []
    problems: list[Problem] = []
    file = scenario_file(instance)
    for i, spec in enumerate(instance.constraints.custom):
        where = spec.where or f"constraints.custom[{i}]"
        factory = kinds.get(spec.kind)
        if factory is None:
            known = ", ".join(sorted(kinds)) or "none"
            problems.append(
                Problem(
                    file, f"{where}.kind", f"unknown constraint kind {spec.kind!r} (known: {known})"
                )
            )
            continue
        try:
            pieces.append(factory(dict(spec.params), where))
        except InputError as error:
            problems.extend(
                Problem(file if p.file == "<scenario>" else p.file, p.where, p.what)
                for p in error.problems
            )
    if problems:
        raise InputError(problems)
    return pieces


def all_pieces(instance: Any) -> list[ConstraintPiece]:
    """Active families followed by the instance's custom pieces."""
    return active_families(instance) + custom_pieces(instance)
