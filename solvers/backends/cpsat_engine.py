"""The engine as CP-SAT's start (:mod:`solvers.backends.cpsat_start`), and the CP-SAT backend
``solvers.solve`` runs.

The engine (:func:`gpuplace.solvers.engine.run.run_engine`: Lagrangian bound,
plans from restricted models, on small models the exact MIP) runs on the
presolved model for :data:`ENGINE_SHARE` of the time left, at most
:data:`ENGINE_MAX_S`. This module sits above both the engine and the backends
(the engine reaches the exact backends through its fallbacks), so only the
entry point (:func:`gpuplace.solvers.api.solve`) builds a CP-SAT backend with
it; CP-SAT run as a fallback inside the engine starts from a greedy plan.
"""

from __future__ import annotations

import time

from gpuplace.solvers.backends.base import Backend, Run
from gpuplace.solvers.backends.cpsat import CpSatBackend
from gpuplace.solvers.backends.cpsat_start import EngineStart
from gpuplace.solvers.backends.prepared import Prepared
from gpuplace.solvers.engine.run import run_engine

__all__ = ["ENGINE_MAX_S", "ENGINE_SHARE", "engine_start", "make_backend"]

ENGINE_SHARE = 0.3
ENGINE_MAX_S = 20.0


def engine_start(run: Run, prepared: Prepared) -> EngineStart:
    """Run the engine on ``prepared.model`` for its share of the time (notes go to ``run``)."""
    share = min(ENGINE_SHARE * run.remaining_s(), ENGINE_MAX_S)
    if share < 0.2 or run.should_stop():
        return EngineStart(None, None)
    began = time.perf_counter()
    result = run_engine(
        prepared.model,
        prepared.instance,
        run.params,
        deadline=began + share,
        warm=prepared.start,
    )
    model = prepared.model
    value = None if result.values is None else float(model.c @ result.values + model.c0)
    run.notes.append(
        "engine start: "
        + ("no plan" if value is None else f"plan {value:.6g}")
        + ("" if result.bound is None else f", bound {result.bound:.6g}")
    )
    return EngineStart(result.values, result.bound)


def make_backend(cls: type[Backend]) -> Backend:
    """An instance of ``cls``; CP-SAT with the engine as its start."""
    return cls(engine=engine_start) if issubclass(cls, CpSatBackend) else cls()
