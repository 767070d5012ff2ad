"""The GPU catalogue shared by the generated datasets (public ballpark figures).

Throughput is in H100-equivalents of inference throughput; power per GPU
includes its share of the server.
"""

from __future__ import annotations

__all__ = ["GPU_CATALOGUE"]

# type, capex per GPU, power_kw per GPU, throughput (H100-equivalents)
GPU_CATALOGUE: tuple[tuple[str, float, float, float], ...] = (
    ("H100", 25_000, 1.2, 1.0),
    ("L40S", 9_500, 0.45, 0.35),
    ("B200", 57_000, 1.8, 2.2),
)
