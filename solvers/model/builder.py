"""A backend-neutral linear model in matrix form, built block by block.

A model is a set of *variable blocks* (name, size, bounds, integrality, and a
quantisation ``step`` for integer-only backends) and *constraint blocks*
(sparse rows over one or more variable blocks, lower/upper bounds, and the
*family* the rows belong to, used by infeasibility diagnosis). Everything is
numpy / scipy.sparse: no Python loop per variable, pair or row.

Constraint pieces (``solvers/constraints/``) receive a :class:`ModelBuilder`
and add blocks; :meth:`ModelBuilder.build` assembles one CSR matrix.

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> b = ModelBuilder()
>>> x = b.add_vars("x", 2, lb=0.0, ub=1.0)
>>> _ = b.add_rows("sum", [(x, sp.csr_matrix(np.ones((1, 2))))], lb=1.0, ub=1.0)
>>> b.add_objective(x, np.array([2.0, 3.0]))
>>> m = b.build()
>>> m.A.shape, m.c.tolist()
((1, 2), [2.0, 3.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["ArrayLike", "ConBlock", "LinearModel", "ModelBuilder", "VarBlock"]

ArrayLike = float | int | np.ndarray | Sequence[float]


@dataclass(frozen=True)
class VarBlock:
    """A contiguous block of variables: global indices ``start .. start + size - 1``."""

    name: str
    start: int
    size: int

    @property
    def indices(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size, dtype=np.int64)

    @property
    def stop(self) -> int:
        return self.start + self.size


@dataclass(frozen=True)
class ConBlock:
    """Rows ``start .. start + size - 1`` of the assembled matrix, of one family."""

    family: str
    name: str
    start: int
    size: int

    @property
    def stop(self) -> int:
        return self.start + self.size


@dataclass(frozen=True, eq=False)
class LinearModel:
    """``sense`` c·v + c0 subject to row_lb <= A v <= row_ub, col_lb <= v <= col_ub.

    ``integer[j]`` marks integer variables; ``step[j] > 0`` is the resolution an
    integer-only backend may use for a continuous variable (v = step × integer);
    NaN where none was declared. ``meta`` carries data pieces share with backends
    (e.g. the demand quantum).
    """

    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    step: np.ndarray
    c: np.ndarray
    c0: float
    sense: str  # "min" | "max"
    var_blocks: dict[str, VarBlock]
    con_blocks: tuple[ConBlock, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_vars(self) -> int:
        return int(self.col_lb.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.row_lb.shape[0])

    def values(self, v: np.ndarray, block: str) -> np.ndarray:
        """The slice of a full value vector belonging to a variable block."""
        b = self.var_blocks[block]
        return v[b.start : b.stop]

    def families(self) -> list[str]:
        """Constraint family names in first-appearance order."""
        seen: dict[str, None] = {}
        for block in self.con_blocks:
            seen.setdefault(block.family, None)
        return list(seen)

    def family_rows(self, family: str) -> np.ndarray:
        """Row indices of every block of one family."""
        parts = [np.arange(b.start, b.stop) for b in self.con_blocks if b.family == family]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def violations(self, v: np.ndarray, tol: float = 1e-6) -> dict[str, float]:
        """Largest scaled violation per family (and ``bounds``/``integrality``) above ``tol``.

        A row's violation is divided by ``max(1, |bound|)`` so large right-hand
        sides are compared relatively.
        """
        out: dict[str, float] = {}
        act = self.A @ v
        over = np.maximum(act - self.row_ub, 0.0) / np.maximum(1.0, np.abs(self.row_ub))
        under = np.maximum(self.row_lb - act, 0.0) / np.maximum(1.0, np.abs(self.row_lb))
        viol = np.nan_to_num(np.maximum(over, under), nan=0.0)
        for block in self.con_blocks:
            worst = float(viol[block.start : block.stop].max(initial=0.0))
            if worst > tol:
                out[block.family] = max(out.get(block.family, 0.0), worst)
        col = np.maximum(v - self.col_ub, 0.0) + np.maximum(self.col_lb - v, 0.0)
        if col.size and float(col.max()) > tol:
            out["bounds"] = float(col.max())
        frac = np.abs(v[self.integer] - np.round(v[self.integer]))
        if frac.size and float(frac.max()) > tol:
            out["integrality"] = float(frac.max())
        return out


def _broadcast(value: ArrayLike, size: int) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    return np.broadcast_to(arr, (size,)).astype(float, copy=True)


class ModelBuilder:
    """Collects variable blocks, constraint blocks and objective terms.

    Parameters
    ----------
    instance
        The instance being modelled (pieces read it; the builder does not).
    """

    def __init__(self, instance: Any = None) -> None:
        self.instance = instance
        self.meta: dict[str, Any] = {}
        self._blocks: dict[str, VarBlock] = {}
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._step: list[np.ndarray] = []
        self._n_vars = 0
        self._rows: list[
            tuple[str, str, list[tuple[VarBlock, sp.spmatrix]], np.ndarray, np.ndarray]
        ] = []
        self._n_rows = 0
        self._obj: list[tuple[VarBlock, np.ndarray]] = []
        self._c0 = 0.0
        self.sense = "min"

    # variables -------------------------------------------------------------
    def add_vars(
        self,
        name: str,
        size: int,
        lb: ArrayLike = 0.0,
        ub: ArrayLike = np.inf,
        integer: bool = False,
        step: ArrayLike | None = None,
    ) -> VarBlock:
        """Add a block of ``size`` variables; returns its handle.

        ``step`` (continuous blocks only) is the resolution an integer-only
        backend uses for these variables.
        """
        if name in self._blocks:
            raise ValueError(f"variable block {name!r} already exists")
        block = VarBlock(name, self._n_vars, int(size))
        self._blocks[name] = block
        self._lb.append(_broadcast(lb, block.size))
        self._ub.append(_broadcast(ub, block.size))
        self._int.append(np.full(block.size, bool(integer)))
        self._step.append(_broadcast(np.nan if step is None else step, block.size))
        self._n_vars += block.size
        return block

    def var(self, name: str) -> VarBlock:
        """The variable block called ``name`` (KeyError if absent)."""
        return self._blocks[name]

    def has_var(self, name: str) -> bool:
        return name in self._blocks

    def _block_pos(self, block: VarBlock) -> int:
        return list(self._blocks).index(block.name)

    def set_integer(self, block: VarBlock, integer: bool = True) -> None:
        """Change the integrality of a whole block."""
        self._int[self._block_pos(block)][:] = integer

    def tighten_bounds(
        self, block: VarBlock, lb: ArrayLike | None = None, ub: ArrayLike | None = None
    ) -> None:
        """Intersect a block's bounds with ``[lb, ub]``."""
        pos = self._block_pos(block)
        if lb is not None:
            self._lb[pos] = np.maximum(self._lb[pos], _broadcast(lb, block.size))
        if ub is not None:
            self._ub[pos] = np.minimum(self._ub[pos], _broadcast(ub, block.size))

    def bounds(self, block: VarBlock) -> tuple[np.ndarray, np.ndarray]:
        """Current (lb, ub) of a block (copies)."""
        pos = self._block_pos(block)
        return self._lb[pos].copy(), self._ub[pos].copy()

    # constraints -----------------------------------------------------------
    def add_rows(
        self,
        family: str,
        terms: Sequence[tuple[VarBlock, sp.spmatrix | np.ndarray]],
        lb: ArrayLike = -np.inf,
        ub: ArrayLike = np.inf,
        name: str | None = None,
    ) -> ConBlock | None:
        """Add rows ``lb <= Σ_terms M_block @ v_block <= ub``.

        Each term is ``(block, matrix)`` with ``matrix`` of shape
        ``[n_rows, block.size]``. Returns None when there are no rows.
        """
        if not terms:
            raise ValueError("add_rows needs at least one term")
        mats = []
        for block, mat in terms:
            m = sp.csr_matrix(mat)
            if m.shape[1] != block.size:
                raise ValueError(
                    f"{family}: matrix for {block.name} has {m.shape[1]} columns, block has {block.size}"
                )
            mats.append((block, m))
        n = mats[0][1].shape[0]
        if any(m.shape[0] != n for _, m in mats):
            raise ValueError(f"{family}: terms disagree on the number of rows")
        if n == 0:
            return None
        con = ConBlock(family, name or family, self._n_rows, n)
        self._rows.append((family, con.name, mats, _broadcast(lb, n), _broadcast(ub, n)))
        self._n_rows += n
        return con

    # objective -------------------------------------------------------------
    def add_objective(self, block: VarBlock, coef: ArrayLike) -> None:
        """Add ``coef · v_block`` to the objective."""
        self._obj.append((block, _broadcast(coef, block.size)))

    def add_objective_constant(self, value: float) -> None:
        self._c0 += float(value)

    def set_sense(self, sense: str) -> None:
        if sense not in ("min", "max"):
            raise ValueError("sense must be 'min' or 'max'")
        self.sense = sense

    # assembly --------------------------------------------------------------
    def build(self) -> LinearModel:
        """Assemble the global CSR matrix and vectors."""
        n = self._n_vars
        parts: list[sp.csr_matrix] = []
        con_blocks = []
        row_lb, row_ub = [], []
        offset = 0
        for family, name, mats, lb, ub in self._rows:
            block_matrix = None
            for block, m in mats:
                # Same rows, columns shifted into the global variable space.
                shifted = sp.csr_matrix(
                    (m.data.astype(float, copy=False), m.indices + block.start, m.indptr),
                    shape=(m.shape[0], n),
                )
                block_matrix = shifted if block_matrix is None else block_matrix + shifted
            parts.append(block_matrix)
            con_blocks.append(ConBlock(family, name, offset, lb.shape[0]))
            row_lb.append(lb)
            row_ub.append(ub)
            offset += lb.shape[0]
        if parts:
            A = sp.vstack(parts, format="csr")
            A.sum_duplicates()
        else:
            A = sp.csr_matrix((0, n))
        c = np.zeros(n)
        for block, coef in self._obj:
            c[block.start : block.stop] += coef
        empty = np.empty(0)
        return LinearModel(
            A=A,
            row_lb=np.concatenate(row_lb) if row_lb else empty,
            row_ub=np.concatenate(row_ub) if row_ub else empty,
            col_lb=np.concatenate(self._lb) if self._lb else empty,
            col_ub=np.concatenate(self._ub) if self._ub else empty,
            integer=np.concatenate(self._int) if self._int else np.empty(0, dtype=bool),
            step=np.concatenate(self._step) if self._step else empty,
            c=c,
            c0=self._c0,
            sense=self.sense,
            var_blocks=dict(self._blocks),
            con_blocks=tuple(con_blocks),
            meta=dict(self.meta),
        )
