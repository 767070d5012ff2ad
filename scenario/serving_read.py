"""The serving tables joined into a :class:`~gpuplace.scenario.serving.Serving`.

Reads ``demand.csv`` against the regions, models and tiers, resolves each
demand row's request shape, and checks that every deployment is profiled and
fits its GPUs' memory at its highest profiled concurrency:
``weights_gb + kv_gb_per_request × c_max <= gpus_per_replica × memory_gb``.
Every problem names the file, the row and the column.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.serving import Serving
from gpuplace.scenario.serving_tables import (
    DeploymentTable,
    ModelTable,
    ProfileTable,
    TierTable,
    lookup,
    read_deployments,
    read_models,
    read_profiles,
    read_tiers,
)
from gpuplace.scenario.tables import (
    AT_LEAST_ONE,
    NON_NEGATIVE,
    Table,
    check_columns,
    has,
    numbers,
    texts,
)

__all__ = ["SERVING_TABLES", "read_serving"]

SERVING_TABLES = ("models", "deployments", "profiles", "slo", "demand")
DEMAND_REQUIRED = ("region", "model", "tier")
DEMAND_OPTIONAL = ("input_tokens", "output_tokens", "output_tokens_per_s", "requests_per_s")


def _curves(profiles: ProfileTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(shape input tokens [H], output tokens [H], curve key [C, 2] (deployment, shape), starts)."""
    shapes, shape_of = np.unique(
        np.stack([profiles.input_tokens, profiles.output_tokens], axis=1),
        axis=0,
        return_inverse=True,
    )
    shape_of = shape_of.ravel()
    key = np.stack([profiles.deployment, shape_of], axis=1)
    new = np.ones(key.shape[0], dtype=bool)
    new[1:] = np.any(key[1:] != key[:-1], axis=1)
    starts = np.append(np.flatnonzero(new), key.shape[0])
    return shapes[:, 0], shapes[:, 1], key[new], starts


def _shape_text(inputs: np.ndarray, outputs: np.ndarray, h: int) -> str:
    return f"{int(inputs[h])}/{int(outputs[h])}"


def _demand_shapes(
    table: Table,
    model: np.ndarray,
    model_shapes: list[set[int]],
    model_ids: list[str],
    shapes: tuple[np.ndarray, np.ndarray],
    problems: ProblemCollector,
) -> np.ndarray:
    """The request shape of each demand row (-1 where it cannot be resolved)."""
    given_in = numbers(
        table, "input_tokens", problems, default=np.nan, check=AT_LEAST_ONE, integer=True
    )
    given_out = numbers(
        table, "output_tokens", problems, default=np.nan, check=AT_LEAST_ONE, integer=True
    )
    index = {(int(i), int(o)): h for h, (i, o) in enumerate(zip(*shapes, strict=True))}
    out = np.full(len(table), -1, dtype=np.int64)
    cells = texts(table, "input_tokens"), texts(table, "output_tokens")
    for i, m in enumerate(model.tolist()):
        if m < 0:
            continue
        known = sorted(model_shapes[m])
        listed = ", ".join(_shape_text(*shapes, h) for h in known)
        if bool(cells[0][i]) != bool(cells[1][i]):
            problems.add(
                table.file,
                table.where(i, "input_tokens"),
                "give both input_tokens and output_tokens, or neither",
            )
        elif not cells[0][i]:
            if len(known) == 1:
                out[i] = known[0]
            elif not known:
                problems.add(
                    table.file,
                    table.where(i, "model"),
                    f"model '{model_ids[m]}' has no profiled deployment",
                )
            else:
                problems.add(
                    table.file,
                    table.where(i, "input_tokens"),
                    f"model '{model_ids[m]}' is profiled at {len(known)} request shapes ({listed}): "
                    "give input_tokens and output_tokens",
                )
        elif np.isfinite(given_in[i]) and np.isfinite(given_out[i]):
            h = index.get((int(given_in[i]), int(given_out[i])), -1)
            if h in model_shapes[m]:
                out[i] = h
            else:
                problems.add(
                    table.file,
                    table.where(i, "input_tokens"),
                    f"no deployment of model '{model_ids[m]}' is profiled at "
                    f"{int(given_in[i])}/{int(given_out[i])} tokens (profiled: {listed or 'none'})",
                )
    return out


