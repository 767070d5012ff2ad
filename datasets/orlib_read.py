"""OR-Library facility-location files, read (J.E. Beasley's OR-Library).

- ``cap*.txt``: capacitated / uncapacitated facility location (CFLP / UFLP).
  One stream of numbers: ``m n``; ``m`` pairs ``capacity fixed_cost``; then for
  each customer ``j`` its demand ``d_j`` and the ``m`` costs ``c_1j .. c_mj``.
  ``c_ij`` is the cost of serving *all* of customer j's demand from facility i.
  ``capa``/``capb``/``capc`` hold the literal word ``capacity`` instead of the
  capacities: the value must be given.
- ``pmed*.txt``: uncapacitated p-median. ``n m p`` then ``m`` lines ``i j w``.
  When a pair appears on several lines the **last line wins**; distances are
  then shortest paths (Floyd-Warshall).

Either kind may be gzipped (``capa.txt.gz``): a name ending in ``.gz`` is read
through :mod:`gzip`, and the instance keeps the name without ``.txt.gz``.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import csgraph_from_dense, floyd_warshall

from gpuplace.datasets._text import fmt
from gpuplace.errors import InputError, Problem
from gpuplace.files_read import max_input_bytes, read_bytes
from gpuplace.untrusted import excerpt, parse_number

__all__ = [
    "PUBLISHED_CAPACITIES",
    "CflpInstance",
    "PmedInstance",
    "instance_name",
    "is_orlib",
    "orlib_kind",
    "read_cflp",
    "read_pmed",
]

_CFLP_NAME = re.compile(r"^cap(\d+|[a-z])$", re.IGNORECASE)
_PMED_NAME = re.compile(r"^pmed\d+$", re.IGNORECASE)
_CAPACITY_WORD = "capacity"
# p-median distances come from Floyd-Warshall (n^3 steps, n^2 floats): bounded.
MAX_PMED_VERTICES = 2000
# Published capacities for the word "capacity" in capa/capb/capc (OR-Library capopt).
PUBLISHED_CAPACITIES: dict[str, tuple[float, ...]] = {
    "capa": (8000.0, 10000.0, 12000.0, 14000.0),
    "capb": (5000.0, 6000.0, 7000.0, 8000.0),
    "capc": (5000.0, 5750.0, 6500.0, 7250.0),
}


@dataclass(frozen=True, eq=False)
class CflpInstance:
    """A capacitated facility-location instance (OR-Library ``cap*`` format).

    ``cost[i, j]`` is the cost of serving all of customer j's demand from
    facility i (not a per-unit cost).
    """

    name: str
    capacity: np.ndarray  # [m]
    fixed_cost: np.ndarray  # [m]
    demand: np.ndarray  # [n]
    cost: np.ndarray  # [m, n]

    @property
    def n_facilities(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def n_customers(self) -> int:
        return int(self.demand.shape[0])


@dataclass(frozen=True, eq=False)
class PmedInstance:
    """An uncapacitated p-median instance: every vertex is a customer (demand 1) and a candidate."""

    name: str
    p: int
    distance: np.ndarray  # [n, n] shortest-path distance
    n_edge_lines: int

    @property
    def n(self) -> int:
        return int(self.distance.shape[0])


def _is_gzip(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def instance_name(path: str | Path) -> str:
    """The instance a file holds, by its name: ``cap41.txt`` and ``capa.txt.gz`` give ``cap41``, ``capa``.

    Examples
    --------
    >>> instance_name("orlib/cflp/capa.txt.gz"), instance_name("pmed7.txt"), instance_name("cap41")
    ('capa', 'pmed7', 'cap41')
    """
    path = Path(path)
    return (path.with_suffix("") if _is_gzip(path) else path).stem


def _gunzip(data: bytes, file: str) -> bytes:
    """``data`` decompressed, never to more than the input size limit (a small file may expand)."""
    limit = max_input_bytes()
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(data, limit + 1)
    except zlib.error as error:
        raise InputError(Problem(file, "", f"cannot read: not a gzip file ({error})")) from None
    if not inflate.eof and not inflate.unconsumed_tail:
        raise InputError(Problem(file, "", "cannot read: the gzip stream ends early"))
    if len(out) > limit or inflate.unconsumed_tail:
        raise InputError(
            Problem(file, "", f"decompresses to more than the limit of {limit >> 20} MiB")
        )
    return out


def _read_text(path: Path) -> str:
    """The file (guarded read) as ASCII text, decompressed when its name ends in ``.gz``."""
    data = read_bytes(path)
    if _is_gzip(path):
        data = _gunzip(data, str(path))
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as error:
        raise InputError(
            Problem(str(path), f"byte {error.start}", "cannot read: not ASCII text")
        ) from None


def orlib_kind(path: str | Path) -> str | None:
    """Which OR-Library format a file holds: ``"cflp"``, ``"pmed"`` or None.

    Recognised by name (``capNN``, ``capa``..., ``pmedNN``, optionally ``.txt``,
    optionally gzipped) or, failing that, by the shape of its first lines.
    """
    path = Path(path)
    plain = path.with_suffix("") if _is_gzip(path) else path
    if plain.suffix.lower() not in ("", ".txt"):
        return None
    stem = instance_name(path)
    if _CFLP_NAME.match(stem) and stem.lower() != "capopt":
        return "cflp"
    if _PMED_NAME.match(stem):
        return "pmed"
    try:
        lines = _read_text(path).splitlines()
    except InputError:
        return None
    first, second, third = ((lines[k] if k < len(lines) else "").split() for k in range(3))
    if _all_ints(first) and len(first) == 3 and _all_ints(second) and len(second) == 3:
        n = int(first[0])
        if all(1 <= int(v) <= n for v in second[:2]) and len(third) in (0, 3):
            return "pmed"
    cflp_head = _all_ints(first) and len(first) == 2 and len(second) == 2
    if (
        cflp_head
        and (second[0] == _CAPACITY_WORD or _is_number(second[0]))
        and _is_number(second[1])
    ):
        return "cflp"
    return None


def is_orlib(path: str | Path) -> bool:
    """True when ``path`` is an OR-Library ``cap*`` or ``pmed*`` file (see :func:`orlib_kind`)."""
    return orlib_kind(path) is not None


def _is_number(token: str) -> bool:
    value = parse_number(token)
    return value is not None and value < float("inf")


def _all_ints(tokens: list[str]) -> bool:
    return bool(tokens) and all(re.fullmatch(r"[0-9]+", t) for t in tokens)


def _tokens(path: Path) -> list[tuple[str, int]]:
    text = _read_text(path)
    return [(tok, no) for no, line in enumerate(text.splitlines(), 1) for tok in line.split()]


def _number(path: Path, token: tuple[str, int], what: str) -> float:
    text, line = token
    value = parse_number(text)
    if value is None:
        raise InputError(
            Problem(str(path), f"line {line}", f"{what}: expected a number, got {excerpt(text)!r}")
        )
    if not value < float("inf") or value < 0:
        raise InputError(
            Problem(
                str(path), f"line {line}", f"{what}: expected a number >= 0, got {excerpt(text)!r}"
            )
        )
    return value


def read_cflp(path: str | Path, capacity: float | None = None) -> CflpInstance:
    """Read an OR-Library ``cap*`` file.

    Parameters
    ----------
    path
        The instance file.
    capacity
        Capacity of every facility. Required when the file holds the word
        ``capacity`` (capa, capb, capc); when given for other files it replaces
        every facility's capacity.

    Returns
    -------
    CflpInstance

    Raises
    ------
    InputError
        Wrong number count, non-numeric values, or a missing ``capacity``.

    Examples
    --------
    >>> from gpuplace.datasets.orlib import benchmark_file
    >>> inst = read_cflp(benchmark_file("cflp", "cap41"))
    >>> inst.n_facilities, inst.n_customers, float(inst.capacity[0]), float(inst.fixed_cost[0])
    (16, 50, 5000.0, 7500.0)
    >>> float(read_cflp(benchmark_file("cflp", "capa"), capacity=8000).capacity.sum())
    800000.0
    """
    path = Path(path)
    tokens = _tokens(path)
    if len(tokens) < 2:
        raise InputError(Problem(str(path), "line 1", "expected 'm n' (facilities, customers)"))
    m_f, n_f = (_number(path, tokens[k], "header") for k in (0, 1))
    if not (m_f.is_integer() and n_f.is_integer() and m_f > 0 and n_f > 0):
        raise InputError(Problem(str(path), "line 1", "m and n must be positive integers"))
    m, n = int(m_f), int(n_f)
    expected = 2 + 2 * m + n * (1 + m)
    if len(tokens) != expected:
        raise InputError(
            Problem(
                str(path),
                "",
                f"holds {len(tokens)} numbers; m={m}, n={n} needs 2 + 2m + n(1+m) = {expected}",
            )
        )
    if capacity is not None and not (math.isfinite(capacity) and capacity > 0):
        raise InputError(Problem(str(path), "capacity", f"must be > 0, got {capacity}"))
    cap = np.empty(m)
    fixed = np.empty(m)
    for i in range(m):
        cap_token, fixed_token = tokens[2 + 2 * i], tokens[3 + 2 * i]
        if cap_token[0] == _CAPACITY_WORD:
            if capacity is None:
                known = PUBLISHED_CAPACITIES.get(instance_name(path).lower())
                hint = f" (published: {', '.join(fmt(c) for c in known)})" if known else ""
                raise InputError(
                    Problem(
                        str(path),
                        f"line {cap_token[1]}",
                        "facility capacity is the word 'capacity': give the capacity "
                        f"(--capacity){hint}",
                    )
                )
            cap[i] = capacity
        else:
            cap[i] = _number(path, cap_token, f"capacity of facility {i + 1}")
        fixed[i] = _number(path, fixed_token, f"fixed cost of facility {i + 1}")
    if capacity is not None:
        cap[:] = capacity
    values = [_number(path, tok, "customer data") for tok in tokens[2 + 2 * m :]]
    block = np.asarray(values, dtype=float).reshape(n, 1 + m)
    return CflpInstance(
        name=instance_name(path),
        capacity=cap,
        fixed_cost=fixed,
        demand=block[:, 0].copy(),
        cost=block[:, 1:].T.copy(),
    )


def read_pmed(path: str | Path) -> PmedInstance:
    """Read an OR-Library ``pmed*`` file into its shortest-path distance matrix.

    The matrix starts at infinity off the diagonal and 0 on it; edge lines are
    read in file order and each sets ``c[i][j] = c[j][i] = w`` (the **last**
    line for a pair wins); Floyd-Warshall then gives the distances.

    Raises
    ------
    InputError
        Malformed header or edge lines, vertices out of range, a disconnected graph.

    Examples
    --------
    >>> from gpuplace.datasets.orlib import benchmark_file
    >>> inst = read_pmed(benchmark_file("pmed", "pmed1"))
    >>> inst.name, inst.n, inst.p, inst.n_edge_lines
    ('pmed1', 100, 5, 200)
    """
    path = Path(path)
    lines = _read_text(path).splitlines()
    rows = [(no, line.split()) for no, line in enumerate(lines, 1) if line.strip()]
    if not rows or len(rows[0][1]) != 3 or not _all_ints(rows[0][1]):
        raise InputError(Problem(str(path), "line 1", "expected 'n m p' (three integers)"))
    n, m, p = (int(v) for v in rows[0][1])
    if n < 1 or not 1 <= p <= n:
        raise InputError(Problem(str(path), "line 1", f"need n >= 1 and 1 <= p <= n, got {n} {p}"))
    if n > MAX_PMED_VERTICES:
        raise InputError(
            Problem(
                str(path),
                "line 1",
                f"{n} vertices is more than this converter takes ({MAX_PMED_VERTICES}; "
                "the OR-Library files have at most 900)",
            )
        )
    edges = rows[1:]
    if len(edges) != m:
        raise InputError(
            Problem(str(path), "", f"header announces {m} edges, the file has {len(edges)}")
        )
    weight = np.full((n, n), np.inf)
    problems: list[Problem] = []
    for line_no, fields in edges:
        if len(fields) != 3 or not _all_ints(fields[:2]) or not _is_number(fields[2]):
            problems.append(Problem(str(path), f"line {line_no}", "expected 'i j w'"))
            continue
        i, j, w = int(fields[0]), int(fields[1]), float(fields[2])  # checked by _is_number
        if not (1 <= i <= n and 1 <= j <= n):
            problems.append(Problem(str(path), f"line {line_no}", f"vertex out of 1..{n}"))
            continue
        if w < 0:
            problems.append(Problem(str(path), f"line {line_no}", f"negative length {w}"))
            continue
        if i != j:
            weight[i - 1, j - 1] = weight[j - 1, i - 1] = w
    if problems:
        raise InputError(problems)
    np.fill_diagonal(weight, 0.0)
    graph = csgraph_from_dense(weight, null_value=np.inf)
    distance = floyd_warshall(graph, directed=False)
    if np.isinf(distance).any():
        raise InputError(Problem(str(path), "", "the graph is not connected"))
    return PmedInstance(name=instance_name(path), p=p, distance=distance, n_edge_lines=m)
