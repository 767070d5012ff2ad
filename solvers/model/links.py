"""Which directed links each candidate pair's traffic crosses (model side).

Traffic of pair (r, s) flows from node(s) to attach(r) along the
minimum-latency path (SCENARIO.md, latency model rule 5). Paths are
recomputed from the instance's topology and latency settings with
``topo.latency`` and cached per instance.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.topo import latency

__all__ = ["has_links", "link_capacity_gbps", "pair_link_matrix"]

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def has_links(instance: Instance) -> bool:
    """Whether pairs' traffic crosses topology links at all (not for matrix-only instances)."""
    return not instance.matrix_only and instance.topology.n_edges > 0 and instance.n_pairs > 0


def pair_link_matrix(instance: Instance) -> sp.csr_matrix:
    """0/1 CSR [P, 2E]: column 2e is link e forwards (src -> dst), 2e+1 backwards."""
    cached = _cache.get(instance)
    if cached is not None:
        return cached
    topo = instance.topology
    if not has_links(instance):
        result = sp.csr_matrix((instance.n_pairs, 2 * topo.n_edges))
    else:
        s = instance.latency
        link_ms = latency.link_latency_ms(
            topo, s.fibre_km_per_ms, s.link_route_factor, s.per_hop_ms
        )
        paths = latency.shortest_paths(topo, link_ms, instance.region_node)
        # Pairs with the same (attach node, site node) share one path: trace each once.
        n = topo.n_nodes
        key = (
            instance.region_node[instance.pair_region] * n + instance.site_node[instance.pair_site]
        )
        unique, inverse = np.unique(key, return_inverse=True)
        per_path = latency.pair_links(topo, paths, unique // n, unique % n).tocsr()
        expand = sp.csr_matrix(
            (np.ones(instance.n_pairs), (np.arange(instance.n_pairs), inverse.ravel())),
            shape=(instance.n_pairs, unique.size),
        )
        result = (expand @ per_path).tocsr()
    _cache[instance] = result
    return result


def link_capacity_gbps(instance: Instance) -> np.ndarray:
    """Capacity of each directed link column, float [2E] (inf when uncapacitated)."""
    return np.repeat(instance.topology.edge_capacity_gbps, 2)
