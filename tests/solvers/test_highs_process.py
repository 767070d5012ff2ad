"""HiGHS in a child process: incumbents reach the parent, a stuck child is killed, none is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gpuplace.solvers.backends.highs import HighsBackend
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.highs import adapter, child, run
from gpuplace.solvers.highs.child import running_children
from gpuplace.solvers.highs.run import run_highs, use_child
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.result import SolveParameters, Status
from support.limits_cases import mid_size

highspy = pytest.importorskip("highspy")
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

ROOT = Path(__file__).resolve().parents[2]
# Generous bounds for a loaded 2-core machine: the point is "seconds", not "a minute".
PROMPT_S = 10.0
GRACE_S = 0.5


_EARLIER_CHILDREN: set[int] = set()


@pytest.fixture(autouse=True)
def _earlier_children():
    # children left by earlier tests in this worker process (e.g. a cluster's) are not ours
    _EARLIER_CHILDREN.clear()
    _EARLIER_CHILDREN.update(_children(os.getpid()))


@pytest.fixture(scope="module")
def big_model():
    """A model HiGHS does not solve to gap 0 within a minute (21,000 columns)."""
    return build_model(mid_size())


def _children(pid: int) -> list[int]:
    """Live (not zombie) and zombie children of ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _new_children() -> list[int]:
    """Children of this process that the running test made (live or zombie)."""
    return sorted(set(_children(os.getpid())) - _EARLIER_CHILDREN)


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _highs(model, gap: float = 0.0, time_limit_s: float = 120.0):
    h, _ = adapter._highs(
        **_arrays(model),
        integer=model.integer,
        gap=gap,
        threads=1,
        options={"time_limit": time_limit_s},
    )
    return h


def _objective(h) -> dict:
    return {"objective": h.getInfo().objective_function_value, "status": h.getModelStatus()}


def test_only_models_above_the_threshold_go_to_a_child():
    assert not use_child(run.SMALL_MODEL_NNZ)
    assert use_child(run.SMALL_MODEL_NNZ + 1)


def test_child_and_thread_give_the_same_answer():
    model = build_model(mid_size(n_regions=40, n_sites=15, seed=3))
    deadline = time.perf_counter() + 60.0
    forked = run_highs(_highs(model), deadline, CancelToken(), _objective, in_child=True)
    thread = run_highs(_highs(model), deadline, CancelToken(), _objective, in_child=False)
    assert forked.in_child and not thread.in_child
    assert forked.finished and thread.finished
    assert forked.report["status"] == highspy.HighsModelStatus.kOptimal
    assert forked.report == thread.report
    assert forked.incumbent is not None
    assert _new_children() == []


def test_a_failed_fork_runs_the_model_in_a_thread(monkeypatch):
    def no_fork() -> int:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(child, "_fork", no_fork)
    model = build_model(mid_size(n_regions=40, n_sites=15, seed=3))
    outcome = run_highs(
        _highs(model), time.perf_counter() + 60.0, CancelToken(), _objective, in_child=True
    )
    assert not outcome.in_child
    assert outcome.finished
    assert outcome.report["status"] == highspy.HighsModelStatus.kOptimal


def test_incumbents_arrive_and_a_stuck_child_is_killed(big_model):
    seen: list[tuple[np.ndarray, float]] = []
    child_pids: list[int] = []
    cancel = CancelToken()

    def on_incumbent(values: np.ndarray, bound: float) -> None:
        seen.append((values, bound))
        if child_pids:
            return
        child_pids.extend(running_children())
        pid = child_pids[0]
        assert os.getsid(pid) != os.getsid(0)  # own session: a terminal's Ctrl-C misses it
        os.kill(pid, signal.SIGINT)  # ignored by the child
        os.kill(pid, signal.SIGSTOP)  # stuck, as in a long phase without interrupt checks
        cancel.cancel()

    started = time.perf_counter()
    outcome = run_highs(
        _highs(big_model),
        started + 600.0,
        cancel,
        _objective,
        in_child=True,
        grace_s=GRACE_S,
        on_incumbent=on_incumbent,
    )
    assert time.perf_counter() - started < 60.0 + PROMPT_S
    assert len(child_pids) == 1
    assert outcome.killed and not outcome.finished and outcome.report is None
    assert seen and outcome.incumbent is seen[-1][0]
    assert big_model.violations(outcome.incumbent, tol=1e-6) == {}
    assert not _exists(child_pids[0])  # killed and reaped: no zombie
    assert running_children() == []
    assert _new_children() == []


