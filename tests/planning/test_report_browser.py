"""The report's map rendered by a real headless Chromium, with no network."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from gpuplace.planning.report import build_report
from gpuplace.solvers.plan import Plan
from support.plan_samples import plan_a, tiny_instance

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make browser)"),
]


def _dump_dom(url: str, profile) -> str:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    build_report(tiny_instance(), Plan.from_dict(plan_a()), folder / "report", tiles=None)
    return _dump_dom((folder / "report" / "map.html").as_uri(), folder / "profile")


def test_leaflet_map_container(rendered):
    assert "leaflet-container" in rendered
    assert "leaflet-map-pane" in rendered


def test_layers_drawn(rendered):
    # SVG paths of Leaflet vectors: 3 sites + 4 regions (circle markers),
    # 4 assignments, 3 topology links with coordinates (the Auckland-Sea link has none).
    paths = re.findall(r"<path[^>]*class=\"leaflet-interactive\"[^>]*>", rendered)
    assert len(paths) == 3 + 4 + 4 + 3
    # Circle markers are closed arcs ("a" commands); polylines are "M x y L x y".
    circles = [p for p in paths if re.search(r'd="M[^"]*a', p)]
    assert len(circles) == 3 + 4


def test_layer_control_names(rendered):
    assert "leaflet-control-layers" in rendered
    for name in ("Sites", "Regions", "Assignments", "Links"):
        assert f"<span> {name}</span>" in rendered


def test_legend_present(rendered):
    assert "gpuplace-legend" in rendered
