"""OR-Library facility-location benchmarks: readers, conversion to scenarios, optima.

Two families (J.E. Beasley's OR-Library):

- ``cap*.txt``: capacitated / uncapacitated facility location (CFLP / UFLP).
  One stream of numbers: ``m n``; ``m`` pairs ``capacity fixed_cost``; then for
  each customer ``j`` its demand ``d_j`` and the ``m`` costs ``c_1j .. c_mj``.
  ``c_ij`` is the cost of serving *all* of customer j's demand from facility i.
  ``capa``/``capb``/``capc`` hold the literal word ``capacity`` instead of the
  capacities: the value must be given.
- ``pmed*.txt``: uncapacitated p-median. ``n m p`` then ``m`` lines ``i j w``.
  When a pair appears on several lines the **last line wins**; distances are
  then shortest paths (Floyd-Warshall).

Conversion maps a benchmark onto the normal placement model, so the optimum of
the converted scenario equals the published optimum:

- one GPU type ``unit`` with capex 0, throughput 1 and a negligible power (1e-6 kW
  per unit, against 1 kW per site: never binds);
- site ``max_gpus`` = facility capacity (served demand <= capacity), ``fixed_cost``
  = facility fixed cost;
- region demand = ``d_j``; ``[latency] matrix`` with ``matrix_only = true`` and
  ``rtt_ms = c_ij / d_j``; objective ``cost`` with ``latency_weight = 1``, so the
  assignment term ``demand x share x rtt`` equals ``c_ij x share``;
- p-median: demand 1, ``rtt_ms`` = shortest-path distance, fixed cost 0,
  ``min_sites = max_sites = p``.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import csgraph_from_dense, floyd_warshall

from datasets._io import check_writable, fmt, write_csv, write_json, write_toml
from scenario.errors import InputError, Problem

__all__ = [
    "CflpInstance",
    "Optimum",
    "PmedInstance",
    "benchmarks_root",
    "convert_orlib",
    "is_orlib",
    "load_optima",
    "optimum",
    "orlib_kind",
    "read_cflp",
    "read_pmed",
]

_CFLP_NAME = re.compile(r"^cap(\d+|[a-z])$", re.IGNORECASE)
_PMED_NAME = re.compile(r"^pmed\d+$", re.IGNORECASE)
_CAPACITY_WORD = "capacity"
# Published capacities for the word "capacity" in capa/capb/capc (OR-Library capopt).
PUBLISHED_CAPACITIES: dict[str, tuple[float, ...]] = {
    "capa": (8000.0, 10000.0, 12000.0, 14000.0),
    "capb": (5000.0, 6000.0, 7000.0, 8000.0),
    "capc": (5000.0, 5750.0, 6500.0, 7250.0),
}
_SLA_RTT_MS = 1e12  # "no SLA": every matrix pair is a candidate
# GPU power must be > 0: 1 mW per unit never binds against a 1 kW site (<= 1e5 units per site).
_UNIT_POWER_KW = 1e-6


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


@dataclass(frozen=True)
class Optimum:
    """A published optimal value (``variant``: capacitated, uncapacitated or p-median)."""

    instance: str
    variant: str
    optimum: float
    capacity: float | None = None


# --------------------------------------------------------------------------- detection


def orlib_kind(path: str | Path) -> str | None:
    """Which OR-Library format a file holds: ``"cflp"``, ``"pmed"`` or None.

    Recognised by name (``capNN``, ``capa``..., ``pmedNN``) or, failing that, by
    the shape of its first lines.
    """
    path = Path(path)
    stem = path.stem
    if path.suffix.lower() not in ("", ".txt"):
        return None
    if _CFLP_NAME.match(stem) and stem.lower() != "capopt":
        return "cflp"
    if _PMED_NAME.match(stem):
        return "pmed"
    try:
        with open(path, encoding="ascii", errors="strict") as handle:
            head = [handle.readline().split() for _ in range(3)]
    except (OSError, UnicodeDecodeError):
        return None
    first, second, third = head
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
    try:
        return math.isfinite(float(token))
    except ValueError:
        return False


def _all_ints(tokens: list[str]) -> bool:
    return bool(tokens) and all(re.fullmatch(r"\d+", t) for t in tokens)


# --------------------------------------------------------------------------- readers


def _tokens(path: Path) -> list[tuple[str, int]]:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", "file not found")) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(Problem(str(path), "", f"cannot read: {error}")) from None
    return [(tok, no) for no, line in enumerate(text.splitlines(), 1) for tok in line.split()]


def _number(path: Path, token: tuple[str, int], what: str) -> float:
    text, line = token
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            Problem(str(path), f"line {line}", f"{what}: expected a number, got {text!r}")
        ) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(
            Problem(str(path), f"line {line}", f"{what}: expected a number >= 0, got {text!r}")
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
    >>> inst = read_cflp(benchmarks_root() / "orlib/cflp/cap41.txt")  # doctest: +SKIP
    >>> inst.n_facilities, inst.n_customers  # doctest: +SKIP
    (16, 50)
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
                known = PUBLISHED_CAPACITIES.get(path.stem.lower())
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
        name=path.stem,
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
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", "file not found")) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(Problem(str(path), "", f"cannot read: {error}")) from None
    rows = [(no, line.split()) for no, line in enumerate(lines, 1) if line.strip()]
    if not rows or len(rows[0][1]) != 3 or not _all_ints(rows[0][1]):
        raise InputError(Problem(str(path), "line 1", "expected 'n m p' (three integers)"))
    n, m, p = (int(v) for v in rows[0][1])
    if n < 1 or not 1 <= p <= n:
        raise InputError(Problem(str(path), "line 1", f"need n >= 1 and 1 <= p <= n, got {n} {p}"))
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
        i, j, w = int(fields[0]), int(fields[1]), float(fields[2])
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
    return PmedInstance(name=path.stem, p=p, distance=distance, n_edge_lines=m)


# --------------------------------------------------------------------------- conversion


def _output_paths(output_toml: Path) -> dict[str, Path]:
    stem, folder = output_toml.stem, output_toml.parent
    return {
        "toml": output_toml,
        "topology": folder / f"{stem}.topology.json",
        "sites": folder / f"{stem}.sites.csv",
        "regions": folder / f"{stem}.regions.csv",
        "gpus": folder / f"{stem}.gpus.csv",
        "rtt": folder / f"{stem}.rtt.csv",
    }


def _star_topology(n_sites: int) -> dict:
    """A hub (where every customer sits) with one spoke node per facility; coordinates are dummies."""
    nodes = [{"id": "hub", "lat": 0.0, "lon": 0.0, "kind": "city"}]
    links = []
    for i in range(n_sites):
        angle = 2 * math.pi * i / max(n_sites, 1)
        nodes.append(
            {
                "id": f"f{i + 1}",
                "lat": round(0.01 * math.sin(angle), 6),
                "lon": round(0.01 * math.cos(angle), 6),
                "kind": "dc",
            }
        )
        links.append({"source": "hub", "target": f"f{i + 1}"})
    return {"directed": False, "multigraph": False, "graph": {}, "nodes": nodes, "links": links}


def _write_scenario(
    paths: dict[str, Path],
    *,
    name: str,
    description: str,
    fixed_cost: np.ndarray,
    max_gpus: np.ndarray,
    demand: np.ndarray,
    rtt_ms: np.ndarray,  # [sites, regions]
    constraints: dict,
) -> list[Path]:
    m, n = rtt_ms.shape
    site_ids = [f"f{i + 1}" for i in range(m)]
    region_ids = [f"c{j + 1}" for j in range(n)]
    write_json(paths["topology"], _star_topology(m))
    write_csv(
        paths["sites"],
        ["id", "node", "power_kw", "max_gpus", "fixed_cost"],
        [[site_ids[i], site_ids[i], 1, fmt(max_gpus[i]), fmt(fixed_cost[i])] for i in range(m)],
    )
    write_csv(
        paths["regions"],
        ["id", "lat", "lon", "demand", "sla_rtt_ms", "node"],
        [[region_ids[j], 0, 0, fmt(demand[j]), fmt(_SLA_RTT_MS), "hub"] for j in range(n)],
    )
    write_csv(
        paths["gpus"],
        ["type", "capex", "power_kw", "throughput"],
        [["unit", 0, fmt(_UNIT_POWER_KW), 1]],
    )
    write_csv(
        paths["rtt"],
        ["region", "site", "rtt_ms"],
        ([region_ids[j], site_ids[i], fmt(rtt_ms[i, j])] for j in range(n) for i in range(m)),
    )
    document = {
        "name": name,
        "description": description,
        "topology": {"file": paths["topology"].name},
        "sites": {"file": paths["sites"].name},
        "regions": {"file": paths["regions"].name, "gbps_per_unit": 0.0},
        "gpus": {"file": paths["gpus"].name},
        "latency": {"matrix": paths["rtt"].name, "matrix_only": True},
        "constraints": {
            "max_utilisation": 1.0,
            "min_gpus_per_site": 0,
            "link_capacity": False,
            "sovereignty": False,
            **constraints,
        },
        "objective": {"kind": "cost", "latency_weight": 1.0},
        "solver": {"gap": 1e-9, "time_limit_s": 600},
    }
    write_toml(
        paths["toml"],
        document,
        header="OR-Library benchmark converted by gpuplace (datasets.orlib).\n"
        "rtt_ms = c_ij / d_j and latency_weight = 1: the assignment cost is c_ij x share.",
    )
    return list(paths.values())


def convert_orlib(
    path: str | Path,
    output_toml: str | Path,
    *,
    capacity: float | None = None,
    uncapacitated: bool = False,
    force: bool = False,
) -> list[Path]:
    """Convert an OR-Library ``cap*`` or ``pmed*`` file into a scenario.

    Writes ``output_toml`` and, next to it, ``<stem>.topology.json``,
    ``<stem>.sites.csv``, ``<stem>.regions.csv``, ``<stem>.gpus.csv`` and
    ``<stem>.rtt.csv``. The scenario's optimum equals the benchmark's.

    Parameters
    ----------
    path
        The OR-Library file.
    output_toml
        Where to write the scenario TOML.
    capacity
        Facility capacity for files holding the word ``capacity`` (capa/b/c);
        replaces every capacity otherwise. CFLP only.
    uncapacitated
        Ignore capacities (UFLP). ``max_gpus`` is then the total demand, which
        never binds. CFLP only.
    force
        Overwrite existing outputs.

    Returns
    -------
    list of Path
        The files written, the TOML first.

    Raises
    ------
    InputError
        Unrecognised or malformed input, options that do not apply, existing outputs.
    """
    path, output_toml = Path(path), Path(output_toml)
    kind = orlib_kind(path)
    if kind is None:
        raise InputError(
            Problem(str(path), "", "not an OR-Library cap*.txt (CFLP) or pmed*.txt (p-median) file")
        )
    paths = _output_paths(output_toml)
    if path.resolve() in {p.resolve() for p in paths.values()}:
        raise InputError(Problem(str(path), "", "the output would overwrite the input"))
    check_writable(paths.values(), force=force)
    if kind == "cflp":
        inst = read_cflp(path, capacity=capacity)
        return _convert_cflp(inst, paths, uncapacitated=uncapacitated, source=path)
    if capacity is not None or uncapacitated:
        raise InputError(
            Problem(str(path), "", "--capacity and --uncapacitated apply to cap*.txt files only")
        )
    return _convert_pmed(read_pmed(path), paths, source=path)


def _convert_cflp(
    inst: CflpInstance, paths: dict[str, Path], *, uncapacitated: bool, source: Path
) -> list[Path]:
    zero = np.flatnonzero(inst.demand <= 0)
    if zero.size and (inst.cost[:, zero] > 0).any():
        raise InputError(
            Problem(
                str(source),
                f"customer {int(zero[0]) + 1}",
                "demand 0 with a positive cost cannot be expressed as cost per demand unit",
            )
        )
    safe_demand = np.where(inst.demand > 0, inst.demand, 1.0)
    rtt = inst.cost / safe_demand[None, :]
    total = float(np.ceil(inst.demand.sum()))
    max_gpus = np.full(inst.n_facilities, total) if uncapacitated else np.floor(inst.capacity)
    variant = "uncapacitated" if uncapacitated else "capacitated"
    cap_note = "" if uncapacitated else f", capacity {fmt(inst.capacity[0])}"
    return _write_scenario(
        paths,
        name=f"orlib-{inst.name}-{variant}",
        description=f"OR-Library {inst.name} ({variant}{cap_note}): "
        f"{inst.n_facilities} facilities x {inst.n_customers} customers",
        fixed_cost=inst.fixed_cost,
        max_gpus=max_gpus,
        demand=inst.demand,
        rtt_ms=rtt,
        constraints={},
    )


def _convert_pmed(inst: PmedInstance, paths: dict[str, Path], *, source: Path) -> list[Path]:
    n = inst.n
    return _write_scenario(
        paths,
        name=f"orlib-{inst.name}",
        description=f"OR-Library {inst.name} (p-median): n = {n}, p = {inst.p}",
        fixed_cost=np.zeros(n),
        max_gpus=np.full(n, float(n)),
        demand=np.ones(n),
        rtt_ms=inst.distance,  # symmetric: [site, region] == [region, site]
        constraints={"min_sites": inst.p, "max_sites": inst.p},
    )


# --------------------------------------------------------------------------- optima


def benchmarks_root() -> Path:
    """The benchmarks folder: ``$GPUPLACE_BENCHMARKS``, else ``../shared/benchmarks`` from the repo."""
    env = os.environ.get("GPUPLACE_BENCHMARKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


def load_optima(family: str, root: str | Path | None = None) -> list[Optimum]:
    """Published optima of ``family`` ``"cflp"`` or ``"pmed"`` from ``orlib/<family>/optima.csv``.

    Raises
    ------
    InputError
        Unknown family, or the table is missing or malformed.
    """
    if family not in ("cflp", "pmed"):
        raise InputError(Problem("load_optima", "family", f"expected cflp or pmed, got {family!r}"))
    table = Path(root) if root is not None else benchmarks_root()
    table = table / "orlib" / family / "optima.csv"
    if not table.exists():
        raise InputError(
            Problem(str(table), "", "not found; set GPUPLACE_BENCHMARKS to the benchmarks folder")
        )
    result = []
    with open(table, encoding="utf-8", newline="") as handle:
        for row_no, row in enumerate(csv.DictReader(handle), 1):
            try:
                cap = row.get("capacity") or ""
                result.append(
                    Optimum(
                        instance=row["instance"],
                        variant=row.get("variant") or "p-median",
                        optimum=float(row["optimum"]),
                        capacity=float(cap) if cap.strip() else None,
                    )
                )
            except (KeyError, TypeError, ValueError) as error:
                raise InputError(
                    Problem(str(table), f"row {row_no}", f"bad row: {error}")
                ) from None
    return result


def optimum(
    instance: str,
    variant: str = "capacitated",
    capacity: float | None = None,
    root: str | Path | None = None,
) -> float:
    """The published optimum of one instance (``variant`` ignored for pmed).

    Raises
    ------
    KeyError
        When the table has no such instance.
    """
    family = "pmed" if instance.lower().startswith("pmed") else "cflp"
    for entry in load_optima(family, root):
        if entry.instance != instance:
            continue
        if family == "pmed":
            return entry.optimum
        if entry.variant == variant and entry.capacity in (None, capacity):
            return entry.optimum
    raise KeyError((instance, variant, capacity))
