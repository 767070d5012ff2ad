"""Sovereignty: a region's demand is served only in its allowed countries.

Formulation: no rows. Candidate pairs (``instance.pair_*``) are built by
``scenario.build`` from ``allowed_countries`` when ``sovereignty`` is on, so
disallowed (r, s) pairs have no share variable at all. The check recomputes
it from the inputs.
"""

from __future__ import annotations

from gpuplace.solvers.constraints import _plan
from gpuplace.solvers.model.builder import ModelBuilder

name = "sovereignty"


def applies(instance) -> bool:
    return False  # enforced by the candidate pairs, nothing to add


def add(model: ModelBuilder, instance) -> None:
    return None


def check(instance, plan: dict) -> list[str]:
    if not instance.constraints.sovereignty:
        return []
    out = []
    for r, s, _share in _plan.assignments(instance, plan):
        allowed = instance.region_allowed_countries[r]
        if allowed is not None and instance.site_country[s] not in allowed:
            out.append(
                f"region {instance.region_ids[r]} served by site {instance.site_ids[s]} in "
                f"{instance.site_country[s] or '?'}, allowed: {';'.join(sorted(allowed))}"
            )
    return out
