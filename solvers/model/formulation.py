"""Build the placement model of an instance: core variables, constraint pieces, objective.

Steps (each a named function so extensions can reuse them):

1. :func:`solvers.model.core.add_core_variables` — open, gpus, share, unserved;
2. every registered family whose ``applies(instance)`` is true, in
   registration order, then the instance's ``[[constraints.custom]]`` pieces;
3. :func:`solvers.model.objective.add_objective`.

A caller may pass extra pieces (objects with ``applies``/``add``) to add rows
between build steps without registering them.

``model.meta["roles"]`` maps each family that added rows to the role it declares
in the engine's decomposition (a piece's ``decomposition`` attribute: ``"region"``,
``"site"`` or ``"coupling"``, the default; see :mod:`gpuplace.solvers.engine.structure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints.registry import all_pieces
from gpuplace.solvers.model.builder import LinearModel, ModelBuilder
from gpuplace.solvers.model.core import add_core_variables
from gpuplace.solvers.model.objective import add_objective

__all__ = ["build_model", "make_builder"]


def make_builder(instance: Instance, quanta: int | None = None) -> ModelBuilder:
    """A builder holding the core variables of ``instance`` (no rows yet)."""
    builder = ModelBuilder(instance)
    add_core_variables(builder, instance, quanta=quanta)
    return builder


def build_model(
    instance: Instance,
    extra_pieces: Sequence[Any] = (),
    quanta: int | None = None,
) -> LinearModel:
    """The full linear model of ``instance``.

    Parameters
    ----------
    instance
        The instance.
    extra_pieces
        Additional pieces applied after the registered ones.
    quanta
        Share quanta per region for integer-only backends (default
        :func:`solvers.model.core.share_quanta`).

    Raises
    ------
    InputError
        Unknown custom kinds, bad custom parameters, unsupported flags.
    """
    builder = make_builder(instance, quanta=quanta)
    roles = builder.meta.setdefault("roles", {})
    for piece in list(all_pieces(instance)) + list(extra_pieces):
        if piece.applies(instance):
            piece.add(builder, instance)
            roles[piece.name] = getattr(piece, "decomposition", "coupling")
    builder.meta["extra_families"] = tuple(p.name for p in extra_pieces if p.applies(instance))
    add_objective(builder, instance)
    return builder.build()
