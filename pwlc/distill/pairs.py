"""A teacher's pair term as a small bilinear `Grid`.

Numeric axes get knots at data quantiles (the ends at 1% and 99%); categorical axes keep their categories. The cell
values are fitted by least squares to the teacher's pair on the data rows, with two
guards for the cells the data barely reach (a corner of two extremes that no row holds,
where least squares alone extrapolates freely: 148 off on a Lending Club pair):

- every cell is also pulled towards the teacher's own value at the cell's anchor (its
  knot, or its category) with the weight of PRIOR_ROWS rows, so a cell without data is
  the teacher's value there;
- every value is bounded by the teacher's own range for the term, so the student's
  value anywhere (it interpolates its cells) stays within what the teacher can give
  (and within the IR's range, `pwlc.ir.MAX_VALUE`); a huge teacher is solved in units of
  a power of two, so that no sum of squares overflows.

A teacher grid's missing row (column), the values used when one input is missing, is
moved to the new axis the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pwlc.errors import DataError, UnsupportedError
from pwlc.fit.data import HUGE_Y
from pwlc.frontends.additive import Shape
from pwlc.ir import MAX_VALUE, Axis, CategoryAxis, Grid, KnotAxis, StepAxis
from pwlc.semantics import Column, FloatArray, grid_values

# How many rows' weight the teacher's value at a cell's anchor has in that cell's fit.
PRIOR_ROWS = 1.0
# A numeric axis's end knots sit at these data quantiles (the axis is flat beyond them):
# at the minimum and maximum, a long tail (incomes up to 2.3M, 99% below 0.3M) spans the
# last cell, and bounded cells then cannot follow the bulk of the data inside it.
# Measured on a Lending Club EBM with 10 pairs: pair RMS error 0.057 at the extremes,
# 0.043 at 1%/99%, 0.049 at 5%/95%.
END_QUANTILE = 0.01


def distill_pair(shape: Shape, kinds: Mapping[str, str], columns: Mapping[str, Column], rows: int, knots: int) -> Grid:
    """The pair `shape` (a teacher grid, or a function of two inputs) as a bilinear grid."""
    teacher = shape.term
    if teacher is not None and not isinstance(teacher, Grid):
        raise UnsupportedError(
            f"{shape.description}: a pair term of type {type(teacher).__name__} cannot be distilled; "
            "give the pair as a Grid or as a function of its two inputs"
        )
    name_a, name_b = shape.features
    a, b = columns[name_a], columns[name_b]
    old_a = teacher.a if teacher is not None else None
    old_b = teacher.b if teacher is not None else None
    axes = (
        _student_axis(name_a, old_a, kinds[name_a], a, knots),
        _student_axis(name_b, old_b, kinds[name_b], b, knots),
    )
    target = shape.values(columns, rows)
    present = np.isfinite(target) & ~_missing(a) & ~_missing(b)
    rows_a, rows_b = _select(a, present), _select(b, present)
    anchors_a, anchors_b = _anchors(axes[0]), _anchors(axes[1])
    mesh_a = [anchors_a[i] for i in range(axes[0].size) for _ in range(axes[1].size)]
    mesh_b = [anchors_b[j] for _ in range(axes[0].size) for j in range(axes[1].size)]
    prior = _teacher_at(shape, name_a, name_b, mesh_a, mesh_b)
    low, high = _teacher_range(teacher, target[present], prior)
    prior = np.clip(np.where(np.isfinite(prior), prior, low / 2 + high / 2), low, high)
    # The grid is linear in its cell values: one basis column per cell, from the evaluator.
    basis = np.empty((len(rows_a), axes[0].size * axes[1].size))
    for k in range(basis.shape[1]):
        unit = np.zeros(basis.shape[1])
        unit[k] = 1.0
        basis[:, k] = grid_values(Grid(axes[0], axes[1], _cells(unit, axes[1].size)), rows_a, rows_b)
    values = _bounded_fit(basis, target[present], prior, low, high)
    if teacher is None:
        return Grid(axes[0], axes[1], _cells(values, axes[1].size), shape.missing)
    missing_a = _missing_line(teacher.missing_a, teacher.b, axes[1], b, low, high)
    missing_b = _missing_line(teacher.missing_b, teacher.a, axes[0], a, low, high)
    return Grid(axes[0], axes[1], _cells(values, axes[1].size), teacher.missing, missing_a, missing_b)


def _student_axis(name: str, old: Axis | None, kind: str, column: Column, knots: int) -> Axis:
    """Categories as they are; a numeric axis as `knots` knots at data quantiles from
    END_QUANTILE to 1 - END_QUANTILE."""
    if isinstance(old, CategoryAxis):
        return old
    if kind == "categorical":
        keys = sorted({key for key in column if key is not None})
        return CategoryAxis(name, tuple(keys))
    x = np.asarray(column, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise DataError(f"the data has no finite value of {name!r} to place grid knots on; give rows where it is known")
    positions = np.unique(np.quantile(x, np.linspace(END_QUANTILE, 1.0 - END_QUANTILE, knots)))
    return KnotAxis(name, tuple(float(p) for p in positions))


def _anchors(axis: Axis) -> list[Any]:
    """Where each cell of a student axis sits: its knot, or its category (the last cell of
    a categorical axis is for unseen categories: a key that is none of them)."""
    if isinstance(axis, KnotAxis):
        return list(axis.knots)
    assert isinstance(axis, CategoryAxis)
    unseen = "unseen"
    while unseen in axis.categories:
        unseen += "'"
    return [*axis.categories, unseen]


def _teacher_at(shape: Shape, name_a: str, name_b: str, a: Sequence[Any], b: Sequence[Any]) -> FloatArray:
    column_a = list(a) if a and isinstance(a[0], str) else np.asarray(a, dtype=np.float64)
    column_b = list(b) if b and isinstance(b[0], str) else np.asarray(b, dtype=np.float64)
    return shape.values({name_a: column_a, name_b: column_b}, len(a))


def _teacher_range(teacher: Grid | None, on_data: FloatArray, at_anchors: FloatArray) -> tuple[float, float]:
    """The values the teacher's term takes: every value of its grid (missing rows included),
    or for a function, its values on the data and at the student's anchors; within the
    IR's range (`MAX_VALUE`)."""
    if teacher is not None:
        values = [v for row in teacher.values for v in row]
        for line in (teacher.missing_a, teacher.missing_b):
            values += list(line or ())
        values += [] if teacher.missing is None else [teacher.missing]
    else:
        values = [*on_data, *at_anchors]
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return 0.0, 0.0
    return max(float(finite.min()), -MAX_VALUE), min(float(finite.max()), MAX_VALUE)


