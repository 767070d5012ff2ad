"""The report's map in a real headless Chromium driven by Playwright, with no network.

Every request other than the report's own files is refused, as on a machine with no
internet. The map must show the geography (Natural Earth land and coastlines inlined
in map.html), the plan's markers and lines, and raise no error in the page.
"""

from __future__ import annotations

import shutil

import pytest

from gpuplace.planning.report import build_report
from gpuplace.planning.report.basemap import LAND_CLASS
from gpuplace.solvers.plan import Plan
from support.plan_samples import plan_a, tiny_instance

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make browser)"),
]


def _open(url: str) -> dict:
    """Load ``url`` offline; the page's errors, console errors, blocked requests and shapes."""
    seen: dict = {"page_errors": [], "console_errors": [], "blocked": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.on("pageerror", lambda error: seen["page_errors"].append(str(error)))
            page.on(
                "console",
                lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None,
            )

            def route(r):
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:
                    seen["blocked"].append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(url)
            page.wait_for_selector(f"path.{LAND_CLASS}", state="attached", timeout=15000)
            seen["land_paths"] = page.locator(f"path.{LAND_CLASS}").count()
            seen["land_visible"] = page.evaluate(
                """(cls) => Array.from(document.querySelectorAll('path.' + cls)).filter(
                    (p) => { const b = p.getBoundingClientRect();
                             return b.width > 20 && b.height > 20 && b.right > 0 &&
                                    b.left < window.innerWidth; }).length""",
                LAND_CLASS,
            )
            seen["land_rings"] = page.evaluate(
                """(cls) => Array.from(document.querySelectorAll('path.' + cls)).map(
                    (p) => (p.getAttribute('d').match(/M/g) || []).length)""",
                LAND_CLASS,
            )
            seen["interactive"] = page.locator("path.leaflet-interactive").count()
            seen["legend"] = page.locator(".gpuplace-legend").count()
        finally:
            browser.close()
    return seen


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("playwright")


def test_offline_map_has_coastlines_markers_and_no_errors(folder):
    build_report(tiny_instance(), Plan.from_dict(plan_a()), folder / "none", tiles=None)
    seen = _open((folder / "none" / "map.html").as_uri())
    assert seen["page_errors"] == [] and seen["console_errors"] == [], seen
    assert seen["blocked"] == []  # nothing fetched: the page is whole offline
    # Natural Earth land, drawn three times one world-width apart (Pacific-centred maps),
    # each a path of many rings (continents and islands) around the plan's area
    assert seen["land_paths"] == 3, seen
    assert max(seen["land_rings"]) >= 5, seen
    assert seen["land_visible"] >= 1  # the coast around the plan (south-east Australia)
    # 3 sites + 4 regions (circle markers), 4 assignments, 3 links with coordinates
    assert seen["interactive"] == 3 + 4 + 4 + 3
    assert seen["legend"] == 1


def test_geography_stays_when_the_tiles_cannot_load(folder):
    build_report(tiny_instance(), Plan.from_dict(plan_a()), folder / "osm")
    seen = _open((folder / "osm" / "map.html").as_uri())
    assert seen["blocked"], "the OpenStreetMap tiles were requested (and refused)"
    assert seen["page_errors"] == []  # refused tiles are no script error
    assert seen["land_visible"] >= 1 and seen["interactive"] == 3 + 4 + 4 + 3
