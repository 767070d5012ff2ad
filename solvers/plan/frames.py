"""A plan as pandas DataFrames (and, with the ``geo`` extra, GeoDataFrames).

:class:`PlanFrames` is mixed into :class:`~gpuplace.solvers.plan.value.Plan`:
each method builds a new frame from the plan's rows (the plan is not changed).
Columns hold one unit each, named as in the plan file, except where a plan
field's name is ambiguous: an assignment's ``demand`` (the demand that
assignment serves) is ``served_demand``, an unserved row's ``demand`` is
``unserved_demand``, and a site's ``id`` is ``site`` (so frames join on
``site`` and ``region``). Frames of a plan without decisions are empty, with
their columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gpuplace.scenario.instance import Instance

if TYPE_CHECKING:
    from gpuplace.solvers.plan.arrays import PlanArrays

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "GPU_COLUMNS",
    "LINK_COLUMNS",
    "REGION_COLUMNS",
    "SITE_COLUMNS",
    "UNSERVED_COLUMNS",
    "PlanFrames",
]

SITE_COLUMNS = (
    "site",
    "node",
    "country",
    "open",
    "gpus",
    "new_gpus",
    "power_kw",
    "served_demand",
    "utilisation",
    "fixed_cost",
)
GPU_COLUMNS = ("site", "gpu_type", "gpus", "new_gpus", "existing_gpus")
ASSIGNMENT_COLUMNS = ("region", "site", "share", "served_demand", "rtt_ms")
REGION_COLUMNS = (
    "region",
    "lat",
    "lon",
    "country",
    "demand",
    "sla_rtt_ms",
    "served_demand",
    "unserved_demand",
    "served_fraction",
    "mean_rtt_ms",
    "max_rtt_ms",
    "primary_site",
    "sites",
)
LINK_COLUMNS = ("source", "target", "load_gbps", "capacity_gbps", "utilisation")
UNSERVED_COLUMNS = ("region", "unserved_demand")


def _frame(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


class PlanFrames:
    """DataFrame views of a plan; see the module docstring for the column conventions."""

    if TYPE_CHECKING:
        sites: Sequence[Any]
        assignments: Sequence[Any]
        unserved: Sequence[Any]
        links: Sequence[Any]

        def arrays(self, instance: Instance) -> PlanArrays: ...

    def sites_frame(self, instance: Instance | None = None) -> pd.DataFrame:
        """One row per site the plan lists (open, or holding GPUs).

        Columns: ``site``, ``node``, ``country``, ``open``, ``gpus`` and ``new_gpus``
        (counts over all types; per type in :meth:`gpus_frame`), ``power_kw``,
        ``served_demand``, ``utilisation``, ``fixed_cost``; with ``instance``, also
        ``lat`` and ``lon`` of the site's node (NaN for a site the instance lacks).
        """
        rows = [
            (
                s.id,
                s.node,
                s.country or "",
                s.open is not False,
                int(sum(s.gpus.values())),
                int(sum(s.new_gpus.values())),
                _number(s.power_kw),
                _number(s.served_demand),
                _number(s.utilisation),
                _number(s.fixed_cost),
            )
            for s in self.sites
        ]
        frame = _frame(rows, SITE_COLUMNS)
        if instance is not None:
            index = {site: i for i, site in enumerate(instance.site_ids)}
            node = [int(instance.site_node[index[s]]) if s in index else -1 for s in frame.site]
            node_arr = np.asarray(node, dtype=np.int64)
            known = node_arr >= 0
            topology = instance.topology
            frame["lat"] = np.where(known, topology.node_lat[np.maximum(node_arr, 0)], np.nan)
            frame["lon"] = np.where(known, topology.node_lon[np.maximum(node_arr, 0)], np.nan)
        return frame

    def gpus_frame(self) -> pd.DataFrame:
        """GPUs by site and type: ``site``, ``gpu_type``, ``gpus`` (existing plus new),
        ``new_gpus``, ``existing_gpus``; one row per type a site holds or buys.

        Totals by type: ``plan.gpus_frame().groupby("gpu_type")["gpus"].sum()``.
        """
        rows = []
        for s in self.sites:
            for gpu_type in sorted({*s.gpus, *s.new_gpus}):
                total, new = int(s.gpus.get(gpu_type, 0)), int(s.new_gpus.get(gpu_type, 0))
                rows.append((s.id, gpu_type, total, new, total - new))
        return _frame(rows, GPU_COLUMNS)

    def assignments_frame(self) -> pd.DataFrame:
        """One row per region-site assignment: ``region``, ``site``, ``share`` (of the
        region's demand), ``served_demand`` (demand units this assignment serves), ``rtt_ms``."""
        rows = [
            (a.region, a.site, _number(a.share), _number(a.demand), _number(a.rtt_ms))
            for a in self.assignments
        ]
        return _frame(rows, ASSIGNMENT_COLUMNS)

    def links_frame(self) -> pd.DataFrame:
        """One row per loaded link direction, in the direction traffic flows: ``source``,
        ``target``, ``load_gbps``, ``capacity_gbps`` (NaN: uncapacitated) and
        ``utilisation`` = load / capacity (NaN when uncapacitated)."""
        rows = []
        for link in self.links:
            load, capacity = _number(link.load_gbps), _number(link.capacity_gbps)
            usable = np.isfinite(capacity) and capacity > 0
            rows.append(
                (link.source, link.target, load, capacity, load / capacity if usable else np.nan)
            )
        return _frame(rows, LINK_COLUMNS)

    def unserved_frame(self) -> pd.DataFrame:
        """Demand left unserved: ``region``, ``unserved_demand`` (demand units)."""
        rows = [(u.region, _number(u.demand)) for u in self.unserved]
        return _frame(rows, UNSERVED_COLUMNS)

    def regions_frame(self, instance: Instance) -> pd.DataFrame:
        """One row per region of ``instance``, served or not.

        Columns: ``region``, ``lat``, ``lon``, ``country``, ``demand``, ``sla_rtt_ms``,
        ``served_demand``, ``unserved_demand``, ``served_fraction`` (served / demand,
        NaN for zero demand), ``mean_rtt_ms`` (share-weighted over the region's
        assignments) and ``max_rtt_ms`` (NaN when unserved), ``primary_site`` (largest
        share, ties to the lower site id; missing when unserved), ``sites`` (how many serve it).

        Raises
        ------
        InputError
            The plan names a site or region ``instance`` does not know.
        """
        arrays = self.arrays(instance)
        n = instance.n_regions
        region, share = arrays.assignment_region, arrays.assignment_share
        rtt = np.array([_number(a.rtt_ms) for a in self.assignments], dtype=float)
        demand = np.asarray(instance.region_demand, dtype=float)
        weight = np.bincount(region, weights=share, minlength=n)
        timed = np.bincount(region, weights=share * rtt, minlength=n)
        served = weight * demand
        worst = np.full(n, -np.inf)
        np.maximum.at(worst, region, rtt)
        primary: list[str | None] = [None] * n
        best: dict[int, tuple[float, str]] = {}
        for r, s, x in zip(
            region.tolist(), arrays.assignment_site.tolist(), share.tolist(), strict=True
        ):
            key = (-x, instance.site_ids[s])
            if r not in best or key < best[r]:
                best[r] = key
                primary[r] = instance.site_ids[s]
        with np.errstate(invalid="ignore", divide="ignore"):
            return pd.DataFrame(
                {
                    "region": list(instance.region_ids),
                    "lat": np.asarray(instance.region_lat, dtype=float),
                    "lon": np.asarray(instance.region_lon, dtype=float),
                    "country": list(instance.region_country),
                    "demand": demand,
                    "sla_rtt_ms": np.asarray(instance.region_sla_rtt_ms, dtype=float),
                    "served_demand": served,
                    "unserved_demand": np.asarray(arrays.unserved, dtype=float),
                    "served_fraction": np.where(demand > 0, served / demand, np.nan),
                    "mean_rtt_ms": np.where(weight > 0, timed / weight, np.nan),
                    "max_rtt_ms": np.where(np.isfinite(worst), worst, np.nan),
                    "primary_site": primary,
                    "sites": np.bincount(region, minlength=n),
                },
                columns=list(REGION_COLUMNS),
            )

    def to_geodataframes(self, instance: Instance) -> dict[str, Any]:
        """The plan as GeoDataFrames in EPSG:4326 (needs the ``geo`` extra: geopandas).

        Returns
        -------
        dict of str to geopandas.GeoDataFrame
            ``sites`` (points at their nodes, :meth:`sites_frame` with ``instance``),
            ``regions`` (points, :meth:`regions_frame`), ``assignments`` (lines from
            region to site) and ``links`` (lines along each loaded link direction).
            A line that crosses the antimeridian the short way is split there into
            a MultiLineString, as RFC 7946 asks; a row without coordinates has no
            geometry.

        Raises
        ------
        ImportError
            geopandas is not installed (``pip install 'gpuplace[geo]'``).
        """
        from gpuplace.solvers.plan.geo import plan_geodataframes  # geopandas: an extra

        return plan_geodataframes(
            instance,
            sites=self.sites_frame(instance),
            regions=self.regions_frame(instance),
            assignments=self.assignments_frame(),
            links=self.links_frame(),
        )