def _demand(
    table: Table,
    region_ids: list[str] | None,
    models: ModelTable,
    tiers: TierTable,
    model_shapes: list[set[int]],
    shapes: tuple[np.ndarray, np.ndarray],
    problems: ProblemCollector,
) -> tuple[np.ndarray, ...] | None:
    """(region, model, tier, shape, output tokens/s) per demand row, sorted by (region, model, tier)."""
    if not check_columns(table, DEMAND_REQUIRED, DEMAND_OPTIONAL, problems):
        return None
    region_index = {r: i for i, r in enumerate(region_ids)} if region_ids is not None else None
    region = lookup(table, "region", region_index, "region", problems)
    model = lookup(table, "model", {m: i for i, m in enumerate(models.ids)}, "model", problems)
    tier = lookup(table, "tier", {t: i for i, t in enumerate(tiers.ids)}, "tier", problems)
    shape = _demand_shapes(table, model, model_shapes, models.ids, shapes, problems)
    tokens = numbers(table, "output_tokens_per_s", problems, default=np.nan, check=NON_NEGATIVE)
    requests = numbers(table, "requests_per_s", problems, default=np.nan, check=NON_NEGATIVE)
    cells = texts(table, "output_tokens_per_s"), texts(table, "requests_per_s")
    for i in range(len(table)):
        given = bool(cells[0][i]) + bool(cells[1][i])
        if given != 1:
            what = "both are given" if given else "neither is given"
            problems.add(
                table.file,
                table.where(i, "output_tokens_per_s"),
                f"give exactly one of output_tokens_per_s and requests_per_s ({what})",
            )
    output_tokens = np.where(shape >= 0, shapes[1][np.maximum(shape, 0)], np.nan)
    demand = np.where(np.isfinite(tokens), tokens, requests * output_tokens)
    first: dict[tuple[int, int, int], int] = {}
    for i, key in enumerate(zip(region.tolist(), model.tolist(), tier.tolist(), strict=True)):
        if min(key) < 0:
            continue
        if key in first:
            problems.add(
                table.file,
                table.where(i, "region"),
                f"region, model and tier repeat row {int(table.rows[first[key]])}",
            )
        first.setdefault(key, i)
    order = np.lexsort((tier, model, region))
    return tuple(values[order] for values in (region, model, tier, shape, demand))


def _kv_gb(models: ModelTable, model: int, inputs: int, outputs: int) -> float:
    per_request = float(models.kv_gb_per_request[model])
    if np.isfinite(per_request):
        return per_request
    return float(models.kv_mb_per_token[model]) * (inputs + outputs) / 1000.0


def _memory_fit(
    table: Table,
    deployments: DeploymentTable,
    models: ModelTable,
    curves: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    gpu_memory_gb: np.ndarray,
    gpus: Table | None,
    problems: ProblemCollector,
) -> None:
    """Each profiled curve of each deployment fits ``gpus_per_replica × memory_gb``."""
    inputs, outputs, key, starts, concurrency = curves
    missing = set()
    for j, (d, h) in enumerate(key.tolist()):
        if d < 0:
            continue
        t, m, gpr = (
            int(deployments.gpu[d]),
            int(deployments.model[d]),
            deployments.gpus_per_replica[d],
        )
        if t < 0 or m < 0 or not np.isfinite(deployments.weights_gb[d]) or not np.isfinite(gpr):
            continue
        memory = float(gpu_memory_gb[t]) if t < gpu_memory_gb.shape[0] else np.nan
        if not np.isfinite(memory):
            missing.add(t)
            continue
        c_max = float(concurrency[starts[j + 1] - 1])
        kv = _kv_gb(models, m, int(inputs[h]), int(outputs[h])) * c_max
        need = float(deployments.weights_gb[d]) + kv
        if not np.isfinite(need) or need > float(gpr) * memory * (1 + 1e-12):
            problems.add(
                table.file,
                table.where(d, "gpus_per_replica"),
                f"deployment '{deployments.ids[d]}' does not fit: weights "
                f"{deployments.weights_gb[d]:g} GB + KV cache {kv:g} GB at concurrency {c_max:g} "
                f"({_shape_text(inputs, outputs, h)} tokens) = {need:g} GB > {int(gpr)} x {memory:g} GB",
            )
    if gpus is not None and missing and not has(gpus, "memory_gb"):
        problems.add(gpus.file, "column memory_gb", "deployments need each GPU type's memory_gb")
    elif gpus is not None:
        for t in sorted(missing):
            problems.add(
                gpus.file, gpus.where(t, "memory_gb"), "deployments of this type need its memory_gb"
            )


