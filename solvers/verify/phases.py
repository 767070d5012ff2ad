"""The rules of a phased roll-out (``[time] phases``), recomputed from the plan's site rows.

Each site row's ``phase_new_gpus`` says what it installs in each phase. Checked:
the phases add up to the site's new GPUs; nothing is installed before the site's
first phase; in every slot of phase q the site's served demand fits the GPUs it
holds by then (existing + installed in phases up to q, at ``max_utilisation``);
per phase, the GPUs installed fit ``max_new_gpus`` and their capex the
``budget``; the plan's ``phases`` rows.
"""

from __future__ import annotations

import numpy as np

from gpuplace.scenario.instance import Instance
from gpuplace.solvers.verify.parsed import ParsedPlan
from gpuplace.solvers.verify.tolerance import differs, excess
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_phases"]


def _split(instance: Instance, parsed: ParsedPlan, out: list[Violation]) -> np.ndarray:
    """New GPUs per (site, type, phase) from the site rows, float [S, T, N]."""
    phases = instance.periods.phases  # type: ignore[union-attr]
    assert phases is not None
    types = {t: i for i, t in enumerate(instance.gpu_types)}
    split = np.zeros((instance.n_sites, instance.n_types, phases.n_phases))
    for s, row in parsed.site_rows.items():
        sid = instance.site_ids[s]
        given = row.get("phase_new_gpus")
        if given is None:
            if parsed.new_gpus[s].sum() > 0:
                out.append(
                    Violation("phases", sid, "phase_new_gpus missing: new GPUs need a phase")
                )
            continue
        if not isinstance(given, dict):
            out.append(Violation("phases", sid, "phase_new_gpus must be an object"))
            continue
        for pid, counts in given.items():
            if pid not in phases.ids or not isinstance(counts, dict):
                out.append(Violation("unknown_id", sid, f"phase_new_gpus: unknown phase {pid!r}"))
                continue
            q = phases.ids.index(pid)
            for gpu_type, n in counts.items():
                if gpu_type not in types or not isinstance(n, int | float) or n < 0 or n != int(n):
                    out.append(
                        Violation(
                            "phases", sid, f"phase_new_gpus.{pid}: bad count {gpu_type}={n!r}"
                        )
                    )
                    continue
                split[s, types[gpu_type], q] = float(n)
    return split


def check_phases(
    instance: Instance, plan: dict, parsed: ParsedPlan, served: np.ndarray, tolerance: float
) -> list[Violation]:
    """Every rule of the roll-out (module docstring); ``served`` is [S, W] per slot."""
    periods = instance.periods
    assert periods is not None and periods.phases is not None and periods.slot_phase is not None
    phases = periods.phases
    out: list[Violation] = []
    split = _split(instance, parsed, out)
    existing = instance.site_existing_gpus.astype(float)
    new = parsed.gpus - existing
    mu = float(instance.constraints.max_utilisation)
    for s, sid in enumerate(instance.site_ids):
        total = split[s].sum(axis=1)
        if np.any(np.abs(total - new[s]) > 0.5):
            out.append(
                Violation(
                    "phases",
                    sid,
                    f"phases install {total.tolist()}, new GPUs are {new[s].tolist()}",
                )
            )
        first = int(phases.site_first_phase[s])
        early = split[s, :, :first].sum()
        if early > 0:
            out.append(
                Violation(
                    "phase_first",
                    sid,
                    f"{early:g} GPUs installed before its first phase {phases.ids[first]!r}",
                    float(early),
                )
            )
        held = existing[s][:, None] + np.cumsum(split[s], axis=1)  # [T, N]
        capacity = mu * (instance.gpu_throughput @ held)  # [N]
        for w, slot in enumerate(periods.ids):
            q = int(periods.slot_phase[w])
            over = excess(float(served[s, w]), float(capacity[q]), tolerance)
            if over:
                out.append(
                    Violation(
                        "capacity",
                        f"{sid}@{slot}",
                        f"serves {served[s, w]:g} in {slot}, above the {capacity[q]:g} the GPUs "
                        f"installed by phase {phases.ids[q]!r} hold",
                        over,
                    )
                )
    capex = instance.site_cost_factor[:, None, None] * instance.gpu_capex[None, :, None] * split
    for q, pid in enumerate(phases.ids):
        installed = float(split[:, :, q].sum())
        over = excess(installed, float(phases.max_new_gpus[q]), tolerance)
        if over:
            out.append(
                Violation(
                    "phase_supply",
                    pid,
                    f"{installed:g} GPUs installed, max_new_gpus = {phases.max_new_gpus[q]:g}",
                    over,
                )
            )
        spent = float(capex[:, :, q].sum())
        over = excess(spent, float(phases.budget[q]), tolerance)
        if over:
            out.append(
                Violation(
                    "phase_budget",
                    pid,
                    f"capex {spent:g} exceeds the phase budget {phases.budget[q]:g}",
                    over,
                )
            )
    rows = plan.get("phases")
    if not isinstance(rows, list) or [
        r.get("id") if isinstance(r, dict) else None for r in rows
    ] != list(phases.ids):
        out.append(
            Violation("phases", "phases", f"must list the phases {', '.join(phases.ids)} in order")
        )
        return out
    for q, row in enumerate(rows):
        spent = float(capex[:, :, q].sum())
        if not isinstance(row.get("capex"), int | float) or differs(
            float(row["capex"]), spent, tolerance
        ):
            out.append(
                Violation(
                    "phases", f"phases[{q}].capex", f"is {row.get('capex')}, recomputed {spent:g}"
                )
            )
    return out
