"""Constraint families (one module each) and the registry of custom kinds."""

from gpuplace.solvers.constraints.base import ConstraintPiece
from gpuplace.solvers.constraints.registry import (
    all_pieces,
    custom_kinds,
    families,
    register_constraint,
    register_family,
)

__all__ = [
    "ConstraintPiece",
    "all_pieces",
    "custom_kinds",
    "families",
    "register_constraint",
    "register_family",
]
