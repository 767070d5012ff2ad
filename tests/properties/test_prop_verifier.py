"""The independent verifier agrees with the model on random small instances.

Every plan of every installed backend passes ``verify_plan``; a plan perturbed
by one move (a share moved, a GPU removed, a site closed) is flagged exactly
when an independent recomputation in this file's helpers finds it infeasible;
a share moved to a site out of reach is always flagged.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from gpuplace import solvers
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import Solution, Status
from gpuplace.solvers.verify import verify_plan
from support.prop_cases import (
    EXACT,
    SETTINGS,
    build,
    decisions_of,
    infeasibility,
    may_serve,
    specs,
)

BACKENDS = [name for name, ok in solvers.available_solvers().items() if ok and name != "auto"]
EXACT_BACKENDS = [name for name in BACKENDS if name != "greedy"]


def _plan_of(instance, solution):
    return build_plan(instance, solution, solver_settings=SETTINGS)


def _solved(instance):
    solution = solvers.solve(instance, "highs", EXACT)
    assume(solution.objective is not None)
    return solution


@settings(max_examples=30)
@given(specs())
def test_every_backend_plan_passes_the_verifier(spec):
    instance = build(spec)
    for backend in BACKENDS:
        solution = solvers.solve(instance, backend, EXACT)
        event(f"{backend}: {solution.status.value}")
        if solution.objective is None:
            assert solution.status in (Status.INFEASIBLE, Status.NO_SOLUTION)
            continue
        plan = _plan_of(instance, solution)
        assert verify_plan(instance, plan) == [], backend
        # the independent recomputation agrees that the plan is feasible
        reasons, _ = infeasibility(spec, decisions_of(instance, solution))
        assert reasons == [], (backend, reasons)


def _move_share(instance, solution, data) -> Solution | None:
    used = np.flatnonzero(solution.pair_share > 1e-9)
    p = int(data.draw(st.sampled_from(used.tolist()), label="pair"))
    r = instance.pair_region[p]
    others = [
        int(q)
        for q in np.flatnonzero(instance.pair_region == r)
        if instance.pair_site[q] != instance.pair_site[p]
    ]
    opened = [q for q in others if solution.open_sites[instance.pair_site[q]]]
    if opened and data.draw(st.booleans(), label="to an open site"):
        others = opened
    if not others:
        return None
    q = data.draw(st.sampled_from(others), label="to pair")
    fraction = data.draw(st.sampled_from([1.0, 0.5, 0.1]), label="fraction")
    share = solution.pair_share.copy()
    moved = share[p] * fraction
    share[p] -= moved
    share[q] += moved
    return dataclasses.replace(solution, pair_share=share)


def _remove_gpu(instance, solution, data) -> Solution | None:
    held = np.argwhere(np.rint(solution.new_gpus) > 0)
    if not len(held):
        return None
    s, t = held[data.draw(st.integers(0, len(held) - 1), label="gpu")]
    gpus = np.rint(solution.new_gpus).astype(np.int64)
    gpus[s, t] -= 1
    return dataclasses.replace(solution, new_gpus=gpus)


def _close_site(instance, solution, data) -> Solution | None:
    opened = np.flatnonzero(solution.open_sites)
    s = int(data.draw(st.sampled_from(opened.tolist()), label="site"))
    is_open = np.asarray(solution.open_sites, dtype=bool).copy()
    is_open[s] = False
    gpus = np.rint(solution.new_gpus).astype(np.int64)
    if data.draw(st.booleans(), label="remove its new GPUs"):
        gpus[s] = 0
    return dataclasses.replace(solution, open_sites=is_open, new_gpus=gpus)


def _with_slack(spec, instance, solution, data) -> Solution:
    """The optimal plan, plus spare GPUs where they keep it feasible (so removals may be too)."""
    gpus = np.rint(solution.new_gpus).astype(np.int64)
    for s in np.flatnonzero(solution.open_sites):
        t = data.draw(st.integers(0, instance.n_types - 1), label="spare type")
        gpus[s, t] += data.draw(st.integers(0, 4), label="spare GPUs")
        padded = dataclasses.replace(solution, new_gpus=gpus)
        reasons, borderline = infeasibility(spec, decisions_of(instance, padded))
        if reasons or borderline:
            gpus[s, t] = np.rint(solution.new_gpus[s, t])
    return dataclasses.replace(solution, new_gpus=gpus)


PERTURB = {"move_share": _move_share, "remove_gpu": _remove_gpu, "close_site": _close_site}


@settings(max_examples=60)
@given(specs(), st.sampled_from(sorted(PERTURB)), st.data())
def test_perturbed_plan_is_flagged_exactly_when_infeasible(spec, kind, data):
    instance = build(spec)
    solution = _with_slack(spec, instance, _solved(instance), data)
    perturbed = PERTURB[kind](instance, solution, data)
    assume(perturbed is not None)
    reasons, borderline = infeasibility(spec, decisions_of(instance, perturbed))
    assume(not borderline)
    violations = verify_plan(instance, _plan_of(instance, perturbed))
    event(f"{kind}: {'infeasible' if reasons else 'feasible'}")
    if reasons:
        assert violations, f"{kind}: infeasible ({reasons}) but the verifier passed it"
    else:
        assert violations == [], f"{kind}: feasible but flagged: {violations}"


@settings(max_examples=30, suppress_health_check=[HealthCheck.filter_too_much])
@given(specs(max_nodes=5, links=False, extras=False, sla_ms=(3.0, 5.0, 9.0)), st.data())
def test_share_moved_out_of_reach_is_flagged(spec, data):
    instance = build(spec)
    plan = _plan_of(instance, _solved(instance))
    i = data.draw(st.integers(0, len(plan["assignments"]) - 1), label="assignment")
    r = spec.region_ids.index(plan["assignments"][i]["region"])
    out_of_reach = [s for s in range(spec.n_sites) if may_serve(spec, r, s)]
    assume(out_of_reach)
    s = data.draw(st.sampled_from(out_of_reach), label="site")
    moved = copy.deepcopy(plan)
    moved["assignments"][i]["site"] = spec.site_ids[s]
    why = may_serve(spec, r, s).split(":")[0]
    flagged = {v.constraint for v in verify_plan(instance, moved)}
    event(why)
    assert why in flagged, (why, flagged)
