"""``topohub:KEY``: topologies shipped by the optional ``topohub`` package."""

from __future__ import annotations

import re

from gpuplace.errors import InputError, Problem
from gpuplace.topo.graph import Topology
from gpuplace.topo.readers.node_link import from_node_link

__all__ = ["PREFIX", "read_topohub"]

PREFIX = "topohub:"
_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*$")


def read_topohub(spec: str) -> Topology:
    """Load ``topohub:KEY`` (e.g. ``topohub:backbone/world``, ``topohub:sndlib/geant``).

    TopoHub stores node-link data with ``pos`` = [lon, lat], ``type`` and
    ``dist``; see :func:`topo.readers.node_link.read_node_link`.

    Raises
    ------
    InputError
        When ``topohub`` is not installed (install ``gpuplace[data]``) or the key
        is unknown.
    """
    key = spec[len(PREFIX) :] if spec.startswith(PREFIX) else spec
    if not _KEY.match(key) or ".." in key.split("/"):
        raise InputError(Problem(spec, "", "not a TopoHub key such as 'backbone/world'"))
    try:
        import topohub
    except ImportError:
        raise InputError(
            Problem(spec, "", "needs the topohub package: pip install 'gpuplace[data]'")
        ) from None
    try:
        data = topohub.get(key)
    except KeyError:
        raise InputError(Problem(spec, "", f"unknown TopoHub topology {key!r}")) from None
    except Exception as error:  # noqa: BLE001 - a broken package file is bad input too
        raise InputError(Problem(spec, "", f"cannot load: {error}")) from None
    return from_node_link(data, spec)
