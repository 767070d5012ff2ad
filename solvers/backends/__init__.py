"""Solver backends behind one interface (:class:`solvers.backends.base.Backend`).

- :mod:`~solvers.backends.base`: the interface and the opening every solve shares;
- :mod:`~solvers.backends.solution`: a Solution from a backend's values;
- :mod:`~solvers.runtime`: deadlines, and solver calls in helper threads;
- one module per backend (``auto`` with :mod:`~solvers.backends.greedy_exact`, ``cpsat``
  with :mod:`~solvers.backends.cpsat_translate`, ``greedy`` with
  :mod:`~solvers.backends.greedy_construct`, ``highs``, ``scip``); ``fast`` lives in
  :mod:`solvers.fast`;
- :mod:`~solvers.backends.registry`: every backend by name (``BACKENDS``).

Importing this package loads no backend.
"""

__all__: list[str] = []
