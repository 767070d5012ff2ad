"""Topology readers: every accepted format -> the normalised :class:`~topo.graph.Topology`.

Dispatch by extension (``.json``, ``.graphml``, ``.gml``, ``.txt``) or the
``topohub:`` prefix. Every malformed input raises
:class:`~gpuplace.errors.InputError` naming the file and the node, edge or line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gpuplace.errors import InputError, Problem
from gpuplace.topo.graph import Topology
from gpuplace.topo.readers.gml import read_gml
from gpuplace.topo.readers.graphml import read_graphml
from gpuplace.topo.readers.node_link import from_node_link, read_node_link
from gpuplace.topo.readers.sndlib import read_sndlib
from gpuplace.topo.readers.topohub_key import PREFIX as TOPOHUB_PREFIX
from gpuplace.topo.readers.topohub_key import read_topohub

READERS: dict[str, Callable[[Path], Topology]] = {
    ".json": read_node_link,
    ".graphml": read_graphml,
    ".gml": read_gml,
    ".txt": read_sndlib,
}


def read_topology(path: str | Path) -> Topology:
    """Read a topology file, or ``topohub:KEY``, into a :class:`Topology`.

    Parameters
    ----------
    path
        A ``.json`` (node-link), ``.graphml`` / ``.gml`` (Topology Zoo) or
        ``.txt`` (SNDlib native) file, or ``topohub:KEY``.

    Returns
    -------
    Topology
        Parallel links merged; missing coordinates and latencies NaN;
        uncapacitated links ``inf``.

    Raises
    ------
    InputError
        For an unknown extension, a missing or oversized file (see
        :func:`gpuplace.files_read.check_file`) or any malformed content.
    """
    text = str(path)
    if text.startswith(TOPOHUB_PREFIX):
        return read_topohub(text)
    suffix = Path(text).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        accepted = ", ".join(READERS)
        raise InputError(
            Problem(
                text,
                "",
                f"unknown topology format {suffix or '(none)'!r}: use {accepted} or topohub:KEY",
            )
        )
    return reader(Path(text))


__all__ = [
    "READERS",
    "TOPOHUB_PREFIX",
    "from_node_link",
    "read_gml",
    "read_graphml",
    "read_node_link",
    "read_sndlib",
    "read_topohub",
    "read_topology",
]
