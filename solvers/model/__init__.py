"""The backend-neutral placement model in matrix form."""

from solvers.model.builder import ConBlock, LinearModel, ModelBuilder, VarBlock
from solvers.model.core import add_core_variables
from solvers.model.formulation import build_model, make_builder
from solvers.model.objective import objective_value, total_cost

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
