"""A HiGHS instance that prints nothing unless asked to.

HiGHS writes a banner to C-level stdout when the first ``Highs`` object of a
process is built, before any option can turn output off; on the command line
that banner would land in the middle of ``--format json`` output. Every
``Highs`` object in gpuplace is made here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

__all__ = ["new_highs", "quiet_stdout"]


@contextlib.contextmanager
def quiet_stdout(enabled: bool = True) -> Iterator[None]:
    """Send C-level stdout (file descriptor 1) to /dev/null while the block runs."""
    if not enabled:
        yield
        return
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(highspy: Any, log: bool = False) -> Any:
    """A ``highspy.Highs()`` with ``output_flag`` set to ``log`` and no banner unless ``log``."""
    with quiet_stdout(not log):
        h = highspy.Highs()
    h.setOptionValue("output_flag", bool(log))
    return h
