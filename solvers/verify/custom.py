"""Rules the verifier does not hold itself: each registered family's and custom kind's ``check``.

The built-in families' rules live in this package (sites, regions, links,
totals, failover). Every other family registered with
:func:`gpuplace.solvers.constraints.registry.register_family`, and every
``[[constraints.custom]]`` piece, brings its own independent
``check(instance, plan) -> list[str]`` (registration refuses one without it);
:func:`check_custom` runs those that apply to the instance.
"""

from __future__ import annotations

from gpuplace.errors import InputError
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.constraints.registry import custom_pieces, extension_families
from gpuplace.solvers.verify.violation import Violation

__all__ = ["check_custom"]


def check_custom(instance: Instance, plan: dict) -> list[Violation]:
    """One violation per message of each applying registered family and custom piece.

    A family's violations are named ``family:<name>``; a custom piece's
    ``custom:<kind>`` with the scenario key (``constraints.custom[i]``) as subject.
    An unknown kind or bad parameters become violations naming the scenario key.
    """
    out = [
        Violation(f"family:{piece.name}", piece.name, str(message))
        for piece in extension_families(instance)
        for message in piece.check(instance, plan) or ()
    ]
    specs = instance.constraints.custom
    if not specs:
        return out
    try:
        pieces = custom_pieces(instance)
    except InputError as error:
        return out + [Violation("custom", p.where, p.what) for p in error.problems]
    for i, (spec, piece) in enumerate(zip(specs, pieces, strict=True)):
        where = spec.where or f"constraints.custom[{i}]"
        try:
            active = piece.applies(instance)
        except InputError as error:
            out.extend(Violation("custom", p.where, p.what) for p in error.problems)
            continue
        if active:
            out.extend(
                Violation(f"custom:{spec.kind}", where, str(message))
                for message in piece.check(instance, plan) or ()
            )
    return out
