"""``models.csv``, ``deployments.csv``, ``profiles.csv`` and ``slo.csv``: validation into arrays.

Every problem names the file, the 1-based data row and the column (SCENARIO.md,
"Serving models"); :mod:`gpuplace.scenario.serving_read` joins the tables with
the demand and checks that each deployment fits its GPUs' memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.serving import PRECISION_BYTES
from gpuplace.scenario.tables import (
    AT_LEAST_ONE,
    NON_NEGATIVE,
    POSITIVE,
    Table,
    check_columns,
    has,
    numbers,
    texts,
    unique_ids,
)

__all__ = [
    "DeploymentTable",
    "ModelTable",
    "ProfileTable",
    "TierTable",
    "lookup",
    "read_deployments",
    "read_models",
    "read_profiles",
    "read_tiers",
]

WEIGHTS_PREFIX = "weights_gb_"
MODEL_REQUIRED = ("model", "params_b")
MODEL_OPTIONAL = ("kv_gb_per_request", "kv_mb_per_token")
DEPLOYMENT_REQUIRED = ("deployment", "model", "gpu", "gpus_per_replica", "precision")
PROFILE_REQUIRED = (
    "deployment",
    "input_tokens",
    "output_tokens",
    "concurrency",
    "ttft_p50_ms",
    "tpot_ms",
    "output_tokens_per_s",
)
PROFILE_OPTIONAL = ("ttft_p95_ms",)
TIER_REQUIRED = ("tier", "ttft_ms", "ttft_percentile", "tpot_ms")
PERCENTILES = (50.0, 95.0)


@dataclass(frozen=True, eq=False)
class ModelTable:
    ids: list[str]
    params_b: np.ndarray
    weights_gb: dict[str, np.ndarray]  # precision -> [M] (NaN where empty)
    kv_gb_per_request: np.ndarray
    kv_mb_per_token: np.ndarray


@dataclass(frozen=True, eq=False)
class DeploymentTable:
    ids: list[str]
    model: np.ndarray  # -1 when unknown
    gpu: np.ndarray  # -1 when unknown
    gpus_per_replica: np.ndarray
    precision: list[str]
    weights_gb: np.ndarray  # NaN when it cannot be resolved


@dataclass(frozen=True, eq=False)
class ProfileTable:
    """Points sorted by (deployment, input, output, concurrency); ``row`` is the table row index."""

    row: np.ndarray
    deployment: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    concurrency: np.ndarray
    ttft_p50_ms: np.ndarray
    ttft_p95_ms: np.ndarray
    tpot_ms: np.ndarray
    throughput: np.ndarray


@dataclass(frozen=True, eq=False)
class TierTable:
    ids: list[str]
    ttft_ms: np.ndarray
    percentile: np.ndarray
    tpot_ms: np.ndarray


def lookup(
    table: Table, column: str, index: dict[str, int] | None, what: str, problems: ProblemCollector
) -> np.ndarray:
    """Index of each row's ``column`` in ``index`` (-1 when unknown; a problem names the row)."""
    out = np.full(len(table), -1, dtype=np.int64)
    for i, name in enumerate(texts(table, column)):
        if not name:
            problems.add(table.file, table.where(i, column), f"is empty, a {what} is required")
        elif index is not None and name not in index:
            known = ", ".join(sorted(index)) if len(index) <= 12 else f"{len(index)} {what}s"
            problems.add(table.file, table.where(i, column), f"unknown {what} '{name}' ({known})")
        elif index is not None:
            out[i] = index[name]
    return out


