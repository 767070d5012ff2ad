"""The bill and the revenue as linear terms of the model's decisions (SCENARIO.md, "Money").

With ``m = instance.money``, ``h`` its hours per year, ``i`` the idle power
fraction, ``pue_s``, ``price_s`` (per kWh) and ``g_s`` (gCO2e/kWh) per site:

- a GPU of type t at site s uses ``i × power_kw_t × pue_s × h`` kWh a year;
- a share x_p of item k served at pair p keeps ``D_k x_p w_p`` kW of GPUs busy,
  adding ``(1 - i) × D_k x_p w_p × pue_s × h`` kWh, with ``w_p`` the busy power
  per output token/s (or demand unit): ``gpus_per_replica_d × power_kw_t(d) /
  thr_p`` with serving models, else ``max_t power_kw_t / throughput_t`` over
  the catalogue's types (exact with one GPU type, an upper bound otherwise);
- annualised cost = crf × (Σ fixed_cost_s open_s + Σ capex_t cost_factor_s g_st)
  + Σ_s price_s × kWh_s;
- carbon (t a year) = Σ_s g_s × kWh_s / 10⁶;
- revenue = Σ_{p of on-demand items} price_k × D_k x_p × 3600 h / 10⁶ + the
  contracts' revenue per year (contracts are always served).

Existing GPUs' idle energy is a constant (``*_constant`` below).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import ONDEMAND

__all__ = ["BillTerms", "bill_terms", "busy_kw_per_unit"]


def busy_kw_per_unit(instance: Instance) -> np.ndarray:
    """GPU kW kept busy per unit of demand served at each pair, float [P]."""
    if instance.pair_throughput is not None:
        serving = instance.serving
        assert serving is not None
        dep = instance.pair_deployment
        kw = (
            serving.deployment_gpus_per_replica[dep]
            * instance.gpu_power_kw[serving.deployment_gpu[dep]]
        )
        return kw / instance.pair_throughput
    thr = instance.gpu_throughput
    ratio = np.where(thr > 0, instance.gpu_power_kw / np.where(thr > 0, thr, 1.0), 0.0)
    return np.full(instance.n_pairs, float(ratio.max(initial=0.0)))


@dataclass(frozen=True)
class BillTerms:
    """Coefficients per year on ``open`` [S], ``gpus`` [S*T], ``share`` [P], and constants."""

    crf: float
    capex_open: np.ndarray
    capex_gpus: np.ndarray
    energy_gpus: np.ndarray  # currency
    energy_share: np.ndarray
    energy_constant: float
    kwh_gpus: np.ndarray
    kwh_share: np.ndarray
    kwh_constant_site: np.ndarray  # [S] existing GPUs' idle kWh
    carbon_gpus: np.ndarray  # tonnes
    carbon_share: np.ndarray
    carbon_constant: float
    revenue_share: np.ndarray
    revenue_constant: float


def bill_terms(instance: Instance) -> BillTerms:
    """The bill's terms of ``instance`` (which must have ``money``)."""
    money = instance.money
    assert money is not None
    hours, idle = money.hours_per_year, money.idle_power_fraction
    pue = instance.site_pue
    gpu_kwh = idle * instance.gpu_power_kw[None, :] * pue[:, None] * hours  # [S, T]
    existing_kwh = (gpu_kwh * instance.site_existing_gpus).sum(axis=1)
    site = instance.pair_site
    demand = instance.item_demand[instance.pair_item]
    share_kwh = (1.0 - idle) * demand * busy_kw_per_unit(instance) * pue[site] * hours
    price, grid = money.site_price_kwh, money.site_grid_gco2_kwh / 1e6
    crf = money.crf
    capex = (instance.site_cost_factor[:, None] * instance.gpu_capex[None, :]).ravel()
    ondemand = money.item_kind[instance.pair_item] == ONDEMAND
    revenue = np.where(ondemand, money.item_revenue_per_unit[instance.pair_item] * demand, 0.0)
    return BillTerms(
        crf=crf,
        capex_open=crf * instance.site_fixed_cost,
        capex_gpus=crf * capex,
        energy_gpus=(gpu_kwh * price[:, None]).ravel(),
        energy_share=share_kwh * price[site],
        energy_constant=float(existing_kwh @ price),
        kwh_gpus=gpu_kwh.ravel(),
        kwh_share=share_kwh,
        kwh_constant_site=existing_kwh,
        carbon_gpus=(gpu_kwh * grid[:, None]).ravel(),
        carbon_share=share_kwh * grid[site],
        carbon_constant=float(existing_kwh @ grid),
        revenue_share=revenue,
        revenue_constant=money.contract_revenue,
    )
