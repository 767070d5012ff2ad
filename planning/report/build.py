"""Write a complete report folder for one plan: map, GeoJSON, CSV, plots, index."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gpuplace.files import check_folder_output, folder_output, write_bytes
from gpuplace.planning.report.data import report_data
from gpuplace.planning.report.geojson import geojson_layers
from gpuplace.planning.report.index import ReportSection, index_html
from gpuplace.planning.report.maps import MAX_LINKS_DRAWN, build_map, check_tiles, drawn_edges
from gpuplace.planning.report.money import money_section
from gpuplace.planning.report.plots import MEASURED_PLOT, PLOTS, measured_plot
from gpuplace.planning.report.serving import model_layers, serving_section
from gpuplace.planning.report.tables import assignments_csv, links_csv, sites_csv
from gpuplace.planning.report.time import time_section
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.plan import Plan

__all__ = ["INDEX_FILE", "MAP_FILE", "Report", "build_report"]

MAP_FILE = "map.html"
INDEX_FILE = "index.html"
_TABLES = {
    "sites.csv": ("one row per site of the plan", sites_csv),
    "assignments.csv": ("one row per region-site assignment", assignments_csv),
    "links.csv": ("one row per loaded link direction", links_csv),
}


@dataclass(frozen=True)
class Report:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    out_dir : Path
        The report folder.
    files : tuple of str
        Relative paths of every file written, sorted.
    warnings : tuple of str
        E.g. a plan made for another scenario.
    """

    out_dir: Path
    files: tuple[str, ...]
    warnings: tuple[str, ...]


def _section_files(sections: Sequence[ReportSection]) -> dict[str, bytes | str]:
    """The extra sections' files by normalised relative path, checked before any work."""
    reserved = {MAP_FILE, INDEX_FILE, *_TABLES, *PLOTS, MEASURED_PLOT[0]}
    reserved |= {f"{name}.geojson" for name in ("sites", "regions", "assignments", "links")}
    files: dict[str, bytes | str] = {}
    for section in sections:
        for name, body in section.files.items():
            path = PurePosixPath(name)
            key = str(path)
            if path.is_absolute() or ".." in path.parts or key in (".", "") or key in reserved:
                raise ValueError(
                    f"report section {section.title!r}: bad or reserved file name {name!r}"
                )
            files[key] = body
            reserved.add(key)
    return files


def build_report(
    instance: Instance,
    plan: Plan,
    out_dir: str | os.PathLike[str],
    *,
    force: bool = False,
    tiles: str | None = "OpenStreetMap",
    extra_sections: Sequence[ReportSection] = (),
) -> Report:
    """Write the report of ``plan`` into the folder ``out_dir``.

    The folder is built beside ``out_dir`` and renamed into place when
    complete, so an interrupted run leaves no half-written report.

    Parameters
    ----------
    instance : Instance
        The scenario the plan answers.
    plan : Plan
        The plan.
    out_dir : path-like
        Destination folder; must not exist or be empty unless ``force``.
    force : bool
        Replace an existing non-empty ``out_dir``.
    tiles : str or None
        Background tiles of the map (folium name), None for none.
    extra_sections : sequence of ReportSection
        Sections added to ``index.html`` after the plots, with their files. A plan
        of serving models adds its own ("Models and SLO tiers": per model and tier
        figures and the TTFT plot), and a map layer per model.

    Returns
    -------
    Report

    Raises
    ------
    InputError
        When ``out_dir`` is a file, a non-empty folder without ``force``, cannot be
        written, or another run wrote it first (:func:`gpuplace.files.folder_output`).
    """
    check_folder_output(out_dir, force=force)
    check_tiles(tiles)
    own = (serving_section(plan), money_section(plan))  # serving models; [money]'s bill
    extra_sections = [*extra_sections, *(section for section in own if section is not None)]
    timed = time_section(plan)  # [time]: utilisation per period, the roll-out
    extra_sections = [*extra_sections, *([timed] if timed is not None else [])]
    section_files = _section_files(extra_sections)
    warnings = []
    sha = plan.scenario.sha256
    if sha and sha != instance.sha256:
        warnings.append(
            f"the plan was made for scenario sha256 {sha[:12]}…, not this scenario "
            f"({instance.sha256[:12]}…): sites and regions it names may not match"
        )
    unknown = sorted({s.id for s in plan.sites} - set(instance.site_ids))
    if unknown:
        warnings.append(f"sites of the plan not in the scenario (not drawn): {', '.join(unknown)}")

    data = report_data(instance, plan)
    hidden = drawn_edges(data)[1]
    if hidden:
        warnings.append(
            f"the map leaves out the {hidden} links the plan does not use (the topology has "
            f"more than {MAX_LINKS_DRAWN}); every link the plan loads is drawn"
        )
    layers = geojson_layers(data)
    per_model = model_layers(data, plan)
    contents: dict[str, bytes] = {
        MAP_FILE: build_map(data, tiles=tiles, extra_layers=per_model).encode("utf-8")
    }
    downloads = [(MAP_FILE, "interactive map (opens offline; background tiles need a network)")]
    for name, collection in layers.items():
        file = f"{name}.geojson"
        contents[file] = (json.dumps(collection, indent=1, allow_nan=False) + "\n").encode()
        downloads.append((file, f"GeoJSON FeatureCollection of {name}"))
    for file, (text, make) in _TABLES.items():
        contents[file] = make(data).encode("utf-8")
        downloads.append((file, text))
    plots = []
    for file, (title, draw) in PLOTS.items():
        contents[file] = draw(data)
        plots.append((file, title))
        downloads.append((file, title))
    if (measured_png := measured_plot(instance)) is not None:
        contents[MEASURED_PLOT[0]] = measured_png
        plots.append(MEASURED_PLOT)
        downloads.append(MEASURED_PLOT)

    for name, body in section_files.items():
        contents[name] = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    contents[INDEX_FILE] = index_html(
        scenario_name=instance.name,
        plan=plan,
        map_file=MAP_FILE,
        plots=plots,
        downloads=downloads,
        sections=extra_sections,
        warnings=warnings,
    ).encode("utf-8")

    target = Path(out_dir)
    with folder_output(target, force=force) as stage:
        for name, body in contents.items():
            write_bytes(stage / name, body)
    return Report(out_dir=target, files=tuple(sorted(contents)), warnings=tuple(warnings))
