"""A plan's decisions as arrays aligned with an instance's indices.

The inverse of plan building: sites, assignments and unserved demand named by
id become ``[S]``, ``[S, T]``, ``[P]`` and ``[K]`` arrays (K demand items: the
regions, or with serving models each region's demand for one model and tier,
named by the rows' ``model`` and ``tier``; their ``deployment`` and the sites'
``replicas`` name the deployments). Every id the plan
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
    @property
    def id(self) -> str: ...
    @property
    def open(self) -> bool | None: ...
    @property
    def gpus(self) -> Mapping[str, Any]: ...
    @property
    def new_gpus(self) -> Mapping[str, Any]: ...


class _Assignment(Protocol):
    @property
    def region(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def share(self) -> float: ...
    @property
    def model(self) -> str | None: ...
    @property
    def tier(self) -> str | None: ...
    @property
    def deployment(self) -> str | None: ...


class _Unserved(Protocol):
    @property
    def region(self) -> str: ...
    @property
    def demand(self) -> float: ...
    @property
    def model(self) -> str | None: ...
    @property
    def tier(self) -> str | None: ...


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
        Share of item ``pair_item[p]``'s demand served by pair p.
    unserved : float [K]
        Unserved demand per demand item (demand units).
    assignment_region, assignment_site, assignment_pair : int [A]
        Each assignment's region, site and candidate pair (-1 when the instance
        has no such pair, e.g. after a change of SLA: its share is then in
        :meth:`share_matrix` only).
    assignment_share : float [A]
        Each assignment's share.
    assignment_item, assignment_deployment : int [A]
        Each assignment's demand item (its region without serving models) and
        deployment (-1 without serving models).
    replicas : int [S, D], optional
        Replicas per site and deployment (serving models only).
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
    assignment_item: np.ndarray | None = None
    assignment_deployment: np.ndarray | None = None
    replicas: np.ndarray | None = None

    def share_matrix(self) -> np.ndarray:
        """Share of each item's demand (each region's) served by each site, float ``[K, S]``."""
        item = self.assignment_region if self.assignment_item is None else self.assignment_item
        out = np.zeros((self.unserved.shape[0], self.open_sites.shape[0]))
        np.add.at(out, (item, self.assignment_site), self.assignment_share)
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


def _pair_of(
    instance: Instance, item: np.ndarray, site: np.ndarray, deployment: np.ndarray
) -> np.ndarray:
    """Candidate pair of each (item, site, deployment), -1 where the instance has none."""
    out = np.full(len(item), -1, dtype=np.int64)
    if instance.n_pairs == 0 or len(item) == 0:
        return out
    D = instance.n_deployments + 1
    keys = (instance.pair_item.astype(np.int64) * instance.n_sites + instance.pair_site) * D
    keys = keys + instance.pair_deployment + 1
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    wanted = (item * instance.n_sites + site) * D + deployment + 1
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
    sites = list(sites)
    is_open, gpus, new_gpus = _site_counts(instance, sites, problems, source)
    site_index = {s: i for i, s in enumerate(instance.site_ids)}
    region_index = {r: i for i, r in enumerate(instance.region_ids)}
    items = _Items(instance, source, problems)
    rows: list[tuple[int, int, float, int, int]] = []
    for i, row in enumerate(assignments):
        r, s = region_index.get(row.region), site_index.get(row.site)
        if r is None:
            problems.add(source, f"assignments[{i}].region", f"unknown region {row.region!r}")
        if s is None:
            problems.add(source, f"assignments[{i}].site", f"unknown site {row.site!r}")
        k, d = items.of(r, row, f"assignments[{i}]", deployment=True)
        if not 0.0 <= row.share <= 1.0 + SHARE_SLACK:
            problems.add(source, f"assignments[{i}].share", "must be a number between 0 and 1")
        elif r is not None and s is not None and k >= 0:
            rows.append((r, s, float(row.share), k, d))
    lost = np.zeros(instance.n_items)
    for i, left in enumerate(unserved):
        r = region_index.get(left.region)
        if r is None:
            problems.add(source, f"unserved[{i}].region", f"unknown region {left.region!r}")
        k, _ = items.of(r, left, f"unserved[{i}]")
        if r is None or k < 0:
            continue
        if not left.demand >= 0:
            problems.add(source, f"unserved[{i}].demand", "must be a number >= 0")
        else:
            lost[k] += left.demand
    replicas = items.replicas(sites)
    problems.raise_if_any()
    region, site, share, item, deployment = (
        np.array([row[j] for row in rows], dtype=float if j == 2 else np.int64) for j in range(5)
    )
    pair = _pair_of(instance, item, site, deployment)
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
        assignment_item=item,
        assignment_deployment=deployment,
        replicas=replicas,
    )


class _Items:
    """Demand items and deployments named by plan rows (serving models), with problems."""

    def __init__(self, instance: Instance, source: str, problems: ProblemCollector):
        self.instance, self.source, self.problems = instance, source, problems
        serving = instance.serving
        if serving is None:
            return
        self.model = {m: i for i, m in enumerate(serving.model_ids)}
        self.tier = {t: i for i, t in enumerate(serving.tier_ids)}
        self.deployment = {d: i for i, d in enumerate(serving.deployment_ids)}
        self.items = {
            key: k
            for k, key in enumerate(
                zip(
                    serving.item_region.tolist(),
                    serving.item_model.tolist(),
                    serving.item_tier.tolist(),
                    strict=True,
                )
            )
        }

    def of(
        self, region: int | None, row: Any, where: str, deployment: bool = False
    ) -> tuple[int, int]:
        """(item, deployment) of a row; (region, -1) without serving models; -1 if unknown."""
        if self.instance.serving is None or region is None:
            return (region if region is not None else -1), -1
        key = (region, self.model.get(row.model, -1), self.tier.get(row.tier, -1))
        item = self.items.get(key, -1)
        if item < 0:
            self.problems.add(
                self.source, where, f"no demand for model {row.model!r}, tier {row.tier!r} there"
            )
        d = self.deployment.get(row.deployment, -1) if deployment else -1
        if deployment and d < 0:
            self.problems.add(
                self.source, f"{where}.deployment", f"unknown deployment {row.deployment!r}"
            )
            item = -1
        return item, d

    def replicas(self, sites: list[_Site]) -> np.ndarray | None:
        if self.instance.serving is None:
            return None
        site_index = {s: i for i, s in enumerate(self.instance.site_ids)}
        out = np.zeros((self.instance.n_sites, len(self.deployment)), dtype=np.int64)
        for i, site in enumerate(sites):
            s = site_index.get(site.id)
            for name, count in (getattr(site, "replicas", None) or {}).items():
                d, whole = self.deployment.get(name), _whole(count)
                if d is None or whole is None:
                    what = (
                        f"unknown deployment {name!r}"
                        if d is None
                        else "must be a whole number >= 0"
                    )
                    self.problems.add(self.source, f"sites[{i}].replicas.{name}", what)
                elif s is not None:
                    out[s, d] += whole
        return out


__all__ = ["PlanArrays", "plan_arrays"]
