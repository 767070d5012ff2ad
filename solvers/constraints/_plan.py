"""Reading a plan dict (PLAN.md) for the independent checks of constraint pieces.

Only the checks use this module; model building never does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

TOL = 1e-6


def site_index(instance: Any) -> dict[str, int]:
    return {sid: i for i, sid in enumerate(instance.site_ids)}


def region_index(instance: Any) -> dict[str, int]:
    return {rid: i for i, rid in enumerate(instance.region_ids)}


def gpu_counts(instance: Any, plan: dict, key: str = "gpus") -> np.ndarray:
    """GPUs per (site, type) from ``plan["sites"][*][key]`` (float [S, T])."""
    out = np.zeros((instance.n_sites, instance.n_types))
    sidx = site_index(instance)
    tidx = {t: i for i, t in enumerate(instance.gpu_types)}
    for site in plan.get("sites", []):
        s = sidx.get(site.get("id"))
        if s is None:
            continue
        for gpu, count in (site.get(key) or {}).items():
            if gpu in tidx:
                out[s, tidx[gpu]] += float(count)
    return out


def open_sites(instance: Any, plan: dict) -> np.ndarray:
    """Bool [S]: a site listed in the plan (not marked ``open: false``) or serving demand."""
    sidx = site_index(instance)
    out = np.zeros(instance.n_sites, dtype=bool)
    for site in plan.get("sites", []):
        s = sidx.get(site.get("id"))
        if s is not None and site.get("open", True):
            out[s] = True
    for a in plan.get("assignments", []):
        s = sidx.get(a.get("site"))
        if s is not None and float(a.get("share", 0.0)) > TOL:
            out[s] = True
    return out


def assignments(instance: Any, plan: dict) -> list[tuple[int, int, float]]:
    """(region index, site index, share) for each known assignment with share > 0."""
    ridx, sidx = region_index(instance), site_index(instance)
    out = []
    for a in plan.get("assignments", []):
        r, s = ridx.get(a.get("region")), sidx.get(a.get("site"))
        share = float(a.get("share", 0.0))
        if r is not None and s is not None and share > 0:
            out.append((r, s, share))
    return out


def unserved(instance: Any, plan: dict) -> np.ndarray:
    """Unserved demand units per region, float [R]."""
    ridx = region_index(instance)
    out = np.zeros(instance.n_regions)
    for u in plan.get("unserved", []):
        r = ridx.get(u.get("region"))
        if r is not None:
            out[r] += float(u.get("demand", 0.0))
    return out


def served_per_site(instance: Any, plan: dict) -> np.ndarray:
    out = np.zeros(instance.n_sites)
    for r, s, share in assignments(instance, plan):
        out[s] += share * float(instance.region_demand[r])
    return out


def shares_by_region(instance: Any, plan: dict) -> dict[int, list[tuple[int, float]]]:
    out: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for r, s, share in assignments(instance, plan):
        out[r].append((s, share))
    return out


def exceeds(value: float, limit: float) -> bool:
    """``value > limit`` beyond a relative tolerance."""
    return value > limit + TOL * max(1.0, abs(limit))
