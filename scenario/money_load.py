"""The money tables read beside the others, and attached to the assembled instance.

:func:`read_money_inputs` checks ``[money] energy``, ``contracts.csv`` and
``ondemand.csv`` with every other table (all problems together) and joins the
items sold into the serving tables before candidate triples are built;
:func:`attach_money` resolves prices and grid intensity per site on the
assembled instance and keeps only the triples dedicated replicas allow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.contracts_read import (
    ItemsSold,
    filtered_pairs,
    read_contracts,
    read_ondemand,
    restrict_dedicated,
    sold_items,
)
from gpuplace.scenario.instance import Instance
from gpuplace.scenario.money import Contracts
from gpuplace.scenario.money_read import read_energy, read_money
from gpuplace.scenario.serving import Serving

__all__ = ["MoneyInputs", "attach_money", "read_money_inputs"]


@dataclass
class MoneyInputs:
    settings: dict[str, Any]
    energy: tuple[dict, dict]
    serving: Serving | None
    sold: ItemsSold | None
    contracts: Contracts | None
    file: str
    warnings: list[str]


def read_money_inputs(
    settings: Any,
    tables: dict,
    sites: Any,
    region_ids: list[str],
    serving: Serving | None,
    file: str,
    problems: ProblemCollector,
) -> MoneyInputs:
    """Check the money tables; the serving tables with the items sold (when any)."""
    energy = read_energy(tables.get("money"), tuple(sites.ids), problems)
    contracts = ondemand = None
    if serving is not None and tables.get("contracts") is not None:
        contracts = read_contracts(tables["contracts"], serving, region_ids, problems)
    if serving is not None and tables.get("ondemand") is not None:
        ondemand = read_ondemand(tables["ondemand"], serving, region_ids, problems)
    sold = None
    named = {name: table.file for name, table in tables.items() if table is not None}
    if serving is not None and (contracts is not None or ondemand is not None):
        sold = sold_items(serving, contracts, ondemand, named, problems)
        serving = sold.serving
    return MoneyInputs(
        settings=dict(settings.money),
        energy=energy,
        serving=serving,
        sold=sold,
        contracts=contracts[0] if contracts is not None else None,
        file=file,
        warnings=[],
    )


def attach_money(instance: Instance, inputs: MoneyInputs) -> Instance:
    """``instance`` with its :class:`~gpuplace.scenario.money.Money` (and dedicated triples only).

    Raises
    ------
    InputError
        A carbon cap with a site of unknown grid intensity.
    """
    problems = ProblemCollector()
    money, warnings = read_money(
        inputs.settings,
        inputs.energy,
        instance.site_ids,
        instance.site_country,
        instance.n_items,
        inputs.file,
        problems,
    )
    problems.raise_if_any()
    inputs.warnings.extend(warnings)
    sold = inputs.sold
    if sold is None:
        return dataclasses.replace(instance, money=money)
    money = dataclasses.replace(
        money,
        item_kind=sold.item_kind,
        item_contract=sold.item_contract,
        item_price_per_mtok=sold.item_price_per_mtok,
        contracts=inputs.contracts,
        deployment_base=sold.deployment_base,
        deployment_contract=sold.deployment_contract,
    )
    assert instance.pair_serving is not None
    dedicated = (
        inputs.contracts.dedicated if inputs.contracts is not None else np.zeros(0, dtype=bool)
    )
    keep = restrict_dedicated(
        instance.pair_serving.item,
        instance.pair_serving.deployment,
        sold.item_contract,
        np.append(dedicated, False),
        sold.deployment_contract,
    )
    if keep.all():
        return dataclasses.replace(instance, money=money)
    return dataclasses.replace(
        instance,
        pair_region=instance.pair_region[keep],
        pair_site=instance.pair_site[keep],
        pair_rtt_ms=instance.pair_rtt_ms[keep],
        pair_serving=filtered_pairs(instance.pair_serving, keep),
        money=money,
    )
