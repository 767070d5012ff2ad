"""Performance techniques for placement, all exact (the bound is a real bound).

- :mod:`solvers.fast.flp`: the facility-location core of an instance, as arrays;
- :mod:`solvers.fast.radius`: radius formulation with level generation (UFLP, p-median),
  started from :mod:`solvers.fast.open_sets` (greedy opening, cheapest assignment);
- :mod:`solvers.fast.pmedian`: Lagrangian branch-and-bound for p-median (exactly p sites open),
  with :mod:`solvers.fast.pmedian_lagrange` (bound, penalty tests) and
  :mod:`solvers.fast.local_search` (swap search);
- :mod:`solvers.fast.cflp`: capacitated facility location, strong linking rows added lazily,
  with :mod:`solvers.fast.cflp_model` (the HiGHS model), :mod:`solvers.fast.cflp_lagrange`
  (bound), :mod:`solvers.fast.cflp_primal` (plans from open sets) and
  :mod:`solvers.fast.cflp_tree` (branching);
- :mod:`solvers.fast.colgen`: pricing share columns of the full model (LP bound on a subset);
- :mod:`solvers.fast.lagrange`: Lagrangian bound with the assignment rows relaxed;
- :mod:`solvers.fast.gpu_cost`: per-site convex GPU cost of served demand (its subproblems);
- :mod:`solvers.fast.transport`, :mod:`solvers.fast.primal`: plans from open sites
  (assignment LP, whole GPUs, repair);
- :mod:`solvers.fast.dual_primal`: bound and plans together until the gap closes;
- :mod:`solvers.fast.backend`: all of it behind the Backend interface as solver ``fast``
  (registered in :data:`solvers.backends.registry.BACKENDS`; ``auto`` routes facility-location
  cores to it).

Every HiGHS run goes through :mod:`solvers.highs`.
"""

from gpuplace.solvers.fast.backend import FastBackend

__all__ = ["FastBackend"]
