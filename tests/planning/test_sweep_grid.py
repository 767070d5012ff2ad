"""--vary parsing, ranges and the cartesian product; --pareto axes."""

from __future__ import annotations

import pytest

from gpuplace.errors import InputError
from gpuplace.planning.sweep_grid import Vary, grid, parse_varies, parse_vary
from gpuplace.planning.sweep_outputs import Axis, pareto_axes


@pytest.mark.parametrize(
    ("spec", "values"),
    [
        ("constraints.budget=1e8,2e8", ("1e8", "2e8")),
        ("constraints.budget=1e8:5e8:5", ("100000000", "200000000", "300000000", "400000000",
                                          "500000000")),
        ("constraints.max_utilisation=0.5:1:3", ("0.5", "0.75", "1")),
        ("constraints.max_sites=2..8..2", ("2", "4", "6", "8")),
        ("constraints.max_sites=1..3,7", ("1", "2", "3", "7")),
        ("constraints.max_sites=3,3,1..3", ("3", "1", "2")),
        ("topology.file=topohub:sndlib/geant", ("topohub:sndlib/geant",)),
        ("solver.name=cpsat, highs", ("cpsat", "highs")),
        ("x=0:10:3", ("0", "5", "10")),
        ("x=0:1:2", ("0", "1")),
        ("x=5:5:1", ("5",)),
    ],
)  # fmt: skip
def test_parse_vary(spec, values):
    vary = parse_vary(spec)
    assert vary.values == values
    assert vary.key == spec.partition("=")[0]


@pytest.mark.parametrize(
    "spec",
    ["budget", "=1,2", "x=1,,2", "x=1:2:0", "x=1:2:1", "x=5..1", "x=1..5..0", "x=1:2:n"],
)
def test_parse_vary_errors(spec):
    with pytest.raises(InputError) as info:
        parse_vary(spec)
    assert info.value.problems[0].file == "--vary"


def test_key_varied_twice_and_none():
    with pytest.raises(InputError, match="varied twice"):
        parse_varies(["a=1", "a=2"])
    with pytest.raises(InputError, match="at least one"):
        parse_varies([])


def test_grid_is_cartesian_product_in_order():
    cases = grid([Vary("a", ("1", "2")), Vary("b", ("x", "y", "z"))])
    assert len(cases) == 6
    assert cases[0] == {"a": "1", "b": "x"} and cases[5] == {"a": "2", "b": "z"}
    assert len({tuple(c.items()) for c in cases}) == 6


def test_pareto_axes_defaults_and_spec():
    assert pareto_axes(None, objective_kind="cost", vary_keys=[]) == (
        Axis("total_cost", "min"),
        Axis("mean_rtt_ms", "min"),
    )
    assert pareto_axes(None, objective_kind="served", vary_keys=["constraints.budget"]) == (
        Axis("constraints.budget", "min"),
        Axis("served_fraction", "max"),
    )
    assert pareto_axes("total_cost,served_fraction", objective_kind="cost", vary_keys=[]) == (
        Axis("total_cost", "min"),
        Axis("served_fraction", "max"),
    )
    assert pareto_axes("a:max,p95_rtt_ms", objective_kind="cost", vary_keys=["a"]) == (
        Axis("a", "max"),
        Axis("p95_rtt_ms", "min"),
    )


@pytest.mark.parametrize("spec", ["total_cost", "nope,total_cost", "total_cost:up,gap"])
def test_pareto_axes_errors(spec):
    with pytest.raises(InputError):
        pareto_axes(spec, objective_kind="cost", vary_keys=[])


def test_unknown_vary_key_is_named_as_vary(tmp_path):
    from gpuplace.planning.sweep import run_sweep
    from support.plan_samples import write_tiny_scenario

    scenario = write_tiny_scenario(tmp_path / "s")
    with pytest.raises(InputError) as caught:
        run_sweep(scenario, ["constraints.budgte=1,2"], tmp_path / "out")
    assert "--vary constraints.budgte" in str(caught.value)
    assert "did you mean 'constraints.budget'" in str(caught.value)
    assert not (tmp_path / "out").exists()
