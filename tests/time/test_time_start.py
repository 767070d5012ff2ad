"""The peak-sized plan lifted to the periods: a plan of the periodic scenario, its warm start."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.scenario import load_instance
from gpuplace.scenario.time import peak_sized
from gpuplace.solvers.backends.solution import warm_start_vector
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.time_start import lift
from support.time_cases import write_phased_scenario, write_time_scenario


def test_lifted_peak_plan_holds_every_row(tmp_path: Path) -> None:
    inst = load_instance(write_time_scenario(tmp_path))
    peak = peak_sized(inst)
    solution = solvers.solve(peak, solver="highs")
    lifted = lift(inst, peak, solution)
    assert lifted is not None and lifted.objective == pytest.approx(2000.0)
    model = build_model(inst)
    values = warm_start_vector(model, inst, lifted)
    assert model.violations(values, tol=1e-7) == {}
    assert np.allclose(lifted.pair_share, 1.0)
    # the solve from it ends at the shared pool
    assert solvers.solve(inst, solver="highs", warm_start=lifted).objective == pytest.approx(1200.0)


def test_no_lift_with_phases(tmp_path: Path) -> None:
    inst = load_instance(write_phased_scenario(tmp_path))
    assert lift(inst, inst, solvers.solve(inst, solver="highs")) is None
