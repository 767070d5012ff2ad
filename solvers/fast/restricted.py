"""Restricted MIP: the full placement model with only a chosen set of sites.

Keeping only the candidate pairs of chosen sites gives a much smaller model
whose every plan is a plan of the original instance (a restriction never adds
plans, and every row family of the model is built as usual). Solved by HiGHS
with a warm start, it is the plan-improving step of the ``fast`` solver:
the sites come from the Lagrangian subproblems (:mod:`solvers.fast.lagrange`)
and from the best plan known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scenario.instance import Instance
from solvers.fast import highs_mip
from solvers.model.formulation import build_model


@dataclass(frozen=True, eq=False)
class RestrictedPlan:
    """A plan of the original instance found on a restriction (None fields: no plan)."""

    status: str
    objective: float | None
    open_sites: np.ndarray | None  # [S] 0/1
    gpus: np.ndarray | None  # [S, T]
    pair_share: np.ndarray | None  # [P] of the original instance
    n_pairs: int
    wall_s: float


def restrict(instance: Instance, sites: np.ndarray) -> tuple[Instance, np.ndarray]:
    """The instance with only the pairs of ``sites`` (bool [S]); and the kept pair indices."""
    keep = np.flatnonzero(np.asarray(sites, dtype=bool)[instance.pair_site])
    reduced = replace(
        instance,
        pair_region=instance.pair_region[keep],
        pair_site=instance.pair_site[keep],
        pair_rtt_ms=instance.pair_rtt_ms[keep],
    )
    return reduced, keep


def covers(instance: Instance, sites: np.ndarray) -> bool:
    """Whether every region keeps at least one candidate pair among ``sites``."""
    mask = np.asarray(sites, dtype=bool)[instance.pair_site]
    return bool(np.all(np.bincount(instance.pair_region[mask], minlength=instance.n_regions) > 0))


def solve(
    instance: Instance,
    sites: np.ndarray,
    *,
    time_limit_s: float,
    gap: float,
    threads: int = 1,
    seed: int = 0,
    start: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> RestrictedPlan:
    """Solve the model restricted to ``sites`` with HiGHS.

    Parameters
    ----------
    instance
        The instance (cost objective, no unserved demand).
    sites
        Bool [S]: the sites whose pairs are kept.
    start
        A plan of ``instance`` (open [S], gpus [S, T], pair_share [P]) using only
        ``sites``, handed to HiGHS as its first incumbent.

    Returns
    -------
    RestrictedPlan
        Decisions in the original instance's terms when HiGHS found a plan.
    """
    sub, keep = restrict(instance, sites)
    model = build_model(sub)
    blocks = model.var_blocks
    v0 = None
    if start is not None:
        open_v, gpus, share = start
        v0 = np.zeros(model.n_vars)
        v0[blocks["open"].start : blocks["open"].stop] = open_v
        v0[blocks["gpus"].start : blocks["gpus"].stop] = np.asarray(gpus).reshape(-1)
        v0[blocks["share"].start : blocks["share"].stop] = np.asarray(share)[keep]
    result = highs_mip.solve_arrays(
        model.c,
        model.A,
        model.row_lb,
        model.row_ub,
        model.col_lb,
        model.col_ub,
        model.integer,
        offset=model.c0,
        time_limit_s=time_limit_s,
        gap=gap,
        threads=threads,
        seed=seed,
        start=v0,
    )
    if result.values is None:
        return RestrictedPlan(result.status, None, None, None, None, int(keep.size), result.wall_s)
    v = result.values
    open_v = np.round(v[blocks["open"].start : blocks["open"].stop])
    gpus = np.round(v[blocks["gpus"].start : blocks["gpus"].stop]).reshape(
        instance.n_sites, instance.n_types
    )
    share = np.zeros(instance.n_pairs)
    share[keep] = np.clip(v[blocks["share"].start : blocks["share"].stop], 0.0, 1.0)
    return RestrictedPlan(
        result.status, result.objective, open_v, gpus, share, int(keep.size), result.wall_s
    )
