"""Custom constraint kinds: one defined here, outside the package, plus the two built-in examples."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.errors import InputError
from gpuplace.scenario.instance import Constraints, CustomConstraintSpec
from gpuplace.solvers.constraints import register_constraint
from gpuplace.solvers.constraints.base import require_params
from gpuplace.solvers.model import ModelBuilder
from gpuplace.solvers.result import SolveParameters, Status
from support.solver_cases import base, linked_instance

EXACT = SolveParameters(time_limit_s=20, gap=0.0, threads=1, seed=0)


@register_constraint("test_max_new_gpus_at_site")
class MaxNewGpusAtSite:
    """At most ``limit`` new GPUs at site ``site``:  Σ_t g_{site,t} <= limit."""

    def __init__(self, params: dict, where: str) -> None:
        require_params(params, f"{where}.params", {"site": str, "limit": int})
        self.site, self.limit = params["site"], params["limit"]
        self.name = f"test_max_new_gpus_at_site[{self.site}]"

    def applies(self, instance) -> bool:
        return True

    def add(self, model: ModelBuilder, instance) -> None:
        s = instance.site_ids.index(self.site)
        row = np.zeros((1, instance.n_sites * instance.n_types))
        row[0, s * instance.n_types : (s + 1) * instance.n_types] = 1.0
        model.add_rows(self.name, [(model.var("gpus"), row)], ub=float(self.limit))

    def check(self, instance, plan: dict) -> list[str]:
        for site in plan.get("sites", []):
            if site["id"] == self.site and sum(site.get("new_gpus", {}).values()) > self.limit:
                return [f"{self.name}: too many new GPUs"]
        return []


def with_custom(*specs: tuple[str, dict], **kwargs):
    custom = tuple(
        CustomConstraintSpec(kind, params, f"constraints.custom[{i}]")
        for i, (kind, params) in enumerate(specs)
    )
    return base(constraints=Constraints(custom=custom, **kwargs))


def test_kind_defined_outside_the_package_binds():
    assert solvers.solve(base(), "highs", EXACT).objective == pytest.approx(110.0)
    inst = with_custom(("test_max_new_gpus_at_site", {"site": "s1", "limit": 4}))
    sol = solvers.solve(inst, "highs", EXACT)
    assert sol.status == Status.OPTIMAL
    assert sol.new_gpus[1].sum() <= 4
    assert sol.objective == pytest.approx(160.0)  # everything moves to s0


@pytest.mark.parametrize("backend", ["cpsat", "scip", "greedy"])
def test_custom_kind_on_every_backend(backend):
    inst = with_custom(("test_max_new_gpus_at_site", {"site": "s1", "limit": 4}))
    sol = solvers.solve(inst, backend, EXACT)
    assert sol.new_gpus[1].sum() <= 4
    assert sol.objective == pytest.approx(160.0)


def test_unknown_kind_names_the_key_and_known_kinds():
    with pytest.raises(InputError) as err:
        solvers.solve(with_custom(("no_such_kind", {})), "highs", EXACT)
    problem = err.value.problems[0]
    assert problem.where == "constraints.custom[0].kind"
    assert "max_gpus_per_country" in problem.what and "no_such_kind" in problem.what


def test_bad_params_are_input_errors():
    with pytest.raises(InputError) as err:
        solvers.solve(
            with_custom(("max_gpus_per_country", {"country": "AU", "max_gpus": "many"})), "highs"
        )
    assert err.value.problems[0].where == "constraints.custom[0].params.max_gpus"
    with pytest.raises(InputError) as err:
        solvers.solve(
            with_custom(("max_share_through_link", {"source": "A", "target": "B"})), "highs"
        )
    assert err.value.problems[0].where == "constraints.custom[0].params.max_fraction"


def test_max_gpus_per_country():
    inst = base(node_country=["AU", "NZ"])
    assert solvers.solve(inst, "highs", EXACT).objective == pytest.approx(110.0)
    spec = CustomConstraintSpec(
        "max_gpus_per_country", {"country": "NZ", "max_gpus": 3}, "constraints.custom[0]"
    )
    capped = dataclasses.replace(inst, constraints=Constraints(custom=(spec,)))
    sol = solvers.solve(capped, "highs", EXACT)
    assert sol.new_gpus[1].sum() <= 3
    assert sol.objective == pytest.approx(160.0)


def test_max_share_through_link():

    inst = linked_instance(float("inf"))
    assert solvers.solve(inst, "highs", EXACT).objective == pytest.approx(110.0)
    spec = CustomConstraintSpec(
        "max_share_through_link",
        {"source": "B", "target": "A", "max_fraction": 0.5},
        "constraints.custom[0]",
    )
    limited = dataclasses.replace(inst, constraints=Constraints(custom=(spec,)))
    sol = solvers.solve(limited, "highs", EXACT)
    # At most 3 of 6 units may come from sb across the link: all of it moves to sa.
    assert sol.open_sites.tolist() == [True, False]
    assert sol.objective == pytest.approx(160.0)


def test_registered_family_is_applied():
    from gpuplace.solvers.constraints.registry import families, register_family

    class OnlyForBigBudgets:
        name = "test_only_site_zero"

        def applies(self, instance):
            return instance.constraints.budget == 12345.0

        def add(self, model, instance):
            row = np.zeros((1, instance.n_sites))
            row[0, 1] = 1.0
            model.add_rows(self.name, [(model.var("open"), row)], ub=0.0)

        def check(self, instance, plan):
            return []

    if "test_only_site_zero" not in families():
        register_family(OnlyForBigBudgets())
    assert solvers.solve(base(), "highs", EXACT).objective == pytest.approx(110.0)
    sol = solvers.solve(base(constraints=Constraints(budget=12345.0)), "highs", EXACT)
    assert sol.objective == pytest.approx(160.0)
