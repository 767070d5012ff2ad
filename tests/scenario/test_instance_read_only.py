"""Instances and topologies are read-only: every array, also nested ones, after replace, copy, pickle."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import numpy as np
import pytest

from gpuplace.scenario import load_instance
from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import MeasuredPairs
from gpuplace.topo.graph import make_topology


def arrays(value, path: str):
    """``(path, array)`` for every array in the fields of the dataclass ``value``, nested too."""
    if isinstance(value, np.ndarray):
        yield path, value
    elif type(value) is tuple:
        for i, item in enumerate(value):
            yield from arrays(item, f"{path}[{i}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from arrays(getattr(value, field.name), f"{path}.{field.name}")


def assert_read_only(value, at_least: int) -> None:
    found = list(arrays(value, "instance"))
    assert len(found) >= at_least
    for path, array in found:
        assert not array.flags.writeable, path
        if array.size:
            with pytest.raises(ValueError, match="read-only"):
                array.flat[0] = array.flat[0]


def test_a_loaded_instance_is_read_only(files):
    instance = load_instance(files.toml)
    assert_read_only(instance, at_least=30)  # 24 instance arrays + 6 of the topology
    with pytest.raises(ValueError, match="read-only"):
        instance.region_demand[0] *= 2
    with pytest.raises(ValueError, match="read-only"):
        instance.topology.edge_capacity_gbps[:] = 0.0


def test_building_leaves_the_callers_arrays_writable():
    lat = np.array([0.0, 1.0])
    demand = np.array([2.0])
    topology = make_topology(["a", "b"], lat, [0.0, 1.0], [("a", "b")])
    instance = build_instance(
        topology=topology,
        site_ids=["s"],
        site_node=[1],
        site_power_kw=[10.0],
        region_ids=["r"],
        region_lat=[0.0],
        region_lon=[0.0],
        region_demand=demand,
        region_sla_rtt_ms=[100.0],
        gpu_types=["g"],
        gpu_capex=[1.0],
        gpu_power_kw=[1.0],
        gpu_throughput=[1.0],
    )
    assert_read_only(instance, at_least=30)
    assert lat.flags.writeable and demand.flags.writeable  # only the instance's views are frozen
    np.testing.assert_array_equal(instance.topology.node_lat, lat)


def test_replace_copy_and_pickle_stay_read_only(files):
    instance = load_instance(files.toml)
    measured = MeasuredPairs(
        region=np.array([0]),
        site=np.array([0]),
        rtt_ms=np.array([5.0]),
        percentiles=((95.0, np.array([6.0])),),
    )
    changed = dataclasses.replace(
        instance, site_power_kw=np.ones(instance.n_sites), measured=measured
    )
    assert_read_only(changed, at_least=34)  # and the four arrays of the measured pairs
    for twin in (copy.copy(changed), copy.deepcopy(changed), pickle.loads(pickle.dumps(changed))):
        assert_read_only(twin, at_least=34)
        np.testing.assert_array_equal(twin.site_power_kw, np.ones(instance.n_sites))
