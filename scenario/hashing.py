"""The scenario hash: sha256 over the resolved inputs.

Resolved inputs are the TOML document after ``--set`` overrides, as canonical
JSON without the solver sections, plus the bytes of every file it references
(in a fixed order) and, for ``topohub:`` topologies, the key and the topohub
version. Solver settings are left out so that plans of different solvers on
the same scenario carry the same hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from gpuplace.scenario.schema import SOLVER_SECTIONS

__all__ = ["TOPOHUB_PREFIX", "canonical_json", "scenario_hash", "topohub_stamp"]

TOPOHUB_PREFIX = "topohub:"


def canonical_json(data: dict[str, Any]) -> bytes:
    """The document without solver sections, as sorted, compact, UTF-8 JSON."""
    kept = {k: v for k, v in data.items() if k not in SOLVER_SECTIONS}
    return json.dumps(
        kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def topohub_stamp(key: str) -> bytes:
    """What stands for a topohub topology in the hash: its key and the package version."""
    try:
        version = metadata.version("topohub")
    except metadata.PackageNotFoundError:
        version = "not-installed"
    return f"{key}\0topohub {version}".encode()


def scenario_hash(data: dict[str, Any], inputs: Iterable[tuple[str, bytes]]) -> str:
    """sha256 (hex) of the canonical document and the labelled input contents.

    Parameters
    ----------
    data
        The TOML document after overrides.
    inputs
        ``(label, content)`` pairs, e.g. ``("sites", b"id,node,...")``, in a fixed order.

    Examples
    --------
    >>> a = scenario_hash({"name": "x", "solver": {"seed": 1}}, [("sites", b"id\\n")])
    >>> a == scenario_hash({"name": "x", "solver": {"seed": 2}}, [("sites", b"id\\n")])
    True
    >>> a == scenario_hash({"name": "x"}, [("sites", b"id\\nA\\n")])
    False
    """
    digest = hashlib.sha256()

    def part(label: str, content: bytes) -> None:
        # Length-prefixed, so no two different input sequences share a byte stream.
        head = label.encode("utf-8")
        digest.update(len(head).to_bytes(8, "big") + head)
        digest.update(len(content).to_bytes(8, "big") + content)

    part("scenario", canonical_json(data))
    for label, content in inputs:
        part(label, content)
    return digest.hexdigest()
