"""Contracts and the on-demand pool joined into the serving items (SCENARIO.md, "Money").

``contracts.csv`` (one committed volume per contract and listed region) and
``ondemand.csv`` (demand sold by consumption, at a price per million output
tokens) become demand items beside those of ``demand.csv``. Each keeps its own
SLO targets under an item-specific tier id, so plan rows name the item they
serve without a new key:

- a contract's items are in tier ``<tier>@<contract>`` (the targets of ``<tier>``);
- on-demand items are in tier ``<tier>@ondemand``;
- a *dedicated* contract's replicas are deployments of their own,
  ``<deployment>@<contract>`` (a copy of each deployment of the contract's
  model, with its profile): only the contract's items use them, and they use
  nothing else (:func:`restrict_dedicated` drops every other candidate triple).

Every problem names the file, the row and the column.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.money import CONTRACT, DEMAND, ONDEMAND, Contracts
from gpuplace.scenario.serving import Serving, ServingPairs
from gpuplace.scenario.serving_read import _demand_shapes
from gpuplace.scenario.serving_tables import lookup
from gpuplace.scenario.tables import (
    AT_LEAST_ONE,
    NON_NEGATIVE,
    Table,
    check_columns,
    numbers,
    texts,
    unique_ids,
)

__all__ = ["ItemsSold", "read_contracts", "read_ondemand", "restrict_dedicated", "sold_items"]

CONTRACT_REQUIRED = ("contract", "customer", "model", "regions", "output_tokens_per_s", "tier")
CONTRACT_OPTIONAL = (
    "start_phase",
    "dedicated",
    "revenue_per_year",
    "input_tokens",
    "output_tokens",
)
ONDEMAND_REQUIRED = ("region", "model", "tier", "price_per_mtok")
ONDEMAND_OPTIONAL = ("input_tokens", "output_tokens", "output_tokens_per_s", "requests_per_s")
ONDEMAND_TAG = "ondemand"
_TRUE, _FALSE = ("true", "yes", "1", "dedicated"), ("false", "no", "0", "shared", "")


@dataclasses.dataclass(frozen=True)
class _Rows:
    """Items of one table before they join the others."""

    region: np.ndarray
    model: np.ndarray
    tier: np.ndarray  # index into the base tiers
    shape: np.ndarray
    demand: np.ndarray
    owner: np.ndarray  # contract index (-1 on-demand)
    price: np.ndarray  # per million output tokens (0 for contracts)


@dataclasses.dataclass(frozen=True)
class ItemsSold:
    """The serving tables with contract and on-demand items, and what each item is."""

    serving: Serving
    item_kind: np.ndarray
    item_contract: np.ndarray
    item_price_per_mtok: np.ndarray
    deployment_base: np.ndarray
    deployment_contract: np.ndarray


def _model_shapes(serving: Serving) -> list[set[int]]:
    shapes: list[set[int]] = [set() for _ in serving.model_ids]
    for d, h in zip(serving.curve_deployment.tolist(), serving.curve_shape.tolist(), strict=True):
        shapes[int(serving.deployment_model[d])].add(int(h))
    return shapes


def _shapes(table: Table, model: np.ndarray, serving: Serving, problems: ProblemCollector):
    return _demand_shapes(
        table,
        model,
        _model_shapes(serving),
        list(serving.model_ids),
        (serving.shape_input_tokens, serving.shape_output_tokens),
        problems,
    )


def read_contracts(
    table: Table, serving: Serving, region_ids: list[str], problems: ProblemCollector
) -> tuple[Contracts, _Rows] | None:
    """``contracts.csv``: the contracts, and one item per contract and listed region."""
    if not check_columns(table, CONTRACT_REQUIRED, CONTRACT_OPTIONAL, problems):
        return None
    ids = unique_ids(table, "contract", problems)
    for i, cid in enumerate(ids):
        if "@" in cid:
            problems.add(table.file, table.where(i, "contract"), "must not contain '@'")
    model = lookup(
        table, "model", {m: i for i, m in enumerate(serving.model_ids)}, "model", problems
    )
    tier = lookup(table, "tier", {t: i for i, t in enumerate(serving.tier_ids)}, "tier", problems)
    shape = _shapes(table, model, serving, problems)
    committed = numbers(table, "output_tokens_per_s", problems, check=NON_NEGATIVE)
    phase = numbers(table, "start_phase", problems, default=1.0, check=AT_LEAST_ONE, integer=True)
    revenue = numbers(table, "revenue_per_year", problems, default=0.0, check=NON_NEGATIVE)
    dedicated = np.zeros(len(table), dtype=bool)
    for i, raw in enumerate(texts(table, "dedicated")):
        if raw.lower() in _TRUE:
            dedicated[i] = True
        elif raw.lower() not in _FALSE:
            problems.add(
                table.file, table.where(i, "dedicated"), f"must be true or false, got '{raw}'"
            )
    region_index = {r: i for i, r in enumerate(region_ids)}
    regions: list[tuple[str, ...]] = []
    rows: list[tuple[int, int]] = []  # (contract, region)
    for i, raw in enumerate(texts(table, "regions")):
        names = tuple(name.strip() for name in raw.split(";") if name.strip())
        regions.append(names)
        if not names:
            problems.add(table.file, table.where(i, "regions"), "names no region")
        for name in names:
            if name not in region_index:
                problems.add(table.file, table.where(i, "regions"), f"unknown region '{name}'")
            elif (i, region_index[name]) in rows:
                problems.add(table.file, table.where(i, "regions"), f"region '{name}' repeats")
            else:
                rows.append((i, region_index[name]))
    contracts = Contracts(
        ids=tuple(ids),
        customer=tuple(texts(table, "customer")),
        model=tuple(texts(table, "model")),
        tier=tuple(texts(table, "tier")),
        regions=tuple(regions),
        output_tokens_per_s=committed,
        start_phase=np.nan_to_num(phase, nan=1.0).astype(np.int64),
        dedicated=dedicated,
        revenue_per_year=np.nan_to_num(revenue),
    )
    c = np.array([row[0] for row in rows], dtype=np.int64)
    return contracts, _Rows(
        region=np.array([row[1] for row in rows], dtype=np.int64),
        model=model[c],
        tier=tier[c],
        shape=shape[c],
        demand=committed[c],
        owner=c,
        price=np.zeros(c.size),
    )


def read_ondemand(
    table: Table, serving: Serving, region_ids: list[str], problems: ProblemCollector
) -> _Rows | None:
    """``ondemand.csv``: one item per row (region, model and tier at most once)."""
    if not check_columns(table, ONDEMAND_REQUIRED, ONDEMAND_OPTIONAL, problems):
        return None
    regions = {r: i for i, r in enumerate(region_ids)}
    region = lookup(table, "region", regions, "region", problems)
    model = lookup(
        table, "model", {m: i for i, m in enumerate(serving.model_ids)}, "model", problems
    )
    tier = lookup(table, "tier", {t: i for i, t in enumerate(serving.tier_ids)}, "tier", problems)
    shape = _shapes(table, model, serving, problems)
    price = numbers(table, "price_per_mtok", problems, check=NON_NEGATIVE)
    tokens = numbers(table, "output_tokens_per_s", problems, default=np.nan, check=NON_NEGATIVE)
    requests = numbers(table, "requests_per_s", problems, default=np.nan, check=NON_NEGATIVE)
    cells = texts(table, "output_tokens_per_s"), texts(table, "requests_per_s")
    seen: dict[tuple[int, int, int], int] = {}
    for i in range(len(table)):
        if bool(cells[0][i]) + bool(cells[1][i]) != 1:
            problems.add(
                table.file,
                table.where(i, "output_tokens_per_s"),
                "give exactly one of output_tokens_per_s and requests_per_s",
            )
        key = (int(region[i]), int(model[i]), int(tier[i]))
        if min(key) >= 0 and key in seen:
            problems.add(
                table.file,
                table.where(i, "region"),
                f"region, model and tier repeat row {int(table.rows[seen[key]])}",
            )
        seen.setdefault(key, i)
    outputs = np.where(shape >= 0, serving.shape_output_tokens[np.maximum(shape, 0)], np.nan)
    demand = np.where(np.isfinite(tokens), tokens, requests * outputs)
    return _Rows(region, model, tier, shape, demand, np.full(len(table), -1), price)


def sold_items(
    serving: Serving,
    contracts: tuple[Contracts, _Rows] | None,
    ondemand: _Rows | None,
    files: dict[str, str],
    problems: ProblemCollector,
) -> ItemsSold:
    """The serving tables with the items sold added (sorted by region, model, tier again)."""
    n_demand, Q, D = serving.n_items, len(serving.tier_ids), serving.n_deployments
    tier_ids = list(serving.tier_ids)
    tier_base = list(range(Q))
    parts = [
        (
            serving.item_region,
            serving.item_model,
            serving.item_tier,
            serving.item_shape,
            serving.item_demand,
            np.full(n_demand, DEMAND),
            np.full(n_demand, -1),
            np.zeros(n_demand),
        )
    ]
    deployment_ids = list(serving.deployment_ids)
    dep_base = list(range(D))
    dep_owner = [-1] * D

    def new_tier(base: int, tag: str) -> int:
        name = f"{serving.tier_ids[base]}@{tag}"
        if name in tier_ids[:Q]:
            problems.add(files.get("slo", "slo.csv"), name, f"tier id '{name}' is reserved")
        if name not in tier_ids:
            tier_ids.append(name)
            tier_base.append(base)
        return tier_ids.index(name)

    if contracts is not None:
        table, rows = contracts
        tiers = np.array(
            [
                new_tier(int(q), table.ids[int(c)])
                for q, c in zip(rows.tier, rows.owner, strict=True)
            ],
            dtype=np.int64,
        )
        parts.append(
            (
                rows.region,
                rows.model,
                tiers,
                rows.shape,
                rows.demand,
                np.full(tiers.size, CONTRACT),
                rows.owner,
                rows.price,
            )
        )
        for c in np.flatnonzero(table.dedicated).tolist():
            m = serving.model_ids.index(table.model[c])
            for d in np.flatnonzero(serving.deployment_model == m).tolist():
                name = f"{serving.deployment_ids[d]}@{table.ids[c]}"
                if name in deployment_ids:
                    problems.add(
                        files.get("deployments", "deployments.csv"), name, "id is reserved"
                    )
                    continue
                deployment_ids.append(name)
                dep_base.append(d)
                dep_owner.append(c)
    if ondemand is not None:
        tiers = np.array([new_tier(int(q), ONDEMAND_TAG) for q in ondemand.tier], dtype=np.int64)
        parts.append(
            (
                ondemand.region,
                ondemand.model,
                tiers,
                ondemand.shape,
                ondemand.demand,
                np.full(tiers.size, ONDEMAND),
                ondemand.owner,
                ondemand.price,
            )
        )
    region, model, tier, shape, demand, kind, owner, price = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    order = np.lexsort((tier, model, region))
    base = np.array(tier_base, dtype=np.int64)
    dep = np.array(dep_base, dtype=np.int64)
    copies = np.flatnonzero(np.array(dep_owner) >= 0)
    curves = [
        j
        for d in copies.tolist()
        for j in np.flatnonzero(serving.curve_deployment == dep[d]).tolist()
    ]
    curve_dep = [
        int(d) for d in copies.tolist() for _ in np.flatnonzero(serving.curve_deployment == dep[d])
    ]
    points = [np.arange(serving.curve_start[j], serving.curve_start[j + 1]) for j in curves]
    taken = np.concatenate(points) if points else np.empty(0, dtype=np.int64)
    lengths = np.array([p.size for p in points], dtype=np.int64)
    n_points = int(serving.curve_start[-1])
    extended = dataclasses.replace(
        serving,
        deployment_ids=tuple(deployment_ids),
        deployment_model=serving.deployment_model[dep],
        deployment_gpu=serving.deployment_gpu[dep],
        deployment_gpus_per_replica=serving.deployment_gpus_per_replica[dep],
        deployment_precision=tuple(serving.deployment_precision[d] for d in dep.tolist()),
        deployment_weights_gb=serving.deployment_weights_gb[dep],
        tier_ids=tuple(tier_ids),
        tier_ttft_ms=serving.tier_ttft_ms[base],
        tier_ttft_percentile=serving.tier_ttft_percentile[base],
        tier_tpot_ms=serving.tier_tpot_ms[base],
        curve_deployment=np.append(serving.curve_deployment, np.array(curve_dep, dtype=np.int64)),
        curve_shape=np.append(serving.curve_shape, serving.curve_shape[curves].astype(np.int64)),
        curve_start=np.append(serving.curve_start, n_points + np.cumsum(lengths)).astype(np.int64),
        profile_concurrency=np.append(
            serving.profile_concurrency, serving.profile_concurrency[taken]
        ),
        profile_ttft_p50_ms=np.append(
            serving.profile_ttft_p50_ms, serving.profile_ttft_p50_ms[taken]
        ),
        profile_ttft_p95_ms=np.append(
            serving.profile_ttft_p95_ms, serving.profile_ttft_p95_ms[taken]
        ),
        profile_tpot_ms=np.append(serving.profile_tpot_ms, serving.profile_tpot_ms[taken]),
        profile_throughput=np.append(serving.profile_throughput, serving.profile_throughput[taken]),
        item_region=region[order].astype(np.int64),
        item_model=model[order].astype(np.int64),
        item_tier=tier[order].astype(np.int64),
        item_shape=shape[order].astype(np.int64),
        item_demand=demand[order].astype(float),
    )
    return ItemsSold(
        serving=extended,
        item_kind=kind[order].astype(np.int64),
        item_contract=owner[order].astype(np.int64),
        item_price_per_mtok=price[order].astype(float),
        deployment_base=np.where(np.array(dep_owner) >= 0, dep, -1).astype(np.int64),
        deployment_contract=np.array(dep_owner, dtype=np.int64),
    )


def restrict_dedicated(
    pair_item: np.ndarray,
    pair_deployment: np.ndarray,
    item_contract: np.ndarray,
    contract_dedicated: np.ndarray,
    deployment_contract: np.ndarray,
) -> np.ndarray:
    """Which candidate triples to keep, bool [P].

    An item of a dedicated contract only on that contract's deployments; every
    other item only on shared deployments.
    """
    owner = item_contract[pair_item]
    dedicated = (owner >= 0) & contract_dedicated[np.maximum(owner, 0)]
    wanted = np.where(dedicated, owner, -1)
    return deployment_contract[pair_deployment] == wanted


def filtered_pairs(pairs: ServingPairs, keep: np.ndarray) -> ServingPairs:
    """The triples ``keep`` selects."""
    return ServingPairs(
        item=pairs.item[keep],
        deployment=pairs.deployment[keep],
        concurrency=pairs.concurrency[keep],
        ttft_ms=pairs.ttft_ms[keep],
        tpot_ms=pairs.tpot_ms[keep],
        throughput=pairs.throughput[keep],
    )