def test_backend_cancel_leaves_no_child_and_keeps_the_best_plan():
    instance = mid_size()
    params = SolveParameters(time_limit_s=600.0, gap=0.0, threads=1, seed=0)
    timer = threading.Timer(3.0, params.cancel.cancel)
    timer.start()
    started = time.perf_counter()
    try:
        solution = HighsBackend().solve(build_model(instance), instance, params)
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 3.0 + PROMPT_S
    assert solution.interrupted
    assert solution.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    assert _new_children() == []


_SOLVING_SCRIPT = textwrap.dedent(
    """
    import os, sys, threading, time
    sys.path.insert(0, {tests!r})
    from support.limits_cases import mid_size
    from gpuplace import solvers
    from gpuplace.solvers.highs.child import running_children
    from gpuplace.solvers.result import SolveParameters

    params = SolveParameters(time_limit_s=600.0, gap=0.0, threads=1, seed=0)
    instance = mid_size()
    threading.Thread(
        target=solvers.solve, args=(instance,), kwargs={{"solver": "highs", "params": params}},
        daemon=True,
    ).start()
    while not running_children():
        time.sleep(0.05)
    print(running_children()[0], flush=True)
    {ending}
    """
)


def _run_script(ending: str) -> tuple[int, float, int]:
    """(child pid, seconds from the pid being printed to the process's end, exit status)."""
    script = _SOLVING_SCRIPT.format(tests=str(ROOT / "tests"), ending=ending)
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        printed = time.monotonic()
        process.wait(timeout=60.0 + PROMPT_S)
        ended_s = time.monotonic() - printed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return json.loads(line), ended_s, process.returncode


def _gone_within(pid: int, seconds: float) -> bool:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if not _exists(pid):
            return True
        time.sleep(0.05)
    return not _exists(pid)


def test_a_process_exits_at_once_while_highs_runs_in_a_daemon_thread():
    child, ended_s, status = _run_script("sys.exit(0)")
    assert status == 0
    assert ended_s < PROMPT_S  # no wait for the solver (it used to be up to 60 s)
    assert _gone_within(child, PROMPT_S)


def test_the_child_does_not_outlive_a_parent_that_ends_abruptly():
    child, _ended_s, status = _run_script("os._exit(5)")  # no exit handlers run
    assert status == 5
    assert _gone_within(child, PROMPT_S)


def _arrays(model) -> dict:
    return dict(
        c=model.c,
        A=model.A,
        row_lb=model.row_lb,
        row_ub=model.row_ub,
        col_lb=model.col_lb,
        col_ub=model.col_ub,
        offset=float(model.c0),
    )


@pytest.mark.parametrize("mip", [True, False])
def test_solve_arrays_in_a_child_matches_the_thread(monkeypatch, mip):
    model = build_model(mid_size(n_regions=40, n_sites=15, seed=3))
    arrays = _arrays(model)
    integer = model.integer if mip else None
    thread = adapter.solve_arrays(**arrays, integer=integer, threads=1, time_limit_s=60.0)
    monkeypatch.setattr(run, "SMALL_MODEL_NNZ", 0)
    forked = adapter.solve_arrays(**arrays, integer=integer, threads=1, time_limit_s=60.0)
    assert not thread.in_child and forked.in_child
    assert thread.status == forked.status == Status.OPTIMAL
    assert forked.objective == pytest.approx(thread.objective, rel=1e-9)
    assert forked.bound == pytest.approx(thread.bound, rel=1e-9)
    np.testing.assert_allclose(forked.values, thread.values, atol=1e-9)
    if mip:
        assert forked.row_dual is None
    else:
        np.testing.assert_allclose(forked.row_dual, thread.row_dual, atol=1e-9)
    assert _new_children() == []


def test_solve_arrays_stops_on_cancel_and_leaves_no_child(big_model):
    assert use_child(big_model.A.nnz)
    cancel = CancelToken()
    timer = threading.Timer(2.0, cancel.cancel)
    timer.start()
    started = time.perf_counter()
    try:
        result = adapter.solve_arrays(
            **_arrays(big_model),
            integer=big_model.integer,
            gap=0.0,
            threads=1,
            time_limit_s=600.0,
            cancel=cancel,
        )
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 2.0 + PROMPT_S
    assert result.stopped
    assert result.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    if result.values is not None:
        assert big_model.violations(result.values, tol=1e-6) == {}
    assert _new_children() == []
