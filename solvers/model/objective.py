"""The objective, as model coefficients and as a float evaluation of a plan's decisions.

With D_k the demand of pair p's item (its region's demand without serving
tables), rtt_p the pair RTT (ms), u_k unserved demand units:

- ``cost`` (minimise, currency units)::

      Σ_s fixed_cost_s open_s + Σ_{s,t} capex_t cost_factor_s g_st
      + latency_weight × Σ_p D_k rtt_p x_p + unserved_penalty × Σ_k u_k

- ``latency`` (minimise, ms): the demand-weighted mean RTT over all demand::

      ( Σ_p D_k rtt_p x_p + unserved_penalty × Σ_k u_k ) / Σ_k D_k

  the penalty term (present only when ``allow_unserved``) keeps "serve
  nothing" from being free; the budget applies as a constraint.
- ``served`` (maximise, demand units)::

      Σ_k (D_k - u_k)

  u_k exists implicitly; the budget applies as a constraint.

With ``[time] periods`` every demand-weighted term (D_k, u_k) counts times the
item's period share of the day ``w_k`` (``instance.item_weight``, 1 without
periods): the day's mean.

- ``profit`` (maximise, currency units a year, needs ``[money]``)::

      revenue − annualised cost − unserved_penalty × Σ_{k of demand.csv} u_k

  with the terms of :mod:`gpuplace.solvers.model.bill`; the budget applies.

Unserved on-demand demand pays no penalty, and contract demand is never
unserved (:func:`gpuplace.scenario.money.may_leave`).

``Solution.objective`` is always :func:`objective_value` of the returned
decisions, so every backend reports the same units.
"""

from __future__ import annotations

import numpy as np

from gpuplace.errors import InputError, Problem
from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import penalised
from gpuplace.solvers.model.bill import bill_terms
from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["KINDS", "add_objective", "objective_value", "profit_value", "sense", "total_cost"]

KINDS = ("cost", "latency", "served", "profit")


def sense(instance: Instance) -> str:
    """``"max"`` for the served and profit objectives, ``"min"`` otherwise."""
    return "max" if instance.objective.kind in ("served", "profit") else "min"


def _penalty_weights(instance: Instance) -> np.ndarray:
    """``unserved_penalty`` on each item's unserved demand (0 for items sold without one)."""
    return np.where(penalised(instance), float(instance.constraints.unserved_penalty), 0.0)


def _add_profit(model: ModelBuilder, instance: Instance) -> None:
    terms = bill_terms(instance)
    model.add_objective(model.var("open"), -terms.capex_open)
    model.add_objective(model.var("gpus"), -(terms.capex_gpus + terms.energy_gpus))
    model.add_objective(model.var("share"), terms.revenue_share - terms.energy_share)
    if model.has_var("unserved") and instance.constraints.allow_unserved:
        model.add_objective(model.var("unserved"), -_penalty_weights(instance))
    model.add_objective_constant(terms.revenue_constant - terms.energy_constant)


def profit_value(
    instance: Instance,
    open_sites: np.ndarray,
    new_gpus: np.ndarray,
    pair_share: np.ndarray,
    unserved: np.ndarray,
) -> float:
    """Revenue − annualised cost (− penalties) of a set of decisions."""
    terms = bill_terms(instance)
    value = terms.revenue_constant - terms.energy_constant
    value -= float(np.dot(terms.capex_open, open_sites.astype(float)))
    value -= float(np.dot(terms.capex_gpus + terms.energy_gpus, np.ravel(new_gpus)))
    value += float(np.dot(terms.revenue_share - terms.energy_share, pair_share))
    if instance.constraints.allow_unserved:
        value -= float(np.dot(_penalty_weights(instance), unserved))
    return value


def _check_kind(instance: Instance) -> None:
    if instance.objective.kind not in KINDS:
        raise InputError(
            [
                Problem(
                    instance.scenario_path or "<scenario>",
                    "objective.kind",
                    f"unknown objective {instance.objective.kind!r} (expected one of {', '.join(KINDS)})",
                )
            ]
        )


def add_objective(model: ModelBuilder, instance: Instance) -> None:
    """Set the objective coefficients and sense on the core blocks."""
    _check_kind(instance)
    kind = instance.objective.kind
    demand = instance.item_demand * instance.item_weight
    total = float(demand.sum())
    weighted_rtt = demand[instance.pair_item] * instance.pair_rtt_ms
    has_u = model.has_var("unserved")
    if kind == "profit":
        _add_profit(model, instance)
    elif kind == "cost":
        model.add_objective(model.var("open"), instance.site_fixed_cost)
        capex = (instance.site_cost_factor[:, None] * instance.gpu_capex[None, :]).ravel()
        model.add_objective(model.var("gpus"), capex)
        if instance.objective.latency_weight:
            model.add_objective(
                model.var("share"), instance.objective.latency_weight * weighted_rtt
            )
        if has_u:
            model.add_objective(
                model.var("unserved"), _penalty_weights(instance) * instance.item_weight
            )
    elif kind == "latency":
        scale = 1.0 / total if total > 0 else 1.0
        model.add_objective(model.var("share"), weighted_rtt * scale)
        if has_u:
            model.add_objective(
                model.var("unserved"), _penalty_weights(instance) * instance.item_weight * scale
            )
    else:
        model.add_objective(model.var("unserved"), -instance.item_weight)
        model.add_objective_constant(total)
    model.set_sense(sense(instance))


def total_cost(instance: Instance, open_sites: np.ndarray, new_gpus: np.ndarray) -> float:
    """Fixed costs of open sites plus capex × cost_factor of new GPUs."""
    capex = instance.site_cost_factor[:, None] * instance.gpu_capex[None, :]
    return float(
        np.dot(instance.site_fixed_cost, open_sites.astype(float)) + (capex * new_gpus).sum()
    )


def objective_value(
    instance: Instance,
    open_sites: np.ndarray,
    new_gpus: np.ndarray,
    pair_share: np.ndarray,
    unserved: np.ndarray,
) -> float:
    """The objective of a set of decisions, in float from the instance data."""
    _check_kind(instance)
    kind = instance.objective.kind
    demand = instance.item_demand * instance.item_weight
    total = float(demand.sum())
    rtt_term = float(np.dot(demand[instance.pair_item] * instance.pair_rtt_ms, pair_share))
    if kind == "profit":
        return profit_value(instance, open_sites, new_gpus, pair_share, unserved)
    u = float(np.dot(penalised(instance) * instance.item_weight, unserved))
    if kind == "cost":
        value = total_cost(instance, open_sites, new_gpus)
        value += instance.objective.latency_weight * rtt_term
        if instance.constraints.allow_unserved:
            value += instance.constraints.unserved_penalty * u
        return value
    if kind == "latency":
        penalty = (
            instance.constraints.unserved_penalty * u
            if instance.constraints.allow_unserved
            else 0.0
        )
        return (rtt_term + penalty) / (total if total > 0 else 1.0)
    return total - u