def _bounded_fit(basis: FloatArray, target: FloatArray, prior: FloatArray, low: float, high: float) -> FloatArray:
    """argmin |basis v - target|^2 + PRIOR_ROWS |v - prior|^2 with low <= v <= high (a
    small box-constrained QP on the normal equations: one unknown per cell). Solved in
    units of a power of two (exact) when the values are huge, so that nothing overflows."""
    if not high > low:
        return np.full(len(prior), low)
    from pwlc.fit.solve import box_qp

    largest = max(-low, high, float(np.max(np.abs(target), initial=0.0)))
    unit = 2.0 ** math.frexp(largest)[1] if largest > HUGE_Y else 1.0
    hessian = basis.T @ basis + PRIOR_ROWS * np.eye(len(prior))
    g = basis.T @ (target / unit) + PRIOR_ROWS * (prior / unit)
    bounds = np.full(len(prior), low / unit), np.full(len(prior), high / unit)
    return np.clip(box_qp(hessian, g, *bounds) * unit, low, high)


def _cells(values: FloatArray, width: int) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in values[i : i + width]) for i in range(0, len(values), width))


def _missing_line(line: tuple[float, ...] | None, old: Axis, new: Axis, other: Column, low: float, high: float) -> tuple[float, ...] | None:
    """A teacher grid's missing row (column) moved from axis `old` to axis `new`: fitted
    over the data's values of the other input like the cells (anchored and bounded)."""
    if line is None:
        return None
    present = ~_missing(other)
    x = _select(other, present)
    target = _line_values(old, line, x)
    anchors = _anchors(new)
    prior = np.clip(_line_values(old, line, anchors if isinstance(new, CategoryAxis) else np.asarray(anchors)), low, high)
    basis = np.column_stack([_line_values(new, tuple(unit), x) for unit in np.eye(new.size)]) if len(x) else np.zeros((0, new.size))
    return tuple(float(v) for v in _bounded_fit(basis, target, prior, low, high))


def _line_values(axis: Axis, line: tuple[float, ...], column: Column) -> FloatArray:
    """A grid row read along `axis` (rule 5) at the values in `column`."""
    row = Grid(StepAxis("", (), "upper"), axis, (line,))
    return grid_values(row, np.zeros(len(column)), column)


def _missing(column: Column) -> np.ndarray:
    if isinstance(column, np.ndarray):
        return np.isnan(column)
    return np.array([key is None for key in column], dtype=bool)


def _select(column: Column, keep: np.ndarray) -> Column:
    if isinstance(column, np.ndarray):
        return column[keep]
    return [key for key, kept in zip(column, keep) if kept]
