"""Ending the process at once: output flushed, no finalisation, no traceback.

Light on purpose (standard library only): ``gpuplace.cli`` uses it before any
command module is imported.
"""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["QUIT_EXIT_STATUS", "hard_exit"]

# Exit status when the user asked to quit at once (128 + SIGINT).
QUIT_EXIT_STATUS = 130


def hard_exit(status: int) -> None:
    """Flush the standard streams and end the process without finalisation."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)
