"""A family registered from outside the package: honoured by the default solver, checked by
the verifier; one without its own check is refused at registration."""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.solvers.constraints import register_constraint, register_family
from gpuplace.solvers.constraints.registry import custom_kinds, extension_families, families
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters
from gpuplace.solvers.verify import verify_plan
from support.solver_cases import base

EXACT = SolveParameters(time_limit_s=30, gap=0.0, threads=1, seed=0)
SETTINGS = {"time_limit_s": 30, "gap": 0.0, "threads": 1, "seed": 0}
SCENARIO = "extension-family-test"  # the family applies to instances of this name only


class SiteOneStaysShut:
    """Site ``s1`` stays closed:  open_{s1} <= 0 (one coupling row, no decomposition role)."""

    name = "test_site_one_stays_shut"

    def applies(self, instance) -> bool:
        return instance.name == SCENARIO

    def add(self, model, instance) -> None:
        row = np.zeros((1, instance.n_sites))
        row[0, instance.site_ids.index("s1")] = 1.0
        model.add_rows(self.name, [(model.var("open"), row)], ub=0.0)

    def check(self, instance, plan: dict) -> list[str]:
        # Independent of add(): the plan's site rows and assignments only.
        used = any(s["id"] == "s1" and s.get("open", True) for s in plan["sites"])
        used |= any(a["site"] == "s1" for a in plan["assignments"])
        return ["site s1 is used but must stay shut"] if used else []


if SiteOneStaysShut.name not in families():
    register_family(SiteOneStaysShut())


def _plan(instance):
    solution = solvers.solve(instance, params=EXACT)
    return solution, build_plan(instance, solution, solver_settings=SETTINGS)


def test_the_default_solver_honours_the_family():
    plain, _ = _plan(base())
    assert plain.objective == pytest.approx(110.0)  # s1 alone
    instance = base(name=SCENARIO)
    assert [f.name for f in extension_families(instance)] == [SiteOneStaysShut.name]
    solution, plan = _plan(instance)
    assert solution.backend == "auto"
    assert solution.objective == pytest.approx(160.0)  # everything moves to s0
    assert solution.open_sites.tolist() == [True, False]
    assert verify_plan(instance, plan) == []


def test_the_verifier_reports_a_plan_breaking_the_family():
    _, plan = _plan(base())  # the plan opens s1
    broken = verify_plan(base(name=SCENARIO), plan)
    assert [(v.constraint, v.subject) for v in broken] == [
        (f"family:{SiteOneStaysShut.name}", SiteOneStaysShut.name)
    ]
    assert "must stay shut" in broken[0].message
    assert verify_plan(base(), plan) == []  # where the family does not apply, nothing


def test_a_family_without_check_is_refused():
    class Unchecked:
        name = "test_unchecked_family"

        def applies(self, instance) -> bool:
            return True

        def add(self, model, instance) -> None:
            return None

    with pytest.raises(TypeError, match="test_unchecked_family.*has no check"):
        register_family(Unchecked())
    assert "test_unchecked_family" not in families()


def test_a_kind_without_check_is_refused():
    with pytest.raises(TypeError, match="test_unchecked_kind.*has no check"):

        @register_constraint("test_unchecked_kind")
        class Unchecked:
            def __init__(self, params: dict, where: str) -> None:
                self.name = "test_unchecked_kind"

    assert "test_unchecked_kind" not in custom_kinds()
