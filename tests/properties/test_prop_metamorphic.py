"""Metamorphic properties of the optimum (HiGHS at gap 0) on random small instances.

Relaxing a constraint never raises the optimum and never turns a feasible
instance infeasible; raising demand never lowers it; renaming and reordering
sites and regions changes neither the optimum nor the plan; scaling every
money amount by c scales the objective by c.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from gpuplace import solvers
from gpuplace.solvers.result import Status
from support.prop_cases import EXACT, Spec, build, permute, scale_costs, specs, with_constraints


def _solve(spec: Spec):
    solution = solvers.solve(build(spec), "highs", EXACT)
    assert solution.status in (Status.OPTIMAL, Status.INFEASIBLE), solution.status
    return solution


def _optimum(spec: Spec) -> float | None:
    solution = _solve(spec)
    event("feasible" if solution.objective is not None else "infeasible")
    return solution.objective


def _no_higher(looser: float | None, tighter: float | None) -> None:
    """The relaxed optimum exists whenever the tighter one does, and is no higher."""
    if tighter is None:
        return
    assert looser is not None, "relaxing a constraint made a feasible instance infeasible"
    assert looser <= tighter + 1e-6 * max(1.0, abs(tighter)), (looser, tighter)


def _total_cost(spec: Spec) -> float | None:
    instance = build(spec)
    solution = solvers.solve(instance, "highs", EXACT)
    if solution.objective is None:
        return None
    fixed = float(instance.site_fixed_cost[solution.open_sites].sum())
    capex = instance.site_cost_factor @ (solution.new_gpus @ instance.gpu_capex)
    return fixed + float(capex)


@settings(max_examples=25)
@given(specs(), st.sampled_from([0.8, 0.97, 1.0, 1.05, 1.5]), st.sampled_from([1.0, 1.2, 3.0]))
def test_more_budget_never_costs_more(spec, fraction, more):
    cost = _total_cost(spec)
    assume(cost is not None)
    tight = _optimum(with_constraints(spec, budget=cost * fraction))
    loose = _optimum(with_constraints(spec, budget=cost * fraction * more))
    _no_higher(loose, tight)
    unconstrained = _optimum(spec)
    assert loose is None or loose >= unconstrained - 1e-6 * max(1.0, unconstrained)


@settings(max_examples=25)
@given(specs(), st.sampled_from([1.3, 2.0, 5.0]), st.data())
def test_looser_sla_never_raises_the_optimum(spec, factor, data):
    loosened = data.draw(
        st.lists(st.booleans(), min_size=spec.n_regions, max_size=spec.n_regions), label="which"
    )
    sla = tuple(v * factor if up else v for v, up in zip(spec.region_sla, loosened, strict=True))
    _no_higher(_optimum(dataclasses.replace(spec, region_sla=sla)), _optimum(spec))


@settings(max_examples=25)
@given(specs(), st.sampled_from([1, 2, 3]), st.sampled_from([1, 2, None]))
def test_more_max_sites_never_raises_the_optimum(spec, fewer, extra):
    tighter = _optimum(with_constraints(spec, max_sites=fewer))
    looser = _optimum(with_constraints(spec, max_sites=None if extra is None else fewer + extra))
    _no_higher(looser, tighter)


@settings(max_examples=25)
@given(specs(), st.data())
def test_more_demand_never_lowers_the_cost_optimum(spec, data):
    extra = data.draw(
        st.lists(st.integers(0, 3), min_size=spec.n_regions, max_size=spec.n_regions), label="extra"
    )
    assume(any(extra))
    more = tuple(d + e for d, e in zip(spec.region_demand, extra, strict=True))
    _no_higher(_optimum(spec), _optimum(dataclasses.replace(spec, region_demand=more)))


def _content(instance, solution, site_name, region_name):
    """Open sites with their GPUs and the shares, keyed by the original ids."""
    sites = {
        site_name[instance.site_ids[s]]: tuple(int(round(g)) for g in solution.new_gpus[s])
        for s in range(instance.n_sites)
        if solution.open_sites[s]
    }
    shares = {}
    for r, s, x in zip(instance.pair_region, instance.pair_site, solution.pair_share, strict=True):
        if x > 1e-7:
            shares[(region_name[instance.region_ids[r]], site_name[instance.site_ids[s]])] = x
    return sites, shares


@settings(max_examples=40)
@given(specs(links=False, matrix=True), st.randoms(use_true_random=False))
def test_renaming_and_reordering_changes_nothing(spec, rng):
    site_order = list(range(spec.n_sites))
    region_order = list(range(spec.n_regions))
    rng.shuffle(site_order)
    rng.shuffle(region_order)
    renamed = permute(spec, site_order, region_order)
    original, other = build(spec), build(renamed)
    a, b = _solve(spec), _solve(renamed)
    assert a.status == b.status
    event(a.status.value)
    if a.objective is None:
        return
    assert b.objective == _approx(a.objective)
    same = {sid: sid for sid in spec.site_ids}
    back_site = {renamed.site_ids[i]: spec.site_ids[o] for i, o in enumerate(site_order)}
    back_region = {renamed.region_ids[i]: spec.region_ids[o] for i, o in enumerate(region_order)}
    sites_a, shares_a = _content(original, a, same, {rid: rid for rid in spec.region_ids})
    sites_b, shares_b = _content(other, b, back_site, back_region)
    assert sites_b == sites_a
    assert shares_b.keys() == shares_a.keys()
    for key, x in shares_a.items():
        assert abs(shares_b[key] - x) <= 1e-6, key


def _approx(value: float):
    return pytest.approx(value, rel=1e-6, abs=1e-6)


@settings(max_examples=25)
@given(specs(), st.sampled_from([0.01, 3.0, 1000.0]), st.booleans())
def test_scaling_costs_scales_the_objective(spec, factor, with_budget):
    if with_budget:
        cost = _total_cost(spec)
        assume(cost is not None)
        spec = with_constraints(spec, budget=cost * 1.1)
    base = _optimum(spec)
    scaled = _optimum(scale_costs(spec, factor))
    assert (base is None) == (scaled is None)
    if base is not None:
        assert scaled == _approx(base * factor)
