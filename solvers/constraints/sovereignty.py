"""Sovereignty: a region's demand is served only in its allowed countries.

Formulation: no rows. Candidate pairs (``instance.pair_*``) are built by
``scenario.build`` from ``allowed_countries`` when ``sovereignty`` is on, so
disallowed (r, s) pairs have no share variable at all.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.regions.check_assignments` (violations ``sovereignty``).
"""

from __future__ import annotations

from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "name"]

name = "sovereignty"


def applies(instance) -> bool:
    return False  # enforced by the candidate pairs, nothing to add


def add(model: ModelBuilder, instance) -> None:
    return None
