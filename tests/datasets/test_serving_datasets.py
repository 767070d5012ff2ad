"""The bundled APAC serving scenario and the world-scale serving generator.

The committed serving tables are what their script writes; the scenario loads
with its serving tables, solves under the default solver, and its plan passes
the verifier (predicted TTFT of every assignment included). The world generator
turns any world folder into a serving scenario with the same regions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuplace.datasets.apac import build as apac
from gpuplace.datasets.apac import serving as apac_serving
from gpuplace.datasets.world import build_world
from gpuplace.datasets.world_serving import add_serving
from gpuplace.errors import InputError
from gpuplace.pipeline import solve_plan
from gpuplace.scenario import load_instance
from gpuplace.solvers.result import SolveParameters

SERVING = apac.HERE / "serving.toml"


def test_serving_tables_are_what_the_script_writes(tmp_path: Path) -> None:
    path = apac_serving.build_serving(tmp_path)
    assert path == tmp_path / "serving.toml"
    for name in apac_serving.OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (apac.HERE / name).read_bytes(), name
    with pytest.raises(InputError, match="exists; use --force"):
        apac_serving.build_serving(tmp_path)


def test_apac_serving_solves_and_verifies() -> None:
    instance = load_instance(SERVING)
    assert instance.serving is not None
    assert len(instance.serving.model_ids) == 3 and len(instance.serving.tier_ids) == 2
    # solve_plan raises PlanVerificationError unless the verifier accepts the plan
    plan = solve_plan(instance, solver="auto", params=SolveParameters(time_limit_s=60, gap=0.02))
    assert plan.status.value in ("optimal", "feasible")
    assert plan.assignments
    assert all(a.ttft_ms <= a.ttft_target_ms * (1 + 1e-9) for a in plan.assignments)


def test_world_serving_keeps_the_regions(tmp_path: Path) -> None:
    world = build_world(40, 0, tmp_path / "world")
    toml = add_serving(world.parent, rtt_cap_ms=40.0)
    instance = load_instance(toml)
    base = load_instance(world)
    assert instance.serving is not None
    assert set(instance.region_ids) <= set(base.region_ids)
    assert instance.n_sites == base.n_sites
