"""Custom kind ``max_gpus_per_country``: cap the GPUs (existing + new) in one country.

Scenario::

    [[constraints.custom]]
    kind = "max_gpus_per_country"
    params = { country = "SG", max_gpus = 64 }

Formulation, with S_c the sites whose country is c::

    Σ_{s in S_c} Σ_t (E_st + g_st)  <=  max_gpus
"""

from __future__ import annotations

import numpy as np

from gpuplace.solvers.constraints.base import param_error, require_params
from gpuplace.solvers.constraints.registry import register_constraint
from gpuplace.solvers.model.builder import ModelBuilder
from gpuplace.solvers.verify.parsed import parse_plan
from gpuplace.solvers.verify.tolerance import excess

__all__ = ["CHECK_TOL", "MaxGpusPerCountry"]

CHECK_TOL = 1e-6


@register_constraint("max_gpus_per_country")
class MaxGpusPerCountry:
    """At most ``max_gpus`` GPUs in sites of ``country``."""

    def __init__(self, params: dict, where: str) -> None:
        require_params(params, f"{where}.params", {"country": str, "max_gpus": int})
        if params["max_gpus"] < 0:
            raise param_error(f"{where}.params.max_gpus", "must be >= 0")
        self.country = params["country"]
        self.max_gpus = int(params["max_gpus"])
        self.where = where
        self.name = f"max_gpus_per_country[{self.country}]"

    def applies(self, instance) -> bool:
        return True

    def add(self, model: ModelBuilder, instance) -> None:
        in_country = np.array([c == self.country for c in instance.site_country], dtype=float)
        row = np.repeat(in_country, instance.n_types)[None, :]
        existing = float((instance.site_existing_gpus.sum(axis=1) * in_country).sum())
        model.add_rows(self.name, [(model.var("gpus"), row)], ub=self.max_gpus - existing)

    def check(self, instance, plan: dict) -> list[str]:
        """GPUs held (existing + new) at the plan's sites in ``country``, read from the plan."""
        gpus = parse_plan(instance, plan).gpus.sum(axis=1)
        total = float(
            sum(g for g, c in zip(gpus, instance.site_country, strict=True) if c == self.country)
        )
        if excess(total, float(self.max_gpus), CHECK_TOL):
            return [f"{self.where}: {total:g} GPUs in {self.country}, at most {self.max_gpus}"]
        return []
