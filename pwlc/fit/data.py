"""From user input to the fitter's data: distinct sorted x values with summed weights.

Rows whose x is NaN leave the fit and give the curve's `missing` value; zero-weight rows
leave it too. Rows at x = ±inf are kept at the finite end of the data: every curve the
fitter can return is flat beyond its end knots, which lie inside the finite data, so such
a row is predicted by the end value either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import DataError
from pwlc.ir import MAX_VALUE
from pwlc.semantics import FloatArray, _numeric

# Beyond this |y| the squares of y overflow: the fit runs in units of a power of two.
HUGE_Y = 2.0**500


@dataclass(frozen=True)
class Points:
    """The fit's data: distinct finite x (increasing), summed weight, weighted mean y."""

    x: FloatArray
    y: FloatArray
    w: FloatArray
    within_ss: float  # sum of w (y - mean y at the same x)^2: part of every curve's SSE
    effective_n: float  # Kish effective sample size (sum w)^2 / sum w^2 of the rows used
    missing: float | None  # weighted mean y of rows with NaN x, None when there are none
    sampled: bool  # True when the rows were subsampled (more than max_points)
    unit: float = 1.0  # y, within_ss and missing are in units of this (a power of two)

    @property
    def total_weight(self) -> float:
        return float(self.w.sum())


def wdot(a: FloatArray, b: FloatArray) -> float:
    """sum a * b without BLAS: OpenBLAS threads a dot of more than 10,000 elements, and on a
    busy machine waking its second thread costs milliseconds, far more than the sum."""
    return float(np.einsum("i,i->", a, b))


def as_vector(values: Any, name: str) -> FloatArray:
    """A 1-D float64 array from a list, numpy array or pandas Series (NA becomes NaN)."""
    try:
        array = _numeric(values, name)
    except DataError as exc:
        raise DataError(f"fit: {exc}; a curve needs numbers (fit a categorical input as a lookup table instead)") from None
    if array.ndim != 1:
        raise DataError(
            f"fit: {name} must be one-dimensional, got shape {array.shape}; pass one value per row (a 1-d array, list or Series)"
        )
    return array


def prepare(x: Any, y: Any, w: Any = None, *, max_points: int, seed: int) -> Points:
    """Validate, drop and account for missing rows, subsample huge inputs, sort and merge."""
    xa, ya = as_vector(x, "x"), as_vector(y, "y")
    wa = None if w is None else as_vector(w, "w")
    if not len(xa) == len(ya) == (len(xa) if wa is None else len(wa)):
        raise DataError(
            f"fit: x, y and w must have the same length (got {len(xa)}, {len(ya)}, {len(xa) if wa is None else len(wa)}); give one y and one w per x"
        )
    # A finite sum proves every value finite in one pass without a temporary; only when it
    # is not (a bad value, or an overflow) are the values looked at one by one.
    with np.errstate(invalid="ignore", over="ignore"):
        y_sum, x_sum = np.add.reduce(ya), np.add.reduce(xa)
    bad_y = 0 if np.isfinite(y_sum) else int(np.count_nonzero(~np.isfinite(ya)))
    if bad_y:
        raise DataError(
            f"fit: y holds {bad_y} non-finite value(s); targets must be finite: drop those rows or give them weight 0 and a finite y"
        )
    largest = max(float(ya.max()), -float(ya.min())) if ya.size else 0.0
    if largest > MAX_VALUE:
        raise DataError(
            f"fit: y holds values beyond ±2**1022 (the largest is {largest!r}); a pwlc model keeps every value"
            " within ±2**1022 (about ±4.49e307): scale the target down"
        )
    unit = 2.0 ** math.frexp(largest)[1] if largest > HUGE_Y else 1.0
    if unit != 1.0:
        ya = ya / unit
    if wa is not None and (not np.isfinite(wa).all() or (wa < 0).any()):
        raise DataError("fit: weights must be finite and non-negative; give 0 to leave a row out")

    # Rows that take part: finite or infinite x, positive weight. Indices instead of copies
    # when rows must be dropped, so a huge input is copied only once, after sampling.
    nan_x = np.isnan(xa) if np.isnan(x_sum) else None  # a sum that is not NaN: no NaN x
    missing = None
    if nan_x is not None and nan_x.any():
        missing_w = np.ones(int(nan_x.sum())) if wa is None else wa[nan_x]
        if missing_w.sum() > 0:
            missing = wdot(missing_w, ya[nan_x]) / float(missing_w.sum())
    if wa is None:
        keep = None if nan_x is None else ~nan_x
    else:
        keep = wa > 0 if nan_x is None else ~nan_x & (wa > 0)
    rows = None if keep is None or keep.all() else np.flatnonzero(keep)
    count = len(xa) if rows is None else len(rows)
    if count == 0:
        if missing is None and not (nan_x is not None and nan_x.all()):
            raise DataError("fit: every row has zero weight; give at least one row a positive weight")
        empty = np.empty(0)
        return Points(empty, empty, empty, 0.0, 0.0, missing, False, unit)
    kept_w = None if wa is None else (wa if rows is None else wa[rows])
    effective_n = float(count if kept_w is None else kept_w.sum() ** 2 / wdot(kept_w, kept_w))

    sampled = count > max_points
    if sampled:
        # A fixed-seed generator of our own: numpy's global random state is never touched.
        # max_points distinct rows, in input order: the gathers below then walk memory
        # forward, and the sample holds no repeated row to merge.
        draw = np.sort(np.random.default_rng(seed).choice(count, size=max_points, replace=False, shuffle=False))
        rows = draw if rows is None else rows[draw]
    if rows is not None:
        xa, ya = xa[rows], ya[rows]
        wa = None if wa is None else wa[rows]
    wa = np.ones_like(xa) if wa is None else wa

    finite = np.isfinite(xa)
    if not finite.all():
        low, high = (float(xa[finite].min()), float(xa[finite].max())) if finite.any() else (0.0, 0.0)
        xa = np.where(finite, xa, np.where(xa < 0, low, high))

    # Ties are merged below, so the sort need not be stable (the stable sort is several times
    # slower); quicksort is deterministic, so the same input still gives the same curve.
    order = np.argsort(xa)
    xs, ys, ws = xa[order], ya[order], wa[order]
    starts_group = np.empty(len(xs), dtype=bool)
    starts_group[0] = True
    np.not_equal(xs[1:], xs[:-1], out=starts_group[1:])
    if starts_group.all():  # every x distinct: nothing to merge
        return Points(xs, ys, ws, 0.0, effective_n, missing, sampled, unit)
    starts = np.flatnonzero(starts_group)
    weight = np.add.reduceat(ws, starts)
    mean_y = np.add.reduceat(ws * ys, starts) / weight
    group = np.cumsum(starts_group) - 1
    within_ss = wdot(ws, (ys - mean_y[group]) ** 2)
    return Points(xs[starts], mean_y, weight, within_ss, effective_n, missing, sampled, unit)
