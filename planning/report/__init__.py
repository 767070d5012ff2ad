"""Report of one plan: interactive map, GeoJSON, CSV tables, PNG plots and an index page."""

from gpuplace.planning.report.build import Report, build_report
from gpuplace.planning.report.index import ReportSection

__all__ = ["Report", "ReportSection", "build_report"]
