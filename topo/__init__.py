"""Topologies: readers -> the normalised :class:`Topology`; latency; conversion; inspection."""

from gpuplace.topo.convert import to_node_link, write_node_link
from gpuplace.topo.graph import Topology
from gpuplace.topo.inspect import inspect_topology
from gpuplace.topo.readers import read_topology

__all__ = [
    "Topology",
    "inspect_topology",
    "read_topology",
    "to_node_link",
    "write_node_link",
]
