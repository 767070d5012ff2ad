"""The backend-neutral placement model in matrix form."""

from gpuplace.solvers.model.builder import ConBlock, LinearModel, ModelBuilder, VarBlock
from gpuplace.solvers.model.core import add_core_variables
from gpuplace.solvers.model.formulation import build_model, make_builder
from gpuplace.solvers.model.objective import objective_value, total_cost

__all__ = [
    "ConBlock",
    "LinearModel",
    "ModelBuilder",
    "VarBlock",
    "add_core_variables",
    "build_model",
    "make_builder",
    "objective_value",
    "total_cost",
]
