"""A scenario folder read for rewriting: the base of the feature variants, and the draft written."""

from __future__ import annotations

import copy
import dataclasses
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from gpuplace.files import write_files
from gpuplace.scenario import load_instance
from gpuplace.scenario.instance import Instance
from gpuplace.topo import to_node_link

__all__ = ["BaseFolder", "Draft", "VariantError", "write_draft"]


class VariantError(ValueError):
    """A variant cannot be built as described from this folder (the message says why)."""


def _table(path: Path) -> pd.DataFrame:
    """A CSV table as text cells: untouched cells are written back byte for byte."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@dataclass
class Draft:
    """A scenario being rewritten: its TOML document, tables and link capacities."""

    config: dict[str, Any]
    sites: pd.DataFrame
    regions: pd.DataFrame
    capacity_gbps: np.ndarray | None = None

    @property
    def constraints(self) -> dict[str, Any]:
        return self.config.setdefault("constraints", {})

    @property
    def objective(self) -> dict[str, Any]:
        return self.config.setdefault("objective", {})


@dataclass(frozen=True, eq=False)
class BaseFolder:
    """A scenario folder (``scenario.toml`` and the tables it names) and its loaded instance."""

    folder: Path
    config: dict[str, Any]
    sites: pd.DataFrame
    regions: pd.DataFrame
    gpus_text: str
    instance: Instance

    @classmethod
    def read(cls, folder: Path) -> BaseFolder:
        folder = Path(folder).resolve()
        config = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
        if config.get("latency"):
            raise VariantError(
                f"{folder}: the variants take every RTT from the latency model; "
                "[latency] (measured, matrix or calibration) is not supported"
            )
        tables = {key: folder / config[key]["file"] for key in ("sites", "regions", "gpus")}
        return cls(
            folder=folder,
            config=config,
            sites=_table(tables["sites"]),
            regions=_table(tables["regions"]),
            gpus_text=tables["gpus"].read_text(encoding="utf-8"),
            instance=load_instance(folder / "scenario.toml"),
        )

    @property
    def reach(self):
        """Every region-site RTT (:func:`bench.world_reach.reach_of`), computed once."""
        from bench.world_reach import reach_of

        if "_reach" not in self.__dict__:
            object.__setattr__(self, "_reach", reach_of(self.instance))
        return self.__dict__["_reach"]

    def draft(self) -> Draft:
        """A fresh copy to transform (the base stays as read)."""
        return Draft(copy.deepcopy(self.config), self.sites.copy(), self.regions.copy())


def write_draft(draft: Draft, base: BaseFolder, out_dir: Path) -> Path:
    """Write ``draft`` as ``out_dir/scenario.toml`` with its tables; returns the TOML path.

    A topology file the base names by relative path is named by absolute path;
    link capacities go into ``out_dir/topology.json`` (node-link JSON of the base
    topology with ``capacity_gbps`` set).
    """
    out_dir = Path(out_dir)
    config = copy.deepcopy(draft.config)
    topology_file = config["topology"]["file"]
    if not topology_file.startswith("topohub:"):
        config["topology"]["file"] = str((base.folder / topology_file).resolve())
    contents: dict[Path, str] = {}
    if draft.capacity_gbps is not None:
        topology = dataclasses.replace(
            base.instance.topology, edge_capacity_gbps=np.asarray(draft.capacity_gbps, float)
        )
        contents[out_dir / "topology.json"] = json.dumps(to_node_link(topology))
        config["topology"]["file"] = "topology.json"
    for key, table in (("sites", draft.sites), ("regions", draft.regions)):
        config[key]["file"] = f"{key}.csv"
        contents[out_dir / f"{key}.csv"] = table.to_csv(index=False, lineterminator="\n")
    config["gpus"]["file"] = "gpus.csv"
    contents[out_dir / "gpus.csv"] = base.gpus_text
    contents[out_dir / "scenario.toml"] = tomli_w.dumps(config)
    write_files(contents)
    return out_dir / "scenario.toml"
