"""Fuzz: random bytes and mutated valid files never raise anything but InputError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpuplace.errors import InputError
from gpuplace.topo import read_topology
from gpuplace.topo.graph import Topology
from support.topo_helpers import FIXTURES

SEEDS = {
    ".json": FIXTURES / "small.json",
    ".graphml": FIXTURES / "zoo_small.graphml",
    ".gml": FIXTURES / "zoo_small.gml",
    ".txt": FIXTURES / "sndlib_small.txt",
}


def _read(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            result = read_topology(path)
        except InputError as error:
            assert error.problems
            assert all(str(path) in str(problem) for problem in error.problems)
        else:
            assert isinstance(result, Topology)
            assert len(result.node_lat) == result.n_nodes


@st.composite
def mutated(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        size = draw(st.integers(1, 40))
        if action == "delete":
            del data[where : where + size]
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=size))
        elif action == "replace" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        else:
            data[where:where] = data[where : where + size]
    return bytes(data)


@pytest.mark.parametrize("suffix", sorted(SEEDS))
@given(data=st.binary(max_size=2000))
def test_fuzz_random_bytes(suffix, data):
    _read(suffix, data)


@pytest.mark.parametrize("suffix", sorted(SEEDS))
@given(data=st.data())
def test_fuzz_mutated_files(suffix, data):
    _read(suffix, data.draw(mutated(SEEDS[suffix].read_bytes())))


TOKENS = {
    ".json": ['{"nodes"', ":", "[", "]", "{", "}", '"id"', '"lat"', "1e999", "-91", '"edges"', ","],
    ".gml": [
        "graph",
        "[",
        "]",
        "node",
        "edge",
        "id",
        "0",
        "1",
        "source",
        "target",
        '"x"',
        "Latitude",
    ],
    ".txt": ["NODES", "LINKS", "(", ")", "A", "B", "1.0", "-200", "L1", "\n", "#", "?"],
    ".graphml": ["<graphml>", "</graphml>", "<graph>", "</graph>", '<node id="a"/>', "<key", "/>"],
}


@pytest.mark.parametrize("suffix", sorted(TOKENS))
@given(data=st.data())
def test_fuzz_token_soup(suffix, data):
    tokens = data.draw(st.lists(st.sampled_from(TOKENS[suffix]), max_size=60))
    _read(suffix, " ".join(tokens).encode())
