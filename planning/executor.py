"""Run independent tasks on Dask distributed: a local cluster or an existing scheduler.

Used by the sweep and the failure analysis. Tasks should catch their own
errors and return a result describing them; ``on_error`` turns what still
escapes (a worker that died, a result that cannot be unpickled) into a result.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gpuplace.errors import InputError, Problem
from gpuplace.untrusted import terminal_text

__all__ = ["CONNECT_TIMEOUT_S", "R", "T", "dashboard_link", "default_workers", "run_tasks"]

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT_S = 30


def default_workers() -> int:
    """Worker processes of a local cluster: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _quiet_worker_processes() -> str:
    """The start method for local workers, so that Ctrl-C at the terminal never reaches them.

    A terminal's Ctrl-C goes to the whole process group: Dask's worker processes
    would each print a traceback. They are forked from multiprocessing's fork
    server, started here (once per process, in a few milliseconds) with SIGINT
    ignored, which every worker inherits; this process keeps its own Ctrl-C
    handling throughout and stops the cluster. Without a fork server (Windows)
    the workers are spawned as before.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return "spawn"
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload([])  # the workers import what they need themselves
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    return "forkserver"


@contextlib.contextmanager
def _sigint_held() -> Iterator[list[int]]:
    """Hold a Ctrl-C that arrives while the block runs; the yielded list records it.

    A cluster interrupted while it starts is left half made (and distributed's
    exit handler then fails on it); started whole, it is stopped in order.
    """
    caught: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else signal.SIG_IGN
    if previous is signal.SIG_IGN:
        yield caught
        return
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


def _connect(scheduler: str | None, workers: int | None, n_items: int):
    """(client, cluster or None) for an address / scheduler file, or a new local cluster."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        kwargs: dict[str, Any]
        if "://" not in scheduler and Path(scheduler).is_file():
            kwargs = {"scheduler_file": scheduler}
        else:
            kwargs = {"address": scheduler}
        try:
            client = Client(timeout=CONNECT_TIMEOUT_S, **kwargs)
        except (OSError, TimeoutError, ValueError) as error:
            raise InputError(
                Problem("--scheduler", scheduler, f"cannot connect to the Dask scheduler: {error}")
            ) from None
        return client, None
    n_workers = max(1, min(workers or default_workers(), n_items))
    method = _quiet_worker_processes()
    config = dask.config.set({"distributed.worker.multiprocessing-method": method})
    with config, _sigint_held() as interrupted:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The dashboard (with bokeh installed) and the scheduler's small HTTP endpoint
            # take a free loopback port instead of the default 8787, which another
            # cluster may hold.
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.CRITICAL,  # task errors come back as results
        )
        client = Client(cluster)
    if interrupted:  # now that the cluster is whole: stop it, then honour the Ctrl-C
        with contextlib.suppress(Exception):
            client.close()
            cluster.close()
        raise KeyboardInterrupt
    return client, cluster


def dashboard_link(client: Any, local: bool) -> str | None:
    """The address of the cluster's Dask dashboard, or None when it serves none.

    A local cluster serves one only with bokeh installed (the scheduler's HTTP
    endpoint is there either way); a remote scheduler's link is its own.
    """
    if local:
        try:
            import bokeh  # noqa: F401
        except ImportError:
            return None
    with contextlib.suppress(Exception):
        return str(client.dashboard_link)
    return None


def _progress_bar(description: str, total: int) -> tuple[Progress, Any]:
    bar = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    bar.start()
    return bar, bar.add_task(terminal_text(description, keep_newlines=False), total=total)


def run_tasks(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    description: str = "running",
    on_error: Callable[[T, BaseException], R] | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> Iterator[R]:
    """Apply ``func`` to every item on Dask workers; yield results as they complete.

    Parameters
    ----------
    func : callable
        A module-level function (workers import it by name); one item in, one result out.
    items : iterable
        The inputs; each must pickle.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running scheduler, or the path of a scheduler
        file. Default: a local cluster of worker processes started here and
        stopped at the end (one thread each; a dashboard on a free loopback port).
    workers : int, optional
        Processes of the local cluster (default: the cores available, at most
        one per item). Ignored with ``scheduler``.
    progress : bool
        Show a progress bar on standard error.
    description : str
        Label of the progress bar.
    on_error : callable, optional
        ``on_error(item, exception) -> result`` for a task that raised; without
        it the exception propagates (and the remaining tasks are cancelled).
    on_dashboard : callable, optional
        Called with the Dask dashboard's address (:func:`dashboard_link`) once
        connected, when the cluster serves one.

    Yields
    ------
    result
        In completion order, not input order: results should identify their item.

    Raises
    ------
    InputError
        When the scheduler cannot be reached.

    Notes
    -----
    The cluster is shut down when the iterator is exhausted or closed (also on
    Ctrl-C); close it early with ``contextlib.closing``.
    """
    items = list(items)
    if not items:
        return
    from distributed import as_completed

    client, cluster = _connect(scheduler, workers, len(items))
    futures = []
    bar: Progress | None = None
    try:
        if on_dashboard is not None and (link := dashboard_link(client, cluster is not None)):
            on_dashboard(link)
        futures = client.map(func, items, pure=False)
        item_of = {future.key: item for future, item in zip(futures, items, strict=True)}
        bar, task_id = _progress_bar(description, len(items)) if progress else (None, None)
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as error:
                if on_error is None:
                    raise
                result = on_error(item_of[future.key], error)
            finally:
                future.release()
            if bar is not None and task_id is not None:
                bar.advance(task_id)
            yield result
    finally:
        if bar is not None:
            bar.stop()
        with contextlib.suppress(Exception):
            client.cancel([f for f in futures if not f.done()])
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()
