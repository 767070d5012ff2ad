"""The independent verifier: recomputes every rule of a plan from the scenario's inputs.

It shares no code with model building and never reads ``topo.latency`` or
``instance.pair_*``: latency comes from geopy great circles and networkx
Dijkstra on a graph built from ``instance.topology``.
"""

from gpuplace.solvers.verify.core import verify_plan
from gpuplace.solvers.verify.schema import PLAN_SCHEMA, schema_problems
from gpuplace.solvers.verify.violation import Violation

__all__ = ["PLAN_SCHEMA", "Violation", "schema_problems", "verify_plan"]
