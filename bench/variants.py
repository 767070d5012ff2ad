"""Feature variants of a world scenario folder: one transformation per feature, composable.

``python -m bench.variants WORLD_FOLDER OUT_FOLDER [--seed S] [--rows base,links,...]
[--base-plan PLAN]`` writes one scenario folder per row (``OUT_FOLDER/<row>``) and
prints the parameters.

Each feature is a transformation of the folder's scenario (TOML, sites, regions,
topology). Its parameters are derived by the rules below from the folder's own
inputs (``custom`` also from a plan of the base), never from constants fitted to
one instance, so the same call on any ``gpuplace datasets build world`` output
gives the matching variant. Randomness (which regions, which sites) comes from
``numpy.random.default_rng([seed, crc32(feature)])``: a feature picks the same
regions alone and in a row with other features. ``G`` below is the GPUs all
demand needs with the type of highest throughput at ``max_utilisation``, ``K`` the
size of a greedy capacitated cover (:func:`bench.world_reach.greedy_cover`).

- ``unserved``: ``allow_unserved = true``; one region (seeded, among those whose
  nearest site is >= 1 ms away) gets ``sla_rtt_ms`` = half its best RTT.
- ``redundancy``: ``redundancy = 2`` (needs two sites in reach of every region).
- ``links``: ``[regions] gbps_per_unit = 1``; every link gets ``capacity_gbps`` =
  the larger of its load when each region is split evenly over its two nearest
  sites and 2 % of all demand (so the split, which serves everything, fits).
- ``single_sourcing``: ``single_sourcing = true``.
- ``max_sites``: ``max_sites = ceil(1.25 K)``, ``min_gpus_per_site = ceil(G / 4K)`` (or the
  folder's, when larger).
- ``brownfield``: a third of the sites (seeded, among those where it fits) hold
  ``existing_<T>`` GPUs of the type of lowest capex per throughput, between
  ``m`` and ``2m`` (``m`` = ``min_gpus_per_site``, at least 1, capped by power
  and space), and their ``fixed_cost`` is 0.
- ``served``: objective ``served``, budget 60 % of a lower bound on the cost of
  serving all demand: ``(Σ demand / max_utilisation − Σ existing throughput) ×
  min_{t,s} capex_t cf_s / thr_t``.
- ``latency``: objective ``latency``, the folder's budget kept.
- ``pmedian``: objective ``latency``, no budget, ``max_sites = K``.
- ``sovereignty``: a quarter of the regions (seeded, among those with a site of
  their own country in reach) get ``allowed_countries`` = their country.
- ``custom``: ``max_gpus_per_country`` on the country where a plan of the base
  (``base_plan``) holds the most GPUs, at most half of them. Where GPUs go depends
  on site prices, fixed costs and latency together: no rule on the inputs alone
  found the country reliably, so this one feature reads a plan.
- ``survivable``: ``survive_site_failure = true`` (needs two sites in reach).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from bench.variant_data import BaseFolder, Draft, VariantError, write_draft

__all__ = ["FEATURES", "ROWS", "Variant", "VariantError", "build_variant", "build_variants"]

Transform = Callable[[Draft, "Facts", np.random.Generator], dict[str, str]]

LINK_GBPS_PER_UNIT = 1.0
LINK_FLOOR_SHARE = 0.02
SERVED_BUDGET_SHARE = 0.6
MAX_SITES_SLACK = 1.25
MIN_GPUS_SHARE = 0.25


@dataclass
class Facts:
    """The base folder and what the rules derive from it (computed once, when asked)."""

    base: BaseFolder
    base_plan: dict | None = None  # a plan of the base scenario (``solve -o`` JSON)

    @property
    def instance(self):
        return self.base.instance

    @cached_property
    def cover(self) -> int:
        from bench.world_reach import greedy_cover

        return len(greedy_cover(self.instance, self.base.reach))

    @cached_property
    def gpus_needed(self) -> float:
        inst = self.instance
        return float(
            inst.region_demand.sum()
            / (inst.constraints.max_utilisation * inst.gpu_throughput.max())
        )

    def two_in_reach(self, feature: str) -> None:
        counts = self.base.reach.in_sla(self.instance).sum(axis=1)
        short = np.flatnonzero((counts < 2) & (self.instance.region_demand > 0))
        if short.size:
            ids = ", ".join(self.instance.region_ids[r] for r in short[:5])
            raise VariantError(f"{feature}: {short.size} region(s) have < 2 sites in reach ({ids})")


def _pick(rng: np.random.Generator, candidates: np.ndarray, n: int, what: str) -> np.ndarray:
    if candidates.size < n:
        raise VariantError(f"{what}: {candidates.size} candidates, {n} needed")
    return np.sort(rng.choice(candidates, size=n, replace=False))


def _unserved(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    inst = facts.instance
    best = facts.base.reach.rtt_ms.min(axis=1)
    r = int(_pick(rng, np.flatnonzero((best >= 1.0) & (inst.region_demand > 0)), 1, "unserved")[0])
    sla = math.floor(best[r] / 2.0 * 1000.0) / 1000.0
    draft.regions.loc[r, "sla_rtt_ms"] = repr(sla)
    draft.constraints["allow_unserved"] = True
    penalty = draft.constraints.get("unserved_penalty", 1.0e6)
    return {
        "constraints.allow_unserved": "true",
        "unserved_penalty": f"{penalty:g}",
        "out of reach": f"{inst.region_ids[r]} (demand {inst.region_demand[r]:g}): "
        f"sla_rtt_ms {sla:g} < its best RTT {best[r]:.3f} ms",
    }


def _redundancy(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    facts.two_in_reach("redundancy")
    draft.constraints["redundancy"] = 2
    return {"constraints.redundancy": "2"}


def _links(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    from bench.world_reach import link_loads

    inst, reach = facts.instance, facts.base.reach
    facts.two_in_reach("links")
    two = reach.nearest(2)
    split = link_loads(
        inst,
        reach,
        np.repeat(np.arange(inst.n_regions), 2),
        two.ravel(),
        np.repeat(inst.region_demand / 2.0, 2),
    )
    floor = LINK_FLOOR_SHARE * float(inst.region_demand.sum())
    capacity = LINK_GBPS_PER_UNIT * np.maximum(split, floor)
    draft.capacity_gbps = capacity
    draft.config.setdefault("regions", {})["gbps_per_unit"] = LINK_GBPS_PER_UNIT
    return {
        "regions.gbps_per_unit": f"{LINK_GBPS_PER_UNIT:g}",
        "capacity_gbps": f"max(two-nearest split load, {floor:,.1f}) on all "
        f"{capacity.size} links: median {np.median(capacity):,.1f}, max {capacity.max():,.1f}; "
        f"{int((split > floor).sum())} links above the floor",
    }


def _single_sourcing(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    draft.constraints["single_sourcing"] = True
    return {"constraints.single_sourcing": "true"}


def _max_sites(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    n = math.ceil(MAX_SITES_SLACK * facts.cover)
    m = max(
        int(draft.constraints.get("min_gpus_per_site", 0)),
        math.ceil(MIN_GPUS_SHARE * facts.gpus_needed / facts.cover),
    )
    draft.constraints["max_sites"] = n
    draft.constraints["min_gpus_per_site"] = m
    return {
        "constraints.max_sites": f"{n} (greedy cover K = {facts.cover})",
        "constraints.min_gpus_per_site": f"{m} (G = {facts.gpus_needed:,.0f})",
    }


def _brownfield(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    inst = facts.instance
    t = int(np.argmin(inst.gpu_capex / inst.gpu_throughput))
    m = max(int(draft.constraints.get("min_gpus_per_site", 0)), 1)
    fits = np.floor(inst.site_power_kw / (inst.gpu_power_kw[t] * inst.site_pue))
    fits = np.minimum(fits, inst.site_max_gpus)
    usable = np.flatnonzero((fits >= m) & (inst.site_status == 0))
    picked = _pick(rng, usable, inst.n_sites // 3, "brownfield")
    count = np.minimum(rng.integers(m, 2 * m + 1, size=picked.size), fits[picked]).astype(int)
    column = f"existing_{inst.gpu_types[t]}"
    values = np.zeros(inst.n_sites, dtype=int)
    values[picked] = count
    draft.sites[column] = [str(v) for v in values]
    draft.sites.loc[picked, "fixed_cost"] = "0"
    return {
        column: f"{count.sum():,} GPUs at {picked.size} of {inst.n_sites} sites "
        f"({count.min()}-{count.max()} each)",
        "fixed_cost": "0 at those sites",
    }


def _served(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    inst = facts.instance
    throughput = dict(zip(inst.gpu_types, inst.gpu_throughput, strict=True))
    existing = sum(
        pd.to_numeric(draft.sites[f"existing_{t}"]).sum() * thr
        for t, thr in throughput.items()
        if f"existing_{t}" in draft.sites.columns
    )
    util = inst.constraints.max_utilisation
    per_unit = float((inst.gpu_capex / inst.gpu_throughput).min() * inst.site_cost_factor.min())
    bound = max(float(inst.region_demand.sum()) / util - existing, 0.0) * per_unit
    if bound <= 0:
        raise VariantError("served: the existing GPUs serve all demand; no budget falls short")
    budget = float(round(SERVED_BUDGET_SHARE * bound, -3))
    draft.objective["kind"] = "served"
    draft.constraints["budget"] = budget
    return {
        "objective.kind": "served",
        "constraints.budget": f"{budget:,.0f} ({SERVED_BUDGET_SHARE:.0%} of the bound "
        f"{bound:,.0f} on serving everything)",
    }


def _latency(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    if "budget" not in draft.constraints:
        raise VariantError("latency: the folder has no budget")
    draft.objective["kind"] = "latency"
    return {
        "objective.kind": "latency",
        "constraints.budget": f"{draft.constraints['budget']:,.0f} (the folder's)",
    }


def _pmedian(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    draft.objective["kind"] = "latency"
    draft.constraints.pop("budget", None)
    draft.constraints["max_sites"] = facts.cover
    return {
        "objective.kind": "latency",
        "constraints.budget": "none",
        "constraints.max_sites": f"{facts.cover} (greedy cover K)",
    }


def _sovereignty(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    inst = facts.instance
    region_country = np.array(inst.region_country)
    same = region_country[:, None] == np.array(inst.site_country)[None, :]
    own = (facts.base.reach.in_sla(inst) & same).any(axis=1) & (region_country != "")
    picked = _pick(rng, np.flatnonzero(own), inst.n_regions // 4, "sovereignty")
    allowed = [""] * inst.n_regions
    for r in picked:
        allowed[r] = inst.region_country[r]
    draft.regions["allowed_countries"] = allowed
    return {
        "regions.allowed_countries": f"own country at {picked.size} of {inst.n_regions} "
        f"regions ({int(own.sum())} have a site of their country in reach)",
    }


def _custom(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    inst, plan = facts.instance, facts.base_plan
    if plan is None or not plan.get("sites"):
        raise VariantError("custom: the cap is set from a plan of the base; none was given")
    country_of = dict(zip(inst.site_ids, inst.site_country, strict=True))
    held = pd.Series(
        [sum(site["gpus"].values()) for site in plan["sites"]],
        index=[country_of[site["id"]] for site in plan["sites"]],
    )
    held = held.groupby(level=0).sum()
    country = str(held.idxmax())
    cap = int(held[country]) // 2
    spec = {"kind": "max_gpus_per_country", "params": {"country": country, "max_gpus": cap}}
    draft.constraints.setdefault("custom", []).append(spec)
    return {
        "constraints.custom": f"max_gpus_per_country {country} <= {cap} (half the "
        f"{int(held[country]):,} GPUs the base plan holds there, the most of any country)",
    }


def _survivable(draft: Draft, facts: Facts, rng: np.random.Generator) -> dict[str, str]:
    facts.two_in_reach("survivable")
    draft.constraints["survive_site_failure"] = True
    return {"constraints.survive_site_failure": "true"}


FEATURES: dict[str, Transform] = {
    "unserved": _unserved,
    "redundancy": _redundancy,
    "links": _links,
    "single_sourcing": _single_sourcing,
    "max_sites": _max_sites,
    "brownfield": _brownfield,
    "served": _served,
    "latency": _latency,
    "pmedian": _pmedian,
    "sovereignty": _sovereignty,
    "custom": _custom,
    "survivable": _survivable,
}

ROWS: dict[str, tuple[str, ...]] = {
    "base": (),
    **{name: (name,) for name in FEATURES},
    "unserved+redundancy+links": ("unserved", "redundancy", "links"),
    "brownfield+single_sourcing+sovereignty": ("brownfield", "single_sourcing", "sovereignty"),
    "served+max_sites+custom": ("served", "max_sites", "custom"),
}


@dataclass(frozen=True)
class Variant:
    """A written variant: its row name, features, stated parameters and scenario file."""

    row: str
    features: tuple[str, ...]
    parameters: dict[str, str] = field(default_factory=dict)
    scenario: Path = Path()


def build_variant(facts: Facts, row: str, out_dir: Path, seed: int) -> Variant:
    """Apply the features of ``row`` (in order) to the base folder and write ``out_dir``."""
    features = ROWS[row]
    draft = facts.base.draft()
    parameters: dict[str, str] = {}
    for name in features:
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        stated = FEATURES[name](draft, facts, rng)
        parameters.update(
            {f"{name}: {k}" if len(features) > 1 else k: v for k, v in stated.items()}
        )
    draft.config["name"] = f"{draft.config.get('name', 'world')}-{row}"
    return Variant(row, features, parameters, write_draft(draft, facts.base, out_dir))


def build_variants(
    world: Path,
    out_dir: Path,
    rows: list[str] | None = None,
    seed: int = 0,
    base_plan: dict | None = None,
) -> list[Variant]:
    """Every row of ``rows`` (default all) as ``out_dir/<row>/scenario.toml``."""
    facts = Facts(BaseFolder.read(world), base_plan)
    return [build_variant(facts, row, out_dir / row, seed) for row in rows or list(ROWS)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world", type=Path, help="folder of a world scenario")
    parser.add_argument("out", type=Path, help="folder for the variants")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", default="", help=f"comma-separated: {', '.join(ROWS)}")
    parser.add_argument("--base-plan", type=Path, help="a plan of the base (for custom)")
    args = parser.parse_args(argv)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()] or None
    unknown = [r for r in rows or [] if r not in ROWS]
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}")
    try:
        plan = json.loads(args.base_plan.read_text(encoding="utf-8")) if args.base_plan else None
        variants = build_variants(args.world, args.out, rows, args.seed, plan)
    except VariantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for v in variants:
        print(v.scenario)
        for key, value in v.parameters.items():
            print(f"  {key} = {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
