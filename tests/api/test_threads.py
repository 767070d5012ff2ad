"""Solves in several threads at once give the plans they give one at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import gpuplace
from gpuplace.solvers.constraints import registry


def _instances() -> list[gpuplace.Instance]:
    nz = gpuplace.dataset_frames("apac", countries=["NZ"])
    near = gpuplace.dataset_frames("apac", countries=["NZ"])
    near.regions.loc[near.regions["id"] == "auckland-nz", "sla_rtt_ms"] = 3.0
    oceania = gpuplace.dataset_frames("apac", countries=["AU", "NZ"])
    return [gpuplace.from_frames(*frames) for frames in (nz, near, oceania)]


def _decisions(plan: gpuplace.Plan) -> tuple:
    """What a plan decides: GPUs per site and type, and every share (rounded)."""
    gpus = plan.gpus_frame()
    shares = plan.assignments_frame().round({"share": 9})
    return (
        plan.status,
        tuple(gpus[["site", "gpu_type", "gpus"]].itertuples(index=False)),
        tuple(shares[["region", "site", "share"]].itertuples(index=False)),
    )


@pytest.fixture
def fresh_registry(monkeypatch):
    """The constraint registry as a new process has it: not loaded yet."""
    monkeypatch.setattr(registry, "_families", {})
    monkeypatch.setattr(registry, "_builtin", {})
    monkeypatch.setattr(registry, "_loaded", False)


def test_concurrent_solves_equal_sequential(fresh_registry):
    instances = _instances() * 2  # each instance solved twice at the same time
    with ThreadPoolExecutor(max_workers=len(instances)) as pool:
        together = list(pool.map(lambda i: gpuplace.solve(i, threads=1, seed=0), instances))
    alone = [gpuplace.solve(i, threads=1, seed=0) for i in instances[:3]]
    assert [_decisions(p) for p in together] == [_decisions(p) for p in alone * 2]
    assert all(gpuplace.verify(i, p) == [] for i, p in zip(instances, together, strict=True))
    assert len({_decisions(p) for p in alone}) == 3  # the three instances differ
