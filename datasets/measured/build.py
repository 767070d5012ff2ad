"""Build ``azure.csv`` (one row per measured pair) from the published matrices.

``azure_p50.csv`` and ``azure_p95.csv`` are the P50 and P95 round-trip tables as
published (row = source region, column = destination region, ms; empty on the
diagonal); ``azure_regions.csv`` places each region at its city. The output has
the columns a measured-RTT table takes (SCENARIO.md, "Measured RTTs"):
``source,target,rtt_ms,rtt_p95_ms,source_lat,source_lon,target_lat,target_lon``.

    python -m gpuplace.datasets.measured.build      # rewrites azure.csv
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from gpuplace.files import write_text

__all__ = ["COLUMNS", "HERE", "OUTPUT", "azure_rows", "build"]

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "azure.csv"
COLUMNS = (
    "source",
    "target",
    "rtt_ms",
    "rtt_p95_ms",
    "source_lat",
    "source_lon",
    "target_lat",
    "target_lon",
)


def _matrix(path: Path) -> dict[tuple[str, str], str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    targets = rows[0][1:]
    return {
        (row[0], target): value
        for row in rows[1:]
        for target, value in zip(targets, row[1:], strict=True)
        if value
    }


def azure_rows() -> list[list[str]]:
    """The long table: every measured (source, target) pair in the P50 matrix's order."""
    with (HERE / "azure_regions.csv").open(encoding="utf-8", newline="") as handle:
        where = {r["region"]: (r["lat"], r["lon"]) for r in csv.DictReader(handle)}
    p50 = _matrix(HERE / "azure_p50.csv")
    p95 = _matrix(HERE / "azure_p95.csv")
    return [
        [source, target, value, p95.get((source, target), ""), *where[source], *where[target]]
        for (source, target), value in p50.items()
    ]


def build(path: Path = OUTPUT) -> Path:
    """Write the long table to ``path`` atomically (plain text, LF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(azure_rows())
    return write_text(path, buffer.getvalue())


if __name__ == "__main__":
    print(build())
