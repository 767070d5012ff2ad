"""HiGHS (``highspy``): every run of gpuplace, bounded by a deadline and a cancel token.

- :mod:`solvers.highs.adapter`: arrays or a LinearModel -> one run -> :class:`HighsResult`
  with a :class:`~solvers.result.Status`; :mod:`solvers.highs.lp`: an LP relaxation;
- :mod:`solvers.highs.run`: where the run happens (a forked child for large models, a
  helper thread for small ones);
- :mod:`solvers.highs.child`: the forked child, killed when it does not answer a stop;
- :mod:`solvers.highs.events`: the callbacks that stop HiGHS and stream its incumbents;
- :mod:`solvers.highs.quiet`: every ``Highs`` object is made silent there.
"""

from gpuplace.solvers.highs.adapter import (
    HighsResult,
    available,
    solve_arrays,
    solve_lp_here,
    solve_model,
    version,
)

__all__ = [
    "HighsResult",
    "available",
    "solve_arrays",
    "solve_lp_here",
    "solve_model",
    "version",
]