def read_serving(
    tables: Mapping[str, Table | None],
    region_ids: list[str] | None,
    gpu_types: list[str] | None,
    gpu_memory_gb: np.ndarray | None,
    gpus: Table | None,
    problems: ProblemCollector,
) -> Serving | None:
    """Validate the five serving tables together; None when any problem was recorded."""
    before = len(problems.problems)
    models = read_models(tables["models"], problems) if tables["models"] is not None else None
    tiers = read_tiers(tables["slo"], problems) if tables["slo"] is not None else None
    deployments = None
    if tables["deployments"] is not None:
        deployments = read_deployments(tables["deployments"], models, gpu_types, problems)
    profiles = None
    if tables["profiles"] is not None:
        needs_p95 = tiers is not None and bool((tiers.percentile == 95).any())
        ids = deployments.ids if deployments is not None else None
        profiles = read_profiles(tables["profiles"], ids, needs_p95, problems)
    deployments_table = tables["deployments"]
    if models is None or tiers is None or deployments is None or profiles is None:
        return None
    assert deployments_table is not None
    inputs, outputs, key, starts = _curves(profiles)
    profiled = set(key[:, 0].tolist())
    for d in range(len(deployments.ids)):
        if d not in profiled:
            problems.add(
                deployments_table.file,
                deployments_table.where(d, "deployment"),
                f"deployment '{deployments.ids[d]}' has no point in profiles.csv",
            )
    model_shapes: list[set[int]] = [set() for _ in models.ids]
    for d, h in key.tolist():
        if d >= 0 and deployments.model[d] >= 0:
            model_shapes[int(deployments.model[d])].add(int(h))
    memory = np.asarray(gpu_memory_gb if gpu_memory_gb is not None else [], dtype=float)
    _memory_fit(
        deployments_table,
        deployments,
        models,
        (inputs, outputs, key, starts, profiles.concurrency),
        memory,
        gpus,
        problems,
    )
    demand = None
    if tables["demand"] is not None:
        demand = _demand(
            tables["demand"], region_ids, models, tiers, model_shapes, (inputs, outputs), problems
        )
    if len(problems.problems) > before or demand is None:
        return None
    region, model, tier, shape, amount = demand
    serving = Serving(
        model_ids=tuple(models.ids),
        model_kv_gb_per_request=models.kv_gb_per_request,
        model_kv_mb_per_token=models.kv_mb_per_token,
        deployment_ids=tuple(deployments.ids),
        deployment_model=deployments.model,
        deployment_gpu=deployments.gpu,
        deployment_gpus_per_replica=deployments.gpus_per_replica.astype(np.int64),
        deployment_precision=tuple(deployments.precision),
        deployment_weights_gb=deployments.weights_gb,
        gpu_memory_gb=memory,
        tier_ids=tuple(tiers.ids),
        tier_ttft_ms=tiers.ttft_ms,
        tier_ttft_percentile=tiers.percentile,
        tier_tpot_ms=tiers.tpot_ms,
        shape_input_tokens=inputs.astype(np.int64),
        shape_output_tokens=outputs.astype(np.int64),
        curve_deployment=key[:, 0].astype(np.int64),
        curve_shape=key[:, 1].astype(np.int64),
        curve_start=starts.astype(np.int64),
        profile_concurrency=profiles.concurrency,
        profile_ttft_p50_ms=profiles.ttft_p50_ms,
        profile_ttft_p95_ms=profiles.ttft_p95_ms,
        profile_tpot_ms=profiles.tpot_ms,
        profile_throughput=profiles.throughput,
        item_region=region,
        item_model=model,
        item_tier=tier,
        item_shape=shape,
        item_demand=amount,
    )
    return None if len(problems.problems) > before else serving
