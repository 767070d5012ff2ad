"""Money rules of a plan, recomputed from the scenario's inputs and the plan's rows.

Shares no code with model building (:mod:`gpuplace.solvers.model.bill`) or plan
building: the bill is recomputed here from each site's GPUs, each assignment's
served demand and operating point (its throughput read off the profile at the
reported concurrency, which :mod:`gpuplace.solvers.verify.serving` checks), and
the money inputs (prices, grid intensity, contracts, on-demand prices).

- ``bill``: every total and per-site figure of the plan's ``bill`` equals the
  recomputed one; the profit objective equals revenue − annualised cost;
- ``carbon_cap``: the year's carbon is within ``[money] carbon_cap_t``;
- ``contract``: a contract's committed demand is served in full in every region;
- ``dedicated``: a dedicated contract's demand runs only on its own replicas
  (deployments ``<deployment>@<contract>``) and no other demand runs there.
"""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.parsed import ParsedPlan
from gpuplace.solvers.verify.serving import _at, _points
from gpuplace.solvers.verify.tolerance import differs, excess, slack
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_money", "recompute_bill"]

_KIND_CONTRACT, _KIND_ONDEMAND = 1, 2
_TOTALS = (
    "capex_annual",
    "energy_kwh",
    "energy_cost",
    "carbon_t",
    "revenue_ondemand",
    "revenue_contracts",
    "annualised_cost",
    "profit",
)
_PER_SITE = ("capex_annual", "energy_kwh", "energy_cost", "carbon_t", "revenue")


def _crf(rate: float, years: float) -> float:
    if rate == 0:
        return 1.0 / years
    factor = (1.0 + rate) ** years
    return rate * factor / (factor - 1.0)


def _busy_kw(instance: Instance, parsed: ParsedPlan) -> np.ndarray:
    """GPU kW kept busy at each site by the demand the plan's assignments serve, [S]."""
    busy = np.zeros(instance.n_sites)
    serving = instance.serving
    if serving is None:
        thr = instance.gpu_throughput
        ratios = [p / t for p, t in zip(instance.gpu_power_kw, thr, strict=True) if t > 0]
        per_unit = max(ratios, default=0.0)
    for a in parsed.assignments:
        served = a.share * float(instance.item_demand[a.item])
        if serving is None:
            busy[a.site] += served * per_unit
            continue
        d, k = a.deployment, a.item
        tier = int(serving.item_tier[k])
        points = _points(
            instance, d, int(serving.item_shape[k]), serving.tier_ttft_percentile[tier]
        )
        concurrency = float((a.fields or {}).get("concurrency", np.nan))
        if not points or not np.isfinite(concurrency):
            continue
        thr_c = _at(points, concurrency, 3)
        gpu = int(serving.deployment_gpu[d])
        kw = float(serving.deployment_gpus_per_replica[d]) * float(instance.gpu_power_kw[gpu])
        busy[a.site] += served * kw / thr_c
    return busy


def recompute_bill(instance: Instance, parsed: ParsedPlan, penalty: float) -> dict:
    """The bill of the plan's rows: totals and per-site arrays (see the module docstring)."""
    money = instance.money
    assert money is not None
    crf = _crf(money.discount_rate, money.lifetime_years)
    new = parsed.gpus - instance.site_existing_gpus
    capex = crf * (
        np.where(parsed.is_open, instance.site_fixed_cost, 0.0)
        + (new * instance.gpu_capex[None, :]).sum(axis=1) * instance.site_cost_factor
    )
    idle = money.idle_power_fraction
    gpu_kw = (parsed.gpus * instance.gpu_power_kw[None, :]).sum(axis=1)
    draw_kw = instance.site_pue * (idle * gpu_kw + (1.0 - idle) * _busy_kw(instance, parsed))
    kwh = draw_kw * money.hours_per_year
    energy = kwh * money.site_price_kwh
    carbon = kwh * money.site_grid_gco2_kwh / 1e6
    revenue = np.zeros(instance.n_sites)
    contracts = money.contracts
    totals = {}
    if contracts is not None:
        for c in range(len(contracts)):
            mine = money.item_contract == c
            totals[c] = float(instance.item_demand[mine].sum())
    ondemand = 0.0
    tokens_per_year = 3600.0 * money.hours_per_year
    for a in parsed.assignments:
        served = a.share * float(instance.item_demand[a.item])
        kind = int(money.item_kind[a.item])
        if kind == _KIND_ONDEMAND:
            value = float(money.item_price_per_mtok[a.item]) * served * tokens_per_year / 1e6
            revenue[a.site] += value
            ondemand += value
        elif kind == _KIND_CONTRACT and contracts is not None:
            c = int(money.item_contract[a.item])
            if totals[c] > 0:
                revenue[a.site] += float(contracts.revenue_per_year[c]) * served / totals[c]
    contract_revenue = float(contracts.revenue_per_year.sum()) if contracts is not None else 0.0
    cost = float(capex.sum() + energy.sum())
    return {
        "crf": crf,
        "capex_annual": float(capex.sum()),
        "energy_kwh": float(kwh.sum()),
        "energy_cost": float(energy.sum()),
        "carbon_t": float(carbon.sum()),
        "revenue_ondemand": ondemand,
        "revenue_contracts": contract_revenue,
        "annualised_cost": cost,
        "profit": ondemand + contract_revenue - cost - penalty,
        "sites": {
            "capex_annual": capex,
            "energy_kwh": kwh,
            "energy_cost": energy,
            "carbon_t": carbon,
            "revenue": revenue,
        },
    }


