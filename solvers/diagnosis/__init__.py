"""Infeasibility diagnosis in planner terms.

- :mod:`solvers.diagnose` — pre-solve checks (:func:`solvers.diagnose.diagnose`)
  and the entry point for infeasible models (:func:`solvers.diagnose.explain_infeasible`);
- :mod:`.relax` — the model with one constraint family relaxed (dropped or elastic);
- :mod:`.highs_run` — those problems solved with HiGHS under a time limit;
- :mod:`.messages` / :mod:`.findings` — what the runs proved, as data and sentences;
- :mod:`.explain` — the time-budgeted loop over families;
- :mod:`.fmt` — numbers with separators and units, rounded on the safe side.
"""

from gpuplace.solvers.diagnosis.explain import (
    DEFAULT_TIME_S,
    diagnosis_time_s,
    explain,
    relaxation_findings,
)
from gpuplace.solvers.diagnosis.findings import Finding

__all__ = [
    "DEFAULT_TIME_S",
    "Finding",
    "diagnosis_time_s",
    "explain",
    "relaxation_findings",
]