def read_models(table: Table, problems: ProblemCollector) -> ModelTable | None:
    """Models: unique names, params_b > 0, KV cache per request or per token (exactly one)."""
    weight_columns = [c for c in table.frame.columns if c.startswith(WEIGHTS_PREFIX)]
    ok = check_columns(
        table,
        MODEL_REQUIRED,
        MODEL_OPTIONAL,
        problems,
        extra_ok=lambda c: c.startswith(WEIGHTS_PREFIX) and len(c) > len(WEIGHTS_PREFIX),
    )
    if not ok:
        return None
    kv_request = numbers(table, "kv_gb_per_request", problems, default=np.nan, check=POSITIVE)
    kv_token = numbers(table, "kv_mb_per_token", problems, default=np.nan, check=POSITIVE)
    request_cells, token_cells = texts(table, "kv_gb_per_request"), texts(table, "kv_mb_per_token")
    for i in range(len(table)):
        given = bool(request_cells[i]) + bool(token_cells[i])
        if given != 1:
            what = "both are given" if given else "neither is given"
            problems.add(
                table.file,
                table.where(i, "kv_gb_per_request"),
                f"give exactly one of kv_gb_per_request and kv_mb_per_token ({what})",
            )
    return ModelTable(
        ids=unique_ids(table, "model", problems),
        params_b=numbers(table, "params_b", problems, check=POSITIVE),
        weights_gb={
            c[len(WEIGHTS_PREFIX) :].lower(): numbers(
                table, c, problems, default=np.nan, check=POSITIVE
            )
            for c in weight_columns
        },
        kv_gb_per_request=kv_request,
        kv_mb_per_token=kv_token,
    )


def _weights(models: ModelTable | None, model: int, precision: str) -> float:
    """Weight memory (GB) of ``model`` at ``precision``: the models.csv column, else params x bytes."""
    if models is None or model < 0:
        return np.nan
    given = models.weights_gb.get(precision)
    if given is not None and np.isfinite(given[model]):
        return float(given[model])
    per_param = PRECISION_BYTES.get(precision)
    return float(models.params_b[model]) * per_param if per_param is not None else np.nan


def read_deployments(
    table: Table,
    models: ModelTable | None,
    gpu_types: list[str] | None,
    problems: ProblemCollector,
) -> DeploymentTable | None:
    """Deployments: unique names, a known model and GPU type, GPUs per replica >= 1, precision."""
    if not check_columns(table, DEPLOYMENT_REQUIRED, (), problems):
        return None
    model_index = {m: i for i, m in enumerate(models.ids)} if models is not None else None
    gpu_index = {t: i for i, t in enumerate(gpu_types)} if gpu_types is not None else None
    model = lookup(table, "model", model_index, "model", problems)
    precision = [p.lower() for p in texts(table, "precision")]
    weights = np.array([_weights(models, int(m), p) for m, p in zip(model, precision, strict=True)])
    for i in np.flatnonzero(~np.isfinite(weights) & (model >= 0)):
        problems.add(
            table.file,
            table.where(int(i), "precision"),
            f"unknown precision '{precision[i]}' (known: {', '.join(PRECISION_BYTES)}) and "
            f"models.csv has no {WEIGHTS_PREFIX}{precision[i]} for model "
            f"'{models.ids[model[i]] if models is not None else ''}'",
        )
    return DeploymentTable(
        ids=unique_ids(table, "deployment", problems),
        model=model,
        gpu=lookup(table, "gpu", gpu_index, "GPU type", problems),
        gpus_per_replica=numbers(
            table, "gpus_per_replica", problems, check=AT_LEAST_ONE, integer=True
        ),
        precision=precision,
        weights_gb=weights,
    )