def _check_bill(
    instance: Instance, plan: dict, bill: dict, tolerance: float, out: list[Violation]
) -> None:
    reported = plan.get("bill")
    if not isinstance(reported, dict):
        out.append(Violation("bill", "bill", "the scenario has [money] but the plan has no bill"))
        return
    for key in _TOTALS:
        value = reported.get(key)
        if not isinstance(value, int | float) or differs(float(value), bill[key], tolerance):
            out.append(
                Violation("bill", f"bill.{key}", f"reported {value}, recomputed {bill[key]:g}")
            )
    index = {sid: s for s, sid in enumerate(instance.site_ids)}
    rows = {row.get("id"): row for row in reported.get("sites", []) if isinstance(row, dict)}
    for s, sid in enumerate(instance.site_ids):
        row = rows.get(sid, {})
        for key in _PER_SITE:
            expected = float(bill["sites"][key][s])
            value = row.get(key, 0.0)
            if not isinstance(value, int | float) or differs(float(value), expected, tolerance):
                out.append(
                    Violation(
                        "bill",
                        f"bill.sites.{sid}.{key}",
                        f"reported {value}, recomputed {expected:g}",
                    )
                )
    for name in rows:
        if name not in index:
            out.append(
                Violation(
                    "unknown_id", f"bill.sites.{name}", f"site {name!r} is not in the scenario"
                )
            )
    if instance.objective.kind == "profit" and differs(
        plan["objective"], bill["profit"], tolerance
    ):
        out.append(
            Violation(
                "objective",
                "objective",
                f"reported {plan['objective']}, recomputed {bill['profit']:g} (profit)",
                abs(float(plan["objective"]) - bill["profit"]),
            )
        )


def _check_contracts(
    instance: Instance, parsed: ParsedPlan, tolerance: float, out: list[Violation]
) -> None:
    money, serving = instance.money, instance.serving
    assert money is not None and serving is not None
    contracts, owner = money.contracts, money.deployment_contract
    if contracts is None or owner is None:
        return
    for k in np.flatnonzero(money.item_kind == _KIND_CONTRACT).tolist():
        c = int(money.item_contract[k])
        lost = float(parsed.unserved[k])
        demand = float(instance.item_demand[k])
        if lost > slack(demand, tolerance):
            region = instance.region_ids[int(instance.item_region[k])]
            out.append(
                Violation(
                    "contract",
                    contracts.ids[c],
                    f"contract {contracts.ids[c]} ({contracts.customer[c]}): {lost:g} of the "
                    f"{demand:g} tokens/s committed in {region} unserved",
                    lost,
                )
            )
    for a in parsed.assignments:
        c = int(money.item_contract[a.item])
        dedicated = c >= 0 and bool(contracts.dedicated[c])
        wanted = c if dedicated else -1
        if a.deployment >= 0 and int(owner[a.deployment]) != wanted:
            name = serving.deployment_ids[a.deployment]
            who = f"contract {contracts.ids[c]}" if c >= 0 else "shared demand"
            out.append(
                Violation(
                    "dedicated",
                    f"assignments[{a.row}]",
                    f"{who} runs on {name}, "
                    + (
                        "not on its own replicas"
                        if dedicated
                        else "replicas dedicated to a contract"
                    ),
                )
            )


def check_money(
    instance: Instance, plan: dict, parsed: ParsedPlan, tolerance: float
) -> list[Violation]:
    """Every money rule of a plan (nothing without ``[money]``)."""
    money = instance.money
    if money is None:
        return []
    out: list[Violation] = []
    lost = parsed.unserved * (money.item_kind == 0)
    cons = instance.constraints
    penalty = cons.unserved_penalty * float(lost.sum()) if cons.allow_unserved else 0.0
    bill = recompute_bill(instance, parsed, penalty)
    _check_bill(instance, plan, bill, tolerance, out)
    if money.carbon_cap_t is not None:
        over = excess(bill["carbon_t"], money.carbon_cap_t, tolerance)
        if over:
            out.append(
                Violation(
                    "carbon_cap",
                    "bill.carbon_t",
                    f"{bill['carbon_t']:g} t CO2e a year exceeds carbon_cap_t {money.carbon_cap_t:g}",
                    over,
                )
            )
    if money.deployment_contract is not None:
        _check_contracts(instance, parsed, tolerance, out)
    return out
