"""The calibration file (SCENARIO.md, "Calibrated latency"): what a scenario reads from it.

A JSON object::

    {"format": "gpuplace-latency-calibration", "version": 1,
     "model": {"fibre_km_per_ms": 213.5, "link_route_factor": 1.0,
               "per_hop_ms": 0.6, "access_route_factor": 4.6},
     "holdout_residual_ms": [-40.2, ..., 61.0],
     "summary": {...}}

``model`` replaces the scenario's four latency keys; ``holdout_residual_ms``
(measured − predicted on held-out pairs, ascending) gives the SLA margin;
``summary`` is for people (fit, errors before and after, flagged pairs) and is not read.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gpuplace.errors import InputError, Problem, ProblemCollector
from gpuplace.files_read import read_json
from gpuplace.topo.calibrate import CalibrationResult
from gpuplace.topo.measured import LatencyParameters

__all__ = ["FORMAT", "Calibration", "calibration_document", "read_calibration"]

FORMAT = "gpuplace-latency-calibration"
VERSION = 1
# key -> (strictly positive?)
_MODEL_KEYS = {
    "fibre_km_per_ms": True,
    "link_route_factor": True,
    "per_hop_ms": False,
    "access_route_factor": False,
}


@dataclass(frozen=True, eq=False)
class Calibration:
    """The calibrated model and the held-out residuals (ms, measured − predicted, ascending)."""

    parameters: LatencyParameters
    holdout_residual_ms: np.ndarray
    file: str = ""

    def margin_ms(self, percentile: float) -> float:
        """``max(0, P_q(residuals))``, linear interpolation between order statistics."""
        if self.holdout_residual_ms.size == 0:
            return 0.0
        return max(0.0, float(np.percentile(self.holdout_residual_ms, percentile)))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _model(document: dict, file: str, problems: ProblemCollector) -> LatencyParameters | None:
    model = document.get("model")
    if not isinstance(model, dict):
        problems.add(file, "model", "missing or not an object")
        return None
    values = {}
    for key, positive in _MODEL_KEYS.items():
        value = _number(model.get(key))
        if value is None:
            problems.add(file, f"model.{key}", f"must be a finite number, got {model.get(key)!r}")
        elif value < 0 or (positive and value == 0):
            problems.add(
                file, f"model.{key}", f"must be {'>' if positive else '>='} 0, got {value:g}"
            )
        else:
            values[key] = value
    for key in sorted(set(model) - set(_MODEL_KEYS)):
        problems.add(file, f"model.{key}", f"unknown key 'model.{key}'")
    return LatencyParameters(**values) if len(values) == len(_MODEL_KEYS) else None


def _residuals(document: dict, file: str, problems: ProblemCollector) -> np.ndarray | None:
    raw = document.get("holdout_residual_ms")
    if not isinstance(raw, list):
        problems.add(file, "holdout_residual_ms", "missing or not a list of numbers")
        return None
    values = [_number(v) for v in raw]
    bad = [i for i, v in enumerate(values) if v is None]
    if bad:
        problems.add(
            file, f"holdout_residual_ms[{bad[0]}]", f"must be a finite number, got {raw[bad[0]]!r}"
        )
        return None
    return np.sort(np.asarray(values, dtype=float))


def read_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration file; every problem raises :class:`InputError` naming the key."""
    file = str(path)
    document = read_json(path)
    problems = ProblemCollector()
    if not isinstance(document, dict):
        raise _not_object(file)
    if document.get("format") != FORMAT:
        problems.add(file, "format", f"must be {FORMAT!r}, got {document.get('format')!r}")
    if document.get("version") != VERSION:
        problems.add(file, "version", f"must be {VERSION}, got {document.get('version')!r}")
    parameters = _model(document, file, problems)
    residuals = _residuals(document, file, problems)
    problems.raise_if_any()
    assert parameters is not None and residuals is not None
    return Calibration(parameters=parameters, holdout_residual_ms=residuals, file=file)


def _not_object(file: str) -> InputError:
    return InputError(Problem(file, "", "must be a JSON object"))


def calibration_document(
    result: CalibrationResult, *, topology: str, measured: str
) -> dict[str, Any]:
    """The calibration file's content for ``result`` (JSON-ready, no NaN)."""

    def stats(s) -> dict[str, Any]:
        return {
            k: (round(v, 4) if isinstance(v, float) and math.isfinite(v) else v)
            for k, v in asdict(s).items()
        }

    fitted = result.fitted
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": {key: round(float(getattr(fitted, key)), 6) for key in _MODEL_KEYS},
        "holdout_residual_ms": [round(float(v), 3) for v in result.holdout_residual_ms],
        "summary": {
            "topology": topology,
            "measured": measured,
            "method": "least absolute deviations (linear programme, HiGHS), "
            "alternating with minimum-latency paths",
            "path_inflation": round(result.path_inflation, 4),
            "base": asdict(result.base),
            "rows": result.rows,
            "unreachable_rows": result.unreachable,
            "folds": result.folds,
            "iterations": result.iterations,
            "before": stats(result.before),
            "after": stats(result.after),
            "cross_validated": stats(result.cross_validated),
            "flagged": [asdict(f) for f in result.flagged],
        },
    }
