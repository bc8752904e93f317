"""The design of a refit: where each term's values sit in theta, and the sparse matrix X
with score = X @ theta (a curve's hat functions in fx-space, a step's or table's
indicators, a grid's bilinear cell weights, a linear term's x, a missing value's indicator).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.ir import MAX_VALUE, Constant, Curve, Grid, Linear, Model, Step, Table, Term
from pwlc.passes.context import PassData, output_values, with_output_values
from pwlc.semantics import Column, _axis_cells, _categorical, _numeric, step_bins, transform

# The largest score or value a refit takes: the solvers square them (and add many up).
LARGEST = 1e150


class Layout:
    """Where each term's values sit in theta. Column 0 is the intercept (all constants)."""

    def __init__(self, model: Model):
        self.model = model
        self.terms = [t for t in model.terms if not isinstance(t, Constant)]
        self.offsets: list[int] = []
        size = 1
        for term in self.terms:
            self.offsets.append(size)
            size += len(parameters(term))
        self.size = size
        self.theta0 = np.array([model.intercept] + [v for t in self.terms for v in parameters(t)], dtype=np.float64)

    def nonzeros(
        self, columns: dict[str, Column], rows: slice
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.bool_]]:
        """The design of `rows` as (row, column, weight) triples (a position may repeat:
        its weights add), and the mask of rows whose score is not missing."""
        count = rows.stop - rows.start
        chunk = {name: columns[name][rows] for name in columns}
        row_ids: list[NDArray[Any]] = [np.arange(count)]
        col_ids: list[NDArray[Any]] = [np.zeros(count, dtype=np.intp)]
        weights: list[NDArray[Any]] = [np.ones(count)]
        keep = np.ones(count, dtype=bool)
        for term, offset in zip(self.terms, self.offsets):
            r, c, w, missing = term_design(term, chunk, count)
            row_ids.append(r)
            col_ids.append(c + offset)
            weights.append(w)
            if term.missing is None:  # type: ignore[union-attr]
                keep &= ~missing
            if isinstance(term, Linear):  # the design holds x: beyond ±LARGEST (±inf too) it is left out
                keep &= ~(np.abs(_numeric(chunk[term.feature])) > LARGEST)
        return np.concatenate(row_ids), np.concatenate(col_ids), np.concatenate(weights), keep

    def design(self, columns: dict[str, Column], rows: slice) -> tuple[Any, NDArray[np.bool_]]:
        """The sparse design of `rows` (CSR) and the mask of rows whose score is not missing."""
        from scipy import sparse

        r, c, w, keep = self.nonzeros(columns, rows)
        return sparse.coo_matrix((w, (r, c)), shape=(rows.stop - rows.start, self.size)).tocsr(), keep

    def dense_design(self, columns: dict[str, Column], rows: slice) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """The same design as a dense array (for BLAS products on chunks of rows)."""
        r, c, w, keep = self.nonzeros(columns, rows)
        count = rows.stop - rows.start
        flat = np.bincount(r * self.size + c, weights=w, minlength=count * self.size)
        return np.asarray(flat, dtype=np.float64).reshape(count, self.size), keep

    def model_with(self, theta: NDArray[np.float64]) -> Model:
        """The model with every value taken from theta; constants become one intercept.
        A value a solver puts beyond the IR's range (`MAX_VALUE`) is held at its end."""
        theta = np.clip(theta, -MAX_VALUE, MAX_VALUE)
        new_terms: list[Term] = [Constant(float(theta[0]))]
        for term, offset in zip(self.terms, self.offsets):
            size = len(parameters(term))
            new_terms.append(with_parameters(term, [float(v) for v in theta[offset : offset + size]]))
        return replace(self.model, terms=tuple(new_terms))

    def _ordered_blocks(self) -> list[tuple[Term, int, int]]:
        """(term, first column, count) for the ordered values of each curve and step."""
        return [
            (t, o, len(t.ys) if isinstance(t, Curve) else len(t.values))
            for t, o in zip(self.terms, self.offsets)
            if isinstance(t, (Curve, Step))
        ]

    def second_differences(self) -> Any:
        """One sparse row per inner value of each curve and step: its second difference."""
        rows = [
            ((i - 1, i, i + 1), (1.0, -2.0, 1.0))
            for _, first, count in self._ordered_blocks()
            for i in range(first + 1, first + count - 1)
        ]
        return sparse_rows(rows, self.size)

    def monotone_matrix(self, directions: dict[str, int]) -> Any:
        """One sparse row per neighbouring pair of values on a monotone feature: >= 0 when in order."""
        rows = []
        for term, first, count in self._ordered_blocks():
            sign = directions.get(term.feature, 0)  # type: ignore[union-attr]
            rows += [((i, i + 1), (-float(sign), float(sign))) for i in range(first, first + count - 1)] if sign else []
        return sparse_rows(rows, self.size)


def parameters(term: Term) -> list[float]:
    """What refit solves for in a term: its output values, after a linear term's slope."""
    return ([term.slope] if isinstance(term, Linear) else []) + output_values(term)


def with_parameters(term: Term, values: list[float]) -> Term:
    """`term` with the values `parameters` lists replaced. A slope the solver puts at
    exactly 0 (no linear term) keeps its old value."""
    if isinstance(term, Linear):
        return with_output_values(replace(term, slope=values[0] or term.slope), values[1:])
    return with_output_values(term, values)


def sparse_rows(rows: Sequence[tuple[tuple[int, ...], tuple[float, ...]]], size: int) -> Any:
    """A CSR matrix with one row per (columns, values) pair (never p-dense: p may be 100k)."""
    from scipy import sparse

    row_ids = [k for k, (columns, _) in enumerate(rows) for _ in columns]
    column_ids = [j for columns, _ in rows for j in columns]
    values = [v for _, row_values in rows for v in row_values]
    return sparse.csr_matrix((values, (row_ids, column_ids)), shape=(len(rows), size))