def _check_monotone(table: Table, points: ProfileTable, problems: ProblemCollector) -> None:
    """Within each curve: one point per concurrency, every measure non-decreasing in it."""
    key = np.stack([points.deployment, points.input_tokens, points.output_tokens], axis=1)
    same = np.all(key[1:] == key[:-1], axis=1)
    for j in np.flatnonzero(same):
        row = int(points.row[j + 1])
        if points.concurrency[j + 1] == points.concurrency[j]:
            first = int(table.rows[points.row[j]])
            problems.add(
                table.file,
                table.where(row, "concurrency"),
                f"the curve already has concurrency {points.concurrency[j]:g} (row {first})",
            )
            continue
        for column, values in (
            ("ttft_p50_ms", points.ttft_p50_ms),
            ("ttft_p95_ms", points.ttft_p95_ms),
            ("tpot_ms", points.tpot_ms),
            ("output_tokens_per_s", points.throughput),
        ):
            if values[j + 1] < values[j]:
                problems.add(
                    table.file,
                    table.where(row, column),
                    f"{values[j + 1]:g} is below {values[j]:g} at the next lower concurrency "
                    f"{points.concurrency[j]:g}: a profile must be non-decreasing in concurrency",
                )


def read_profiles(
    table: Table,
    deployment_ids: list[str] | None,
    needs_p95: bool,
    problems: ProblemCollector,
) -> ProfileTable | None:
    """Profile points: known deployment, shape, concurrency > 0, measures, monotone curves.

    ``needs_p95``: some tier targets p95, so every point needs ``ttft_p95_ms``.
    """
    if not check_columns(table, PROFILE_REQUIRED, PROFILE_OPTIONAL, problems):
        return None
    index = {d: i for i, d in enumerate(deployment_ids)} if deployment_ids is not None else None
    deployment = lookup(table, "deployment", index, "deployment", problems)
    p50 = numbers(table, "ttft_p50_ms", problems, check=NON_NEGATIVE)
    p95_default = None if needs_p95 else np.nan
    if needs_p95 and not has(table, "ttft_p95_ms"):
        problems.add(
            table.file, "column ttft_p95_ms", "a tier of slo.csv targets p95: this column is needed"
        )
        p95_default = np.nan
    p95 = numbers(table, "ttft_p95_ms", problems, default=p95_default, check=NON_NEGATIVE)
    for i in np.flatnonzero(p95 < p50):
        problems.add(
            table.file,
            table.where(int(i), "ttft_p95_ms"),
            f"{p95[i]:g} is below ttft_p50_ms {p50[i]:g}",
        )
    points = {
        "input_tokens": numbers(table, "input_tokens", problems, check=AT_LEAST_ONE, integer=True),
        "output_tokens": numbers(
            table, "output_tokens", problems, check=AT_LEAST_ONE, integer=True
        ),
        "concurrency": numbers(table, "concurrency", problems, check=POSITIVE),
        "tpot_ms": numbers(table, "tpot_ms", problems, check=POSITIVE),
        "throughput": numbers(table, "output_tokens_per_s", problems, check=POSITIVE),
    }
    order = np.lexsort(
        (points["concurrency"], points["output_tokens"], points["input_tokens"], deployment)
    )
    profile = ProfileTable(
        row=order,
        deployment=deployment[order],
        ttft_p50_ms=p50[order],
        ttft_p95_ms=p95[order],
        **{key: values[order] for key, values in points.items()},
    )
    _check_monotone(table, profile, problems)
    return profile


def read_tiers(table: Table, problems: ProblemCollector) -> TierTable | None:
    """SLO tiers: unique names, TTFT target > 0 at percentile 50 or 95, TPOT target > 0."""
    if not check_columns(table, TIER_REQUIRED, (), problems):
        return None
    percentile = numbers(table, "ttft_percentile", problems)
    for i in np.flatnonzero(np.isfinite(percentile) & ~np.isin(percentile, PERCENTILES)):
        problems.add(
            table.file,
            table.where(int(i), "ttft_percentile"),
            f"must be 50 or 95 (the profile columns ttft_p50_ms, ttft_p95_ms), got {percentile[i]:g}",
        )
    return TierTable(
        ids=unique_ids(table, "tier", problems),
        ttft_ms=numbers(table, "ttft_ms", problems, check=POSITIVE),
        percentile=percentile,
        tpot_ms=numbers(table, "tpot_ms", problems, check=POSITIVE),
    )
