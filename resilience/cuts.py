"""Capacity cuts of the failover problem: separation, a-priori pool, evaluation.

A *cut* is a pair ``(regions R', sites N)`` standing for the Hall inequality::

    Σ_{r in R'} (D_r − u_r)  <=  Σ_{s in N} Σ_t thr_t (E_st + g_st)

where N = N_f(R') is every site a region of R' may re-home to within the failover
SLA once some site f is lost (f excluded). A plan survives the loss of f exactly
when every such inequality holds (max-flow min-cut on the failover transportation
problem), and every cut is valid for every survivable plan when
``failover_sla_factor >= 1``: if f is open, R''s failover flow lands in N; if f
holds no GPUs, the normal assignment already serves R' inside N (pairs within the
SLA are pairs within the failover SLA).

Three sources of cuts, all in terms of the GPU (and unserved) variables only:

- :func:`separate`: the minimum cut of one failure for given capacities (integer
  or fractional), split into its independent components (regions that share no
  failover site), each violated component giving its own, sparser cut;
- :func:`closure_cuts`: an a-priori pool; for every distinct failover
  neighbourhood K = N(r) of a region and every site f in K, the regions whose whole
  neighbourhood lies in K must fit in K minus f;
- :func:`min_open_rows`: at least two open sites in each region's neighbourhood (the
  serving site and the one that takes over), an a-priori family over the ``open``
  variables that closes much of the LP gap fixed costs leave;
- :func:`violated`: which cuts of a pool given capacities and served demand break,
  vectorised (a pool of thousands is checked with two sparse products).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.model.core import gpu_upper_bounds

__all__ = [
    "CUT_TOL",
    "Cut",
    "closure_cuts",
    "closures",
    "cut_matrices",
    "min_open_rows",
    "neighbourhoods",
    "separate",
    "site_capacity_bound",
    "violated",
]

Cut = tuple[tuple[int, ...], tuple[int, ...]]

# Violations at or below this fraction of the cut's demand are round-off.
CUT_TOL = 1e-6


def neighbourhoods(instance: Instance, pairs, usable_sites: np.ndarray) -> list[frozenset[int]]:
    """Failover sites of every region among ``usable_sites`` (pairs within the failover SLA).

    Parameters
    ----------
    instance : Instance
        The scenario.
    pairs : solvers.reachable.ReachablePairs
        Pairs within ``sla_rtt_ms × failover_sla_factor``.
    usable_sites : numpy.ndarray
        Indices of the sites that can hold GPUs.

    Returns
    -------
    list[frozenset[int]]
        One set per region (empty when the region reaches no usable site).
    """
    keep = np.isin(pairs.site, usable_sites)
    out: list[set[int]] = [set() for _ in range(instance.n_regions)]
    for r, s in zip(pairs.region[keep].tolist(), pairs.site[keep].tolist(), strict=True):
        out[r].add(s)
    return [frozenset(x) for x in out]


def closure_cuts(instance: Instance, pairs, usable_sites: np.ndarray) -> list[Cut]:
    """The a-priori pool: neighbourhood closures minus one site.

    For every distinct neighbourhood K = N(r) of a region with demand, and every
    f in K: R' = {r' with demand : N(r') ⊆ K} and N = K \\ {f}. When f is lost, R'
    can only re-home inside K \\ {f}, so its demand must fit there.

    Parameters
    ----------
    instance : Instance
        The scenario.
    pairs : solvers.reachable.ReachablePairs
        Pairs within the failover SLA.
    usable_sites : numpy.ndarray
        Indices of the sites that can hold GPUs.

    Returns
    -------
    list[Cut]
        Sorted, without duplicates.
    """
    cuts: set[Cut] = set()
    for inside, hood in closures(instance, pairs, usable_sites):
        for f in hood:
            cuts.add((inside, tuple(s for s in hood if s != f)))
    return sorted(cuts)


def closures(instance: Instance, pairs, usable_sites: np.ndarray) -> list[Cut]:
    """(R'(K), K) for every distinct neighbourhood K: the regions with demand inside K."""
    hoods = neighbourhoods(instance, pairs, usable_sites)
    with_demand = [r for r in range(instance.n_regions) if instance.region_demand[r] > 0]
    distinct = sorted({hoods[r] for r in with_demand if hoods[r]}, key=sorted)
    return [
        (tuple(r for r in with_demand if hoods[r] and hoods[r] <= hood), tuple(sorted(hood)))
        for hood in distinct
    ]


def min_open_rows(
    instance: Instance, pairs, usable_sites: np.ndarray, *, per_region: bool = False
) -> list[tuple[int, tuple[int, ...]]]:
    """Rows ``Σ_{s in N(r)} open_s >= 2`` (one region r per distinct neighbourhood).

    Parameters
    ----------
    instance : Instance
        The scenario.
    pairs : solvers.reachable.ReachablePairs
        Pairs within the failover SLA.
    usable_sites : numpy.ndarray
        Indices of the sites that can hold GPUs.
    per_region : bool
        One row per region even when neighbourhoods repeat (needed when demand may go
        unserved, since the row then depends on the region's unserved demand).

    Returns
    -------
    list[tuple[int, tuple[int, ...]]]
        (region, its neighbourhood sorted) for regions with demand.
    """
    hoods = neighbourhoods(instance, pairs, usable_sites)
    rows: dict = {}
    for r in range(instance.n_regions):
        if instance.region_demand[r] <= 0 or not hoods[r]:
            continue
        key = r if per_region else hoods[r]
        rows.setdefault(key, (r, tuple(sorted(hoods[r]))))
    return list(rows.values())


def site_capacity_bound(instance: Instance) -> np.ndarray:
    """An upper bound on the demand units each site can serve at 100 % [S] (inf when unbounded).

    The least of: site power over the most throughput per kW of any type, ``max_gpus``
    times the largest throughput, and existing GPUs plus the model's per-type bounds
    on new GPUs (:func:`solvers.model.core.gpu_upper_bounds`).
    """
    thr = np.asarray(instance.gpu_throughput, dtype=float)
    kw = np.asarray(instance.gpu_power_kw, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_kw = np.where(kw > 0, thr / kw, np.where(thr > 0, np.inf, 0.0))
        by_power = instance.site_power_kw / instance.site_pue * float(per_kw.max(initial=0.0))
    by_power = np.nan_to_num(by_power, nan=np.inf)
    by_space = instance.site_max_gpus * float(thr.max(initial=0.0))
    by_bounds = (instance.site_existing_gpus + gpu_upper_bounds(instance)) @ thr
    return np.minimum(np.minimum(by_power, by_space), by_bounds)


def cut_matrices(cuts: Sequence[Cut], n_regions: int, n_sites: int) -> tuple[sp.csr_matrix, ...]:
    """0/1 incidence of the cuts: ([C, R] regions, [C, S] sites)."""

    def incidence(members: list[tuple[int, ...]], width: int) -> sp.csr_matrix:
        rows = np.repeat(np.arange(len(members)), [len(m) for m in members])
        cols = np.fromiter((i for m in members for i in m), dtype=np.int64, count=rows.size)
        return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(len(members), width))

    return (
        incidence([c[0] for c in cuts], n_regions),
        incidence([c[1] for c in cuts], n_sites),
    )


def violated(
    cuts: Sequence[Cut], capacity: np.ndarray, served: np.ndarray, tol: float = CUT_TOL
) -> list[Cut]:
    """The cuts with ``Σ_{R'} served > Σ_N capacity`` beyond ``tol`` (relative).

    Parameters
    ----------
    cuts : sequence of Cut
        The pool.
    capacity : numpy.ndarray
        Demand units each site serves at 100 % utilisation [S] (may be fractional).
    served : numpy.ndarray
        Demand served per region [R].
    tol : float
        Relative tolerance on the cut's demand.

    Returns
    -------
    list[Cut]
    """
    if not cuts:
        return []
    regions, sites = cut_matrices(cuts, served.shape[0], capacity.shape[0])
    need = regions @ served
    have = sites @ capacity
    bad = need - have > tol * np.maximum(need, 1.0)
    return [cut for cut, b in zip(cuts, bad.tolist(), strict=True) if b]


def separate(
    capacity: np.ndarray,
    served: np.ndarray,
    failed_site: int,
    pairs,
    tol: float = CUT_TOL,
) -> list[Cut]:
    """Violated cuts of one failure: its minimum cut, split into independent components.

    The failover transportation problem (source -> region: served demand; region ->
    site within the failover SLA, site != ``failed_site``: unbounded; site -> sink:
    capacity) has a minimum cut whose source side holds regions R'; the plan breaks
    ``Σ_{R'} served <= Σ_{N(R')} cap``. Regions of R' that share no failover site
    with each other give separate inequalities (the cut of R' is their sum), and each
    violated one is returned.

    The maximum flow runs on integers (``scipy.sparse.csgraph.maximum_flow``):
    demands are rounded up and capacities down at a resolution of at most 1e-6
    demand units, so it never misses a violation larger than the rounding; every
    cut returned is re-checked in floating point.

    Parameters
    ----------
    capacity : numpy.ndarray
        Demand units each site serves at 100 % utilisation [S] (may be fractional).
    served : numpy.ndarray
        Demand that must be re-served per region [R].
    failed_site : int
        The lost site.
    pairs : solvers.reachable.ReachablePairs
        Pairs within the failover SLA.
    tol : float
        Relative tolerance on the shortfall.

    Returns
    -------
    list[Cut]
        Empty when the loss of ``failed_site`` is survived.

    Examples
    --------
    >>> import numpy as np
    >>> from gpuplace.solvers.reachable import ReachablePairs
    >>> pairs = ReachablePairs(np.array([0, 0, 1]), np.array([0, 1, 1]), np.zeros(3))
    >>> separate(np.array([5.0, 4.0]), np.array([3.0, 3.0]), 1, pairs)
    [((1,), ())]
    """
    served = np.asarray(served, dtype=float)
    capacity = np.maximum(np.asarray(capacity, dtype=float), 0.0)
    keep = (pairs.site != failed_site) & (served[pairs.region] > 0)
    p_region, p_site = pairs.region[keep], pairs.site[keep]
    total = float(served[served > 0].sum())
    if total <= 0.0:
        return []
    source_regions = _min_cut_regions(capacity, served, p_region, p_site, tol)
    if not source_regions:
        return []
    sites_of: dict[int, list[int]] = {}
    for r, s in zip(p_region.tolist(), p_site.tolist(), strict=True):
        sites_of.setdefault(r, []).append(s)
    out = []
    for component in _components(source_regions, sites_of):
        near = sorted({s for r in component for s in sites_of.get(r, ())})
        need = float(served[component].sum())
        have = float(capacity[near].sum()) if near else 0.0
        if need - have > tol * max(1.0, need):
            out.append((tuple(component), tuple(near)))
    return out


def _min_cut_regions(
    capacity: np.ndarray,
    served: np.ndarray,
    p_region: np.ndarray,
    p_site: np.ndarray,
    tol: float,
) -> list[int]:
    """Regions on the source side of a minimum cut, or [] when all demand flows."""
    from scipy.sparse.csgraph import breadth_first_order, maximum_flow

    regions = np.flatnonzero(served > 0)
    sites = np.unique(p_site)
    total = float(served[regions].sum())
    # Integer resolution: the flow value must fit in int32 with room to spare.
    scale = min(1e6, 1e9 / max(total, 1.0))
    n_r, n_s = regions.size, sites.size
    sink = 1 + n_r + n_s
    r_node = np.zeros(served.shape[0], dtype=np.int64)
    r_node[regions] = 1 + np.arange(n_r)
    s_node = np.zeros(capacity.shape[0], dtype=np.int64)
    s_node[sites] = 1 + n_r + np.arange(n_s)
    demand_int = np.ceil(served[regions] * scale - 1e-9).astype(np.int64)
    big = int(demand_int.sum()) + 1
    cap_int = np.floor(capacity[sites] * scale + 1e-9).astype(np.int64)
    rows = np.concatenate([np.zeros(n_r, np.int64), r_node[p_region], s_node[sites]])
    cols = np.concatenate([r_node[regions], s_node[p_site], np.full(n_s, sink)])
    vals = np.concatenate([demand_int, np.full(p_region.size, big), cap_int]).astype(np.int32)
    graph = sp.csr_matrix((vals, (rows, cols)), shape=(sink + 1, sink + 1))
    graph.sum_duplicates()
    result = maximum_flow(graph, 0, sink)
    shortfall = (int(demand_int.sum()) - int(result.flow_value)) / scale
    if shortfall <= tol * max(1.0, total):
        return []
    residual = (graph - result.flow).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    reached = breadth_first_order(residual, 0, directed=True, return_predecessors=False)
    on_source = np.zeros(sink + 1, dtype=bool)
    on_source[reached] = True
    return [int(r) for r in regions[on_source[1 : 1 + n_r]]]


def _components(regions: Iterable[int], sites_of: dict[int, list[int]]) -> list[list[int]]:
    """Groups of regions connected through shared failover sites (union-find)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[int, int] = {}
    regions = list(regions)
    for r in regions:
        find(r)
        for s in sites_of.get(r, ()):
            if s in owner:
                parent[find(r)] = find(owner[s])
            else:
                owner[s] = r
    groups: dict[int, list[int]] = {}
    for r in regions:
        groups.setdefault(find(r), []).append(r)
    return [sorted(g) for g in groups.values()]
