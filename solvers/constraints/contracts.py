"""Contracts: committed demand is always served; dedicated replicas serve only their contract.

Formulation, for each contract c and each of its demand items k (one per
listed region; SCENARIO.md, "Money")::

    u_k  <=  0

one family per contract, ``contract:<id>``, so an infeasible model's diagnosis
names the contract whose commitment cannot be met (the relaxation of that
family alone is what admits a plan). Rows of one item each
(``decomposition = "region"``).

Dedicated replicas need no rows: a dedicated contract's items have candidate
triples only on its own deployments (``<deployment>@<contract>``) and no other
item has one there (:func:`gpuplace.scenario.contracts_read.restrict_dedicated`),
so their pools are not shared. The start phase is read and validated; phases
are enforced by the phased roll-out once a scenario has them.

The rule is checked once, by the verifier:
:func:`gpuplace.solvers.verify.money.check_money` (violations ``contract``,
``dedicated``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.money import CONTRACT
from gpuplace.solvers.model.builder import ModelBuilder

__all__ = ["add", "applies", "decomposition", "family_of", "name"]

name = "contracts"
# rows of one demand item each: kept apart by the engine's decomposition
decomposition = "region"


def applies(instance) -> bool:
    money = instance.money
    return money is not None and bool((money.item_kind == CONTRACT).any())


def family_of(contract_id: str) -> str:
    """The family holding contract ``contract_id``'s rows."""
    return f"contract:{contract_id}"


def add(model: ModelBuilder, instance) -> None:
    money = instance.money
    if not model.has_var("unserved"):
        return  # every item is served in full already
    roles = model.meta.setdefault("roles", {})
    K = instance.n_items
    for c, cid in enumerate(money.contracts.ids):
        items = np.flatnonzero((money.item_contract == c) & (instance.item_demand > 0))
        if items.size == 0:
            continue
        rows = sp.csr_matrix(
            (np.ones(items.size), (np.arange(items.size), items)), shape=(items.size, K)
        )
        model.add_rows(family_of(cid), [(model.var("unserved"), rows)], ub=0.0)
        roles[family_of(cid)] = decomposition