def term_design(
    term: Term, columns: dict[str, Column], count: int
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[np.bool_]]:
    """Nonzeros (row, column within the term, weight) of one term's design, and its missing rows.

    Mirrors pwlc.semantics exactly: a test checks design @ values == term_values.
    """
    rows = np.arange(count)
    parts: list[tuple[NDArray[Any], NDArray[Any], NDArray[Any]]]  # (rows, columns, weights)
    if isinstance(term, Curve):
        x = _numeric(columns[term.feature])
        missing = np.isnan(x)
        xs = np.asarray(term.xs, dtype=np.float64)
        last = len(xs) - 1
        lower = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, last)
        lower[x >= xs[-1]] = last
        upper = np.minimum(lower + 1, last)
        t, tk = transform(term.fx, x), transform(term.fx, xs)
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(upper > lower, (t - tk[lower]) / (tk[upper] - tk[lower]), 0.0)
        weight[(x <= xs[0]) | missing] = 0.0
        parts = [(rows, lower, 1.0 - weight), (rows, upper, weight)]
        first_free = len(xs)
    elif isinstance(term, Step):
        x = _numeric(columns[term.feature])
        missing = np.isnan(x)
        bins = step_bins(term.edges, term.at_edge, x)
        parts = [(rows, bins, np.ones(count))]
        first_free = len(term.values)
    elif isinstance(term, Table):
        keys = _categorical(columns[term.feature])
        index = {k: i for i, (k, _) in enumerate(term.entries)}
        default = len(term.entries)
        missing = np.array([k is None for k in keys], dtype=bool)
        cells = np.array([index.get(k, default) if k is not None else 0 for k in keys], dtype=np.intp)
        parts = [(rows, cells, np.ones(count))]
        first_free = len(term.entries) + 1
    elif isinstance(term, Linear):  # one column, the slope, weighted by x (0 beyond ±LARGEST: left out, see nonzeros)
        x = _numeric(columns[term.feature])
        missing = np.isnan(x)
        parts = [(rows, np.zeros(count, dtype=np.intp), np.where(np.abs(x) > LARGEST, 0.0, x))]
        first_free = 1
    elif isinstance(term, Grid):
        i0, i1, wa, missing_a = _axis_cells(term.a, columns[term.a.feature])
        j0, j1, wb, missing_b = _axis_cells(term.b, columns[term.b.feature])
        width = term.b.size
        inside = ~(missing_a | missing_b)
        cell = [rows[inside], i0[inside], i1[inside], j0[inside], j1[inside], wa[inside], wb[inside]]
        r, a0, a1, b0, b1, u, v = cell
        parts = [
            (r, a0 * width + b0, (1 - u) * (1 - v)),
            (r, a0 * width + b1, (1 - u) * v),
            (r, a1 * width + b0, u * (1 - v)),
            (r, a1 * width + b1, u * v),
        ]
        first_free = term.a.size * width
        missing = ~inside
        # Only one input missing: the missing-a row along b, the missing-b column along a.
        for line, only, lower, upper, weight, size in (
            (term.missing_a, missing_a & ~missing_b, j0, j1, wb, width),
            (term.missing_b, missing_b & ~missing_a, i0, i1, wa, term.a.size),
        ):
            if line is not None:
                parts += [
                    (rows[only], first_free + lower[only], 1 - weight[only]),
                    (rows[only], first_free + upper[only], weight[only]),
                ]
                first_free += size
                missing = missing & ~only
    else:
        raise TypeError(type(term).__name__)
    if isinstance(term, Grid):  # its parts hold only their own rows already
        out_r, out_c, out_w = [list(part) for part in zip(*parts)]
    else:
        out_r = [r[~missing] for r, _, _ in parts]
        out_c = [c[~missing] for _, c, _ in parts]
        out_w = [w[~missing] for _, _, w in parts]
    if term.missing is not None:
        out_r.append(rows[missing])
        out_c.append(np.full(int(missing.sum()), first_free, dtype=np.intp))
        out_w.append(np.ones(int(missing.sum())))
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_w), missing


def _slices(rows: int, chunk: int) -> list[slice]:
    return [slice(start, min(start + chunk, rows)) for start in range(0, rows, chunk)]


def nonzeros_per_row(layout: Layout) -> int:
    """Nonzeros of a row of X at most (a grid's missing row or column has fewer)."""
    return 1 + sum(4 if isinstance(t, Grid) else 2 if isinstance(t, Curve) else 1 for t in layout.terms)


def use_dense(layout: Layout) -> bool:
    """Whether chunks of the design should be dense: a dense BLAS product `A.T @ A` does
    rows * p^2 / 2 multiply-adds, a sparse one rows * nnz^2 scattered ones (nnz per row
    about twice the number of curves), each about 50 times slower."""
    return layout.size * layout.size / 2 < 50 * nonzeros_per_row(layout) ** 2


def design_chunks(
    layout: Layout, data: PassData, chunk: int, dense: bool
) -> Iterator[tuple[Any, NDArray[np.bool_], slice]]:
    """(design, rows with a score, row slice) for consecutive chunks of the data; a chunk
    holds at most 8M entries (dense) or nonzeros (sparse: ~200 MB of triples while built)."""
    chunk = max(1, min(chunk, 8_000_000 // (layout.size if dense else nonzeros_per_row(layout))))
    for rows in _slices(data.rows, chunk):
        design, keep = layout.dense_design(data.columns, rows) if dense else layout.design(data.columns, rows)
        yield design, keep, rows
