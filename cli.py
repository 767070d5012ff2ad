"""gpuplace command line: parses, calls the library, prints. See ``gpuplace --help``.

Importing this module loads nothing else, so :func:`main` takes charge of
Ctrl-C before anything slow runs: from its first instruction to the process's
last, Ctrl-C never prints a traceback.

- While the commands load (about 2 s of imports) and whenever no command has a
  handler of its own, the first Ctrl-C stops the run with "interrupted" and exit
  status 130; a command that has one (``solve`` keeps its best plan) takes over
  meanwhile.
- Any further Ctrl-C, and a Ctrl-C once the command has returned (while the
  process waits for solver threads at exit), ends the process at once with 130.
- A process that started with SIGINT ignored (a background job, ``nohup``)
  keeps ignoring it throughout.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from gpuplace.commands.quit import QUIT_EXIT_STATUS, hard_exit

__all__ = ["main"]  # and ``app``, the typer app, loaded on first use (see __getattr__)


def _quit_now(signum: int, frame: Any) -> None:
    hard_exit(QUIT_EXIT_STATUS)


def _first_interrupt(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGINT, _quit_now)
    raise KeyboardInterrupt


def main() -> None:
    """Run ``gpuplace`` (the console script and ``python -m gpuplace.cli``)."""
    inherited_ignore = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if not inherited_ignore:
        signal.signal(signal.SIGINT, _first_interrupt)
    try:
        from gpuplace.commands.app import run

        run()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        # not SystemExit: a Ctrl-C that lands while an extension module runs Python code
        # at import (PyRun_*) marks it unhandled for good, and the interpreter would then
        # end by SIGINT (status -2) whatever was raised; nothing is left to finalise here
        hard_exit(QUIT_EXIT_STATUS)
    finally:
        if not inherited_ignore:
            signal.signal(signal.SIGINT, _quit_now)


def __getattr__(name: str) -> Any:
    """``gpuplace.cli.app``: the typer app, for tests and programs that embed the commands."""
    if name == "app":
        from gpuplace.commands.app import app

        return app
    raise AttributeError(f"module 'gpuplace.cli' has no attribute {name!r}")


if __name__ == "__main__":
    main()
