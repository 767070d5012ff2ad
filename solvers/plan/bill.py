"""The plan's ``bill``: capex annualised, energy, carbon and revenue, per site and in total.

Written when the scenario has ``[money]`` (PLAN.md, "Money"). Its parts add up
to the profit objective::

    profit = revenue_ondemand + revenue_contracts − capex_annual − energy_cost
             − unserved_penalty × unserved demand.csv demand (with allow_unserved)

Per site: ``capex_annual`` (crf × fixed cost of an open site + crf × capex ×
cost_factor of its new GPUs), ``energy_kwh`` and ``energy_cost`` a year,
``carbon_t`` a year, and ``revenue`` (its on-demand sales, and each contract's
revenue in proportion to the contract's demand it serves). Existing GPUs draw
idle power wherever they are, also at a site the plan does not list.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import CONTRACT
from gpuplace.solvers.model.bill import bill_terms

__all__ = ["plan_bill"]


def plan_bill(
    instance: Instance,
    is_open: np.ndarray,
    new_gpus: np.ndarray,
    share: np.ndarray,
    penalty: float,
) -> dict[str, Any]:
    """The ``bill`` block of a plan's decisions (``penalty``: the penalised unserved cost)."""
    money = instance.money
    assert money is not None
    terms = bill_terms(instance)
    S, T = instance.n_sites, instance.n_types
    site = instance.pair_site
    g = new_gpus.reshape(S, T)
    capex = terms.capex_open * is_open + (terms.capex_gpus.reshape(S, T) * g).sum(axis=1)
    kwh = terms.kwh_constant_site + (terms.kwh_gpus.reshape(S, T) * g).sum(axis=1)
    kwh = kwh + np.bincount(site, weights=terms.kwh_share * share, minlength=S)
    energy = kwh * money.site_price_kwh
    carbon = kwh * money.site_grid_gco2_kwh / 1e6
    ondemand = np.bincount(site, weights=terms.revenue_share * share, minlength=S)
    contract: np.ndarray = np.zeros(S)
    if money.contracts is not None:
        demand = instance.item_demand
        owner = money.item_contract
        totals = np.bincount(
            owner[owner >= 0], weights=demand[owner >= 0], minlength=len(money.contracts)
        )
        pair_owner = owner[instance.pair_item]
        is_contract = money.item_kind[instance.pair_item] == CONTRACT
        per_unit = np.where(
            totals > 0, money.contracts.revenue_per_year / np.where(totals > 0, totals, 1.0), 0.0
        )
        served = demand[instance.pair_item] * share
        weights = np.where(is_contract, per_unit[np.maximum(pair_owner, 0)] * served, 0.0)
        contract = np.bincount(site, weights=weights, minlength=S)
    listed = np.flatnonzero(is_open | (g.sum(axis=1) > 0) | (kwh > 0))
    revenue_ondemand, revenue_contracts = float(ondemand.sum()), money.contract_revenue
    cost = float(capex.sum() + energy.sum())
    return {
        "crf": terms.crf,
        "capex_annual": float(capex.sum()),
        "energy_kwh": float(kwh.sum()),
        "energy_cost": float(energy.sum()),
        "carbon_t": float(carbon.sum()),
        "carbon_cap_t": money.carbon_cap_t,
        "revenue_ondemand": revenue_ondemand,
        "revenue_contracts": revenue_contracts,
        "annualised_cost": cost,
        "unserved_penalty": penalty,
        "profit": revenue_ondemand + revenue_contracts - cost - penalty,
        "sites": [
            {
                "id": instance.site_ids[s],
                "capex_annual": float(capex[s]),
                "energy_kwh": float(kwh[s]),
                "energy_cost": float(energy[s]),
                "carbon_t": float(carbon[s]),
                "revenue": float(ondemand[s] + contract[s]),
            }
            for s in listed.tolist()
        ],
    }
