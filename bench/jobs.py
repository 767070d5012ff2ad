"""Run one benchmark job in a fresh worker process, with a wall-clock limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_job(job: dict, timeout_s: float) -> dict:
    """Run ``job`` in ``python -m bench.worker``; a job past ``timeout_s`` is killed.

    Returns the worker's result, or ``{"ok": False, "error": ...}``. The
    wall time measured here (``process_s``) includes interpreter start-up.
    """
    with tempfile.TemporaryDirectory(prefix="gpuplace-bench-") as folder:
        job_path = Path(folder) / "job.json"
        result_path = Path(folder) / "result.json"
        job_path.write_text(json.dumps(job), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "bench.worker", str(job_path), str(result_path)],
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"killed after {timeout_s:.0f} s", "process_s": timeout_s}
        process_s = time.perf_counter() - started
        if not result_path.exists():
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            return {
                "ok": False,
                "error": " | ".join(tail) or f"exit {proc.returncode}",
                "process_s": process_s,
            }
        result = json.loads(result_path.read_text(encoding="utf-8"))
        result["process_s"] = process_s
        return result
