"""Wrong verdicts: the verifier trusts no number, and the model and the verifier route alike.

Before: ``verify`` accepted NaN in any number of a plan (a NaN share served a
region by nobody while the plan claimed 100 %); where two minimum-latency paths
tied, scipy (the model) and networkx (the verifier) routed over different links,
so a feasible instance with a tight link got no plan.
"""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpuplace.solvers.verify import verify_plan
from gpuplace.solvers.verify.routes import RouteTrees
from gpuplace.topo.graph import Topology
from gpuplace.topo.latency import path_tree
from support.cli_files import run, write_scenario


def _numbers(value, where=""):
    """Every number of a plan document, by its path."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{where}[{i}]")


def _set(document, where, value):
    parts = where.replace("[", ".[").split(".")
    target = document
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    last = parts[-1]
    if last.startswith("["):
        target[int(last[1:-1])] = value
    else:
        target[last] = value


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_number_anywhere_is_a_violation(tiny, tiny_plan, bad):
    paths = [where for where, _ in _numbers(tiny_plan)]
    assert "assignments[0].share" in paths and len(paths) > 20
    for where in paths:
        plan = json.loads(json.dumps(tiny_plan))
        _set(plan, where, bad)
        violations = verify_plan(tiny, plan)
        assert any(v.subject == where for v in violations), (where, violations)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_plan_files_with_non_numbers_are_refused(tmp_path, token):
    scenario = write_scenario(tmp_path)
    plan = tmp_path / "plan.json"
    assert run("solve", scenario, "-o", plan, "--quiet").exit_code == 0
    text = plan.read_text().replace('"share": 1.0', f'"share": {token}', 1)
    assert token in text
    plan.write_text(text)
    for command in (["verify", scenario, plan], ["compare", plan], ["failures", scenario, plan]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "is not valid JSON" in result.stderr and "line " in result.stderr
        assert "Traceback" not in result.output


# ---------------------------------------------------------------------- one path rule


def _topology(n: int, edges: list[tuple[int, int, float]]) -> Topology:
    return Topology(
        source="t",
        node_ids=tuple(f"n{i}" for i in range(n)),
        node_lat=np.full(n, np.nan),
        node_lon=np.full(n, np.nan),
        node_name=("",) * n,
        node_country=("",) * n,
        node_kind=("",) * n,
        edge_src=np.array([e[0] for e in edges], dtype=np.int64),
        edge_dst=np.array([e[1] for e in edges], dtype=np.int64),
        edge_latency_ms=np.array([e[2] for e in edges], dtype=float),
        edge_distance_km=np.full(len(edges), np.nan),
        edge_capacity_gbps=np.full(len(edges), np.inf),
    )


@st.composite
def tied_graphs(draw):
    """Connected graphs with few distinct latencies (ties everywhere), zero latencies too."""
    n = draw(st.integers(2, 12))
    latency = st.sampled_from([0.0, 1.0, 2.0, 3.0, 0.5, 1.0000004])
    pairs = {(i, draw(st.integers(0, i - 1))) for i in range(1, n)}  # a spanning tree
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20))
    pairs |= {(max(a, b), min(a, b)) for a, b in extra if a != b}
    edges = [
        (a, b, draw(latency)) if draw(st.booleans()) else (b, a, draw(latency)) for a, b in pairs
    ]
    return n, edges


@settings(max_examples=200, deadline=None)
@given(tied_graphs())
def test_model_and_verifier_follow_the_same_paths(graph):
    n, edges = graph
    topology = _topology(n, edges)
    link_ms = topology.edge_latency_ms
    pred = path_tree(topology, link_ms, np.arange(n))
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u, v, ms in edges:
        g.add_edge(u, v, weight=ms)
    routes = RouteTrees(g)
    for root in range(n):
        for target in range(n):
            mine = routes.path(root, target)
            theirs, node = [target], target
            while node != root:
                node = int(pred[root, node])
                theirs.append(node)
            assert mine == theirs[::-1]


def test_ties_do_not_cost_a_feasible_plan(tmp_path):
    """Two 2 ms paths from A to D, through B and through C; only B's is wide enough.

    By the rule D's predecessor is B (the lower index of the two): the plan routes
    10 Gbit/s over B's links, exactly their capacity. Before, scipy's model routed
    over C (5 Gbit/s: no plan) while networkx's verifier routed over B.
    """
    nodes = [
        {"id": name, "lat": lat, "lon": lon}
        for name, lat, lon in [("A", 0, 0), ("B", 1, 1), ("C", -1, 1), ("D", 0, 2), ("E", 0, -1)]
    ]
    links = [
        {"source": "A", "target": "E", "latency_ms": 1, "capacity_gbps": 100},
        {"source": "B", "target": "D", "latency_ms": 1, "capacity_gbps": 10},
        {"source": "C", "target": "D", "latency_ms": 1, "capacity_gbps": 5},
        {"source": "A", "target": "B", "latency_ms": 1, "capacity_gbps": 10},
        {"source": "A", "target": "C", "latency_ms": 1, "capacity_gbps": 5},
    ]
    sites = "id,node,power_kw,max_gpus,fixed_cost\ns1,D,100,50,1000\n"
    regions = "id,lat,lon,demand,sla_rtt_ms,gbps_per_unit,node\nr1,0,0,10,50,1,A\n"
    scenario = write_scenario(tmp_path, nodes=nodes, links=links, sites=sites, regions=regions)
    for solver in ("highs", "cpsat"):
        plan = tmp_path / f"{solver}.json"
        result = run("solve", scenario, "--solver", solver, "-o", plan, "--quiet")
        assert result.exit_code == 0, result.output
        loads = {
            (r["source"], r["target"]): r["load_gbps"]
            for r in json.loads(plan.read_text())["links"]
        }
        assert loads == {("D", "B"): 10.0, ("B", "A"): 10.0}
        assert run("verify", scenario, plan).exit_code == 0
