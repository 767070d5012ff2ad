"""Contracts in the diagnosis: which contract cannot be served, and what blocks it.

- :func:`contract_findings` (pre-solve, each message a proof on its own): a
  contract region with no candidate site and deployment, i.e. no site within
  the region's SLA (and allowed countries) where a deployment of the model
  meets the tier's TTFT and TPOT targets;
- :func:`contract_label`: the label of a ``contract:<id>`` family in the
  relaxation diagnosis (:mod:`gpuplace.solvers.diagnosis.relax`), so "a plan
  exists without it" names the contract, its customer and commitment.
"""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import CONTRACT, ONDEMAND

__all__ = ["contract_findings", "contract_label", "must_serve_region_demand"]

_PREFIX = "contract:"


def _describe(instance: Instance, c: int) -> str:
    assert instance.money is not None and instance.money.contracts is not None
    contracts = instance.money.contracts
    committed = float(contracts.output_tokens_per_s[c])
    share = "dedicated replicas" if contracts.dedicated[c] else "shared replicas"
    return (
        f"contract {contracts.ids[c]} ({contracts.customer[c]}: {committed:g} tokens/s of "
        f"{contracts.model[c]} committed in each of {', '.join(contracts.regions[c])}, "
        f"tier {contracts.tier[c]}, {share})"
    )


def contract_label(instance: Instance | None, family: str) -> str | None:
    """``contract ... (customer: commitment)`` for a ``contract:<id>`` family, else None."""
    if instance is None or instance.money is None or instance.money.contracts is None:
        return None
    if not family.startswith(_PREFIX):
        return None
    ids = instance.money.contracts.ids
    cid = family[len(_PREFIX) :]
    return _describe(instance, ids.index(cid)) if cid in ids else None


def must_serve_region_demand(instance: Instance) -> np.ndarray:
    """Demand each region must have served, float [R] (on-demand demand left out)."""
    if instance.money is None:
        return instance.region_demand
    keep = instance.money.item_kind != ONDEMAND
    return np.bincount(
        instance.item_region[keep], weights=instance.item_demand[keep], minlength=instance.n_regions
    )


def contract_findings(instance: Instance) -> list[str]:
    """Contract regions no candidate site and deployment can serve (see the module docstring)."""
    money = instance.money
    if money is None or money.contracts is None:
        return []
    usable = instance.site_status[instance.pair_site] != 2
    items_with_pair = np.zeros(instance.n_items, dtype=bool)
    items_with_pair[instance.pair_item[usable]] = True
    serving = instance.serving
    assert serving is not None
    out = []
    for c in range(len(money.contracts)):
        lonely = np.flatnonzero(
            (money.item_contract == c)
            & (money.item_kind == CONTRACT)
            & (instance.item_demand > 0)
            & ~items_with_pair
        )
        if not lonely.size:
            continue
        q = int(serving.item_tier[lonely[0]])
        regions = [instance.region_ids[int(instance.item_region[k])] for k in lonely]
        out.append(
            f"{_describe(instance, c)} cannot be served in {', '.join(regions)}: no open or "
            f"candidate site within the region's SLA (and allowed countries) runs a deployment "
            f"of {money.contracts.model[c]} meeting TTFT {float(serving.tier_ttft_ms[q]):g} ms "
            f"and TPOT {float(serving.tier_tpot_ms[q]):g} ms"
        )
    return out
