"""Figures of plans with ``[money]``: the bill in total and per site.

Read from the plan alone (its ``bill`` block, PLAN.md); empty for plans without one.
"""

from __future__ import annotations

from typing import Any

from gpuplace.solvers.plan import Plan

__all__ = [
    "BILL_SITE_COLUMNS",
    "MONEY_LABELS",
    "SWEEP_COLUMNS",
    "bill_rows",
    "bill_sites",
    "money_metrics",
    "sweep_figures",
]

MONEY_LABELS = {
    "bill.profit": "profit a year",
    "bill.revenue_ondemand": "on-demand revenue a year",
    "bill.revenue_contracts": "contract revenue a year",
    "bill.annualised_cost": "annualised cost",
    "bill.capex_annual": "capex a year (annualised)",
    "bill.energy_cost": "energy cost a year",
    "bill.energy_kwh": "energy a year (kWh)",
    "bill.carbon_t": "carbon a year (t CO2e)",
    "bill.carbon_cap_t": "carbon cap (t CO2e)",
}
BILL_SITE_COLUMNS = ("capex_annual", "energy_kwh", "energy_cost", "carbon_t", "revenue")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def money_metrics(plan: Plan) -> dict[str, Any]:
    """Flat figures for ``compare`` (keys of :data:`MONEY_LABELS`); empty without a bill."""
    bill = plan.extra.get("bill")
    if not isinstance(bill, dict):
        return {}
    return {key: _number(bill.get(key.split(".", 1)[1])) for key in MONEY_LABELS}


def bill_sites(plan: Plan) -> list[dict[str, Any]]:
    """The bill's rows per site (id and :data:`BILL_SITE_COLUMNS`), dearest first."""
    bill = plan.extra.get("bill")
    rows = bill.get("sites") if isinstance(bill, dict) else None
    if not isinstance(rows, list):
        return []
    out = [
        {"id": str(row.get("id")), **{k: _number(row.get(k)) or 0.0 for k in BILL_SITE_COLUMNS}}
        for row in rows
        if isinstance(row, dict)
    ]
    return sorted(out, key=lambda r: (-(r["capex_annual"] + r["energy_cost"]), r["id"]))


# Columns a sweep's results.csv gains when its plans have a bill (bill keys, "revenue" the sum).
SWEEP_COLUMNS = ("profit", "annualised_cost", "energy_cost", "carbon_t", "revenue")


def sweep_figures(plan: Plan) -> dict[str, Any]:
    """The :data:`SWEEP_COLUMNS` of a plan with a bill; empty without one."""
    bill = plan.extra.get("bill")
    if not isinstance(bill, dict):
        return {}
    out = {key: _number(bill.get(key)) for key in SWEEP_COLUMNS if key != "revenue"}
    parts = [_number(bill.get(k)) for k in ("revenue_ondemand", "revenue_contracts")]
    out["revenue"] = sum(p for p in parts if p is not None)
    return out


def bill_rows(plan: Plan) -> list[tuple[str, str]]:
    """``solve``'s summary lines of a plan with a bill: (label, text); empty without one."""
    figures = money_metrics(plan)
    if not figures:
        return []
    keys = (
        "bill.revenue_ondemand",
        "bill.revenue_contracts",
        "bill.capex_annual",
        "bill.energy_cost",
        "bill.profit",
        "bill.carbon_t",
    )
    out = []
    for key in keys:
        value = figures.get(key)
        out.append((MONEY_LABELS[key], "-" if value is None else f"{value:,.0f}"))
    cap = figures.get("bill.carbon_cap_t")
    if cap is not None:
        out.append((MONEY_LABELS["bill.carbon_cap_t"], f"{cap:,.0f}"))
    return out
