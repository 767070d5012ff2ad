"""A plan's decisions as arrays aligned with an instance's indices.

The inverse of plan building: sites, assignments and unserved demand named by
id become ``[S]``, ``[S, T]``, ``[P]`` and ``[R]`` arrays. Every id the plan
names must exist in the instance and every value must be in range; anything
else is reported as an :class:`~gpuplace.errors.InputError` naming the plan's
source and the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from gpuplace.errors import ProblemCollector
from gpuplace.scenario.instance import Instance

# Shares may exceed 1 by rounding noise this small.
SHARE_SLACK = 1e-9


class _Site(Protocol):
    id: str
    open: bool | None
    gpus: Mapping[str, Any]
    new_gpus: Mapping[str, Any]


class _Assignment(Protocol):
    region: str
    site: str
    share: float


class _Unserved(Protocol):
    region: str
    demand: float


@dataclass(frozen=True, eq=False)
class PlanArrays:
    """Decisions of a plan, aligned with ``instance.site_ids``, ``gpu_types``, ``region_ids``, ``pair_*``.

    Attributes
    ----------
    open_sites : bool [S]
        Sites the plan lists and does not mark ``open: false``.
    gpus, new_gpus : int64 [S, T]
        GPUs per site and type, existing plus new, and new only (0 where unlisted).
    pair_share : float [P]
        Share of region ``pair_region[p]``'s demand served by ``pair_site[p]``.
    unserved : float [R]
        Unserved demand per region (demand units).
    assignment_region, assignment_site, assignment_pair : int [A]
        Each assignment's region, site and candidate pair (-1 when the instance
        has no such pair, e.g. after a change of SLA: its share is then in
        :meth:`share_matrix` only).
    assignment_share : float [A]
        Each assignment's share.
    """

    open_sites: np.ndarray
    gpus: np.ndarray
    new_gpus: np.ndarray
    pair_share: np.ndarray
    unserved: np.ndarray
    assignment_region: np.ndarray
    assignment_site: np.ndarray
    assignment_pair: np.ndarray
    assignment_share: np.ndarray

    def share_matrix(self) -> np.ndarray:
        """Share of each region's demand served by each site, float ``[R, S]``."""
        out = np.zeros((self.unserved.shape[0], self.open_sites.shape[0]))
        np.add.at(out, (self.assignment_region, self.assignment_site), self.assignment_share)
        return out


def _whole(value: Any) -> int | None:
    """A whole number >= 0, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value >= 0 and value == int(value) else None


def _site_counts(
    instance: Instance, sites: Iterable[_Site], problems: ProblemCollector, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    site_index = {s: i for i, s in enumerate(instance.site_ids)}
    type_index = {t: i for i, t in enumerate(instance.gpu_types)}
    is_open = np.zeros(instance.n_sites, dtype=bool)
    counts = {
        key: np.zeros((instance.n_sites, instance.n_types), dtype=np.int64)
        for key in ("gpus", "new_gpus")
    }
    for i, site in enumerate(sites):
        s = site_index.get(site.id)
        if s is None:
            problems.add(source, f"sites[{i}].id", f"unknown site {site.id!r}")
            continue
        is_open[s] |= site.open is not False
        for key, out in counts.items():
            for gpu_type, count in getattr(site, key).items():
                t, whole = type_index.get(gpu_type), _whole(count)
                if t is None:
                    problems.add(source, f"sites[{i}].{key}", f"unknown GPU type {gpu_type!r}")
                elif whole is None:
                    problems.add(
                        source, f"sites[{i}].{key}.{gpu_type}", "must be a whole number >= 0"
                    )
                else:
                    out[s, t] += whole
    return is_open, counts["gpus"], counts["new_gpus"]


def _pair_of(instance: Instance, region: np.ndarray, site: np.ndarray) -> np.ndarray:
    """Candidate pair of each (region, site), -1 where the instance has none."""
    out = np.full(len(region), -1, dtype=np.int64)
    if instance.n_pairs == 0 or len(region) == 0:
        return out
    keys = instance.pair_region.astype(np.int64) * instance.n_sites + instance.pair_site
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    wanted = region * instance.n_sites + site
    at = np.minimum(np.searchsorted(ordered, wanted), len(keys) - 1)
    found = ordered[at] == wanted
    out[found] = order[at[found]]
    return out


def plan_arrays(
    instance: Instance,
    sites: Iterable[_Site],
    assignments: Iterable[_Assignment],
    unserved: Iterable[_Unserved],
    *,
    source: str = "plan",
) -> PlanArrays:
    """The arrays of a plan's rows (see :class:`PlanArrays`).

    Raises
    ------
    InputError
        A site, region or GPU type the instance does not know, a GPU count that
        is not a whole number >= 0, a share outside [0, 1], a negative unserved
        demand; every problem is reported, with ``source`` and the key.
    """
    problems = ProblemCollector()
    is_open, gpus, new_gpus = _site_counts(instance, sites, problems, source)
    site_index = {s: i for i, s in enumerate(instance.site_ids)}
    region_index = {r: i for i, r in enumerate(instance.region_ids)}
    rows: list[tuple[int, int, float]] = []
    for i, row in enumerate(assignments):
        r, s = region_index.get(row.region), site_index.get(row.site)
        if r is None:
            problems.add(source, f"assignments[{i}].region", f"unknown region {row.region!r}")
        if s is None:
            problems.add(source, f"assignments[{i}].site", f"unknown site {row.site!r}")
        if not 0.0 <= row.share <= 1.0 + SHARE_SLACK:
            problems.add(source, f"assignments[{i}].share", "must be a number between 0 and 1")
        elif r is not None and s is not None:
            rows.append((r, s, float(row.share)))
    lost = np.zeros(instance.n_regions)
    for i, row in enumerate(unserved):
        r = region_index.get(row.region)
        if r is None:
            problems.add(source, f"unserved[{i}].region", f"unknown region {row.region!r}")
        elif not row.demand >= 0:
            problems.add(source, f"unserved[{i}].demand", "must be a number >= 0")
        else:
            lost[r] += row.demand
    problems.raise_if_any()
    region = np.array([r for r, _, _ in rows], dtype=np.int64)
    site = np.array([s for _, s, _ in rows], dtype=np.int64)
    share = np.array([x for _, _, x in rows], dtype=float)
    pair = _pair_of(instance, region, site)
    pair_share = np.zeros(instance.n_pairs)
    known = pair >= 0
    np.add.at(pair_share, pair[known], share[known])
    return PlanArrays(
        open_sites=is_open,
        gpus=gpus,
        new_gpus=new_gpus,
        pair_share=pair_share,
        unserved=lost,
        assignment_region=region,
        assignment_site=site,
        assignment_pair=pair,
        assignment_share=share,
    )


__all__ = ["PlanArrays", "plan_arrays"]
