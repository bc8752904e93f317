"""The reference evaluator: THE definition of what a pwlc model computes.

Every backend and every pass is tested against this module. The rules:

1. **Curve.** A missing input (NaN, None) gives the curve's `missing` value, or a missing
   score when that is None. Otherwise x is clamped to the end knots (±inf included: inf is
   not missing), so `x <= xs[0]` gives `ys[0]` and `x >= xs[-1]` gives `ys[-1]` exactly.
   Inside, with `xs[i] <= x < xs[i+1]` and `t = fx(x)`, `t_i = fx(xs[i])`:
   `y = ys[i] + (ys[i+1] - ys[i]) * ((t - t_i) / (t_{i+1} - t_i))`, computed in that order.
2. **Transforms** fx: identity; log (all knots > 0); log1p (all knots > -1);
   symlog1p(x) = sign(x) * log1p(|x|). Knots are stored in raw units, never transformed.
   The knots' transforms, as numpy computes them (`transform_knots`), must be strictly
   increasing: two knots whose log, log1p or symlog1p round to the same double (1e17 and
   1e17 + 16 under log1p) would make a segment of zero width, so `verify` refuses them.
3. **Step.** `values[k]` where k counts the edges below x; a value exactly on an edge
   counts that edge as below it when `at_edge == "upper"` (EBM: `searchsorted(edges, x,
   "right")`) and as above it when `at_edge == "lower"` (trees: `x <= t` goes left).
4. **Table.** A category is compared as a string (see `category_key`). A category not in
   the table gives `default`; a missing input gives `missing` (None: missing score).
5. **Grid.** Each axis maps its input to cells: a step axis as rule 3, a category axis to
   the category's cell or the last (unseen) cell, a knot axis to two neighbouring knots and
   a weight (clamped, as rule 1). Bilinear over knot axes: interpolate along `b` in rows
   i and i+1, then along `a`. Both inputs missing give `missing`; only `a` missing gives
   the `missing_a` row read along `b` like a row of values (only `b`: the `missing_b`
   column along `a`), or `missing` when that row (column) is None.
6. **Sum** adds the terms in order; a missing term makes the score missing (NaN).
7. **Link**: identity(s) = s; logistic(s) = 1 / (1 + exp(-s)); exp(s) = exp(s).
8. **Values are bounded.** Every value a term holds (knot values, step and table values,
   defaults, grid cells and missing rows, every `missing`, constants) is at most 2**1022
   (`pwlc.ir.MAX_VALUE`, about 4.49e307) in magnitude, so the difference of any two is a
   finite double and rules 1 and 5 never overflow: every engine computes the same finite
   interpolation (`verify` refuses larger values). The sum of many terms may still reach
   ±inf, in every engine alike.
9. **Knots interpolated in raw units are bounded too.** The knots of a curve with
   fx = identity and of a knot axis are within ±2**1022, so the distances `x - x0` and
   `x1 - x0` of rules 1 and 5 are finite once x is clamped (a transformed curve subtracts
   transforms, which are small). Step edges are only compared: any finite double.
10. **Linear.** A missing input (NaN, None) gives the term's `missing` value, or a missing
   score when that is None. Otherwise the term is `slope * x`, one IEEE double product, with
   no clamping: x = ±inf gives ±inf (with the slope's sign flipped when it is negative),
   and a product beyond the doubles is ±inf, as IEEE rounds it. The slope is finite,
   nonzero and within ±2**1022 (`verify`), so the product is never NaN for a number x; two
   such terms may still sum to inf - inf = NaN, a missing score in every engine alike.

A **multiclass** model (`pwlc.ir.Multiclass`) has one sum of terms per class:

M1. **Scores.** Class k's score is the sum of its terms by rule 6; `output="score"` gives
    an (n, K) array, column k for class k (classes in declared order).
M2. **Softmax.** The prediction is one probability per class:
    `m = max(s)`, `e_k = exp(s_k - m)`, `p_k = e_k / (e_0 + e_1 + ... + e_{K-1})` with
    the sum taken in class order. `s_k - m <= 0`, so no `exp` overflows for any finite
    scores (1e308 included): each `e_k` is in [0, 1], the largest is 1, and the row sums
    to 1 up to rounding.
M3. **Missing.** A missing score in any class (rule 6) makes every probability of that
    row missing (NaN): a class's share is not defined without every other class's.
M4. **Infinite scores** are computed as M2 writes it, in IEEE arithmetic: a class at
    -inf gets probability 0 when some score is finite; a score of +inf, or every score
    -inf, makes `s_k - m` NaN (inf - inf), so every probability of the row is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError
from pwlc.ir import (
    Axis,
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Linear,
    Model,
    Multiclass,
    Step,
    StepAxis,
    Table,
    Term,
)

FloatArray = NDArray[np.float64]
Categories = list[str | None]
Column = FloatArray | Categories


def transform(fx: str, x: FloatArray) -> FloatArray:
    """Apply an x-transform elementwise (rule 2)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if fx == "identity":
            return x
        if fx == "log":
            return np.log(x)
        if fx == "log1p":
            return np.log1p(x)
        if fx == "symlog1p":
            return np.sign(x) * np.log1p(np.abs(x))
    raise ValueError(f"unknown transform {fx!r}")


def transform_knots(fx: str, xs: tuple[float, ...]) -> FloatArray:
    """A curve's knots transformed as rule 1 uses them (what rule 2 asks to increase)."""
    return transform(fx, np.asarray(xs, dtype=np.float64))


def category_key(value: Any) -> str | None:
    """How an input value is named as a category; None when the value is missing.

    Strings are themselves. Integers, and floats holding an integer, are their decimal
    digits (`3`, `3.0` and `np.int64(3)` all name category "3"). Other floats use repr.
    None and NaN are missing.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(float(value))
    if type(value).__name__ == "NAType":  # pandas.NA, without importing pandas
        return None
    return str(value)


def class_indices(labels: Any, classes: tuple[str, ...], what: str = "labels") -> NDArray[np.intp]:
    """Each label's index in `classes`, a label naming its class as a category does
    (`category_key`: 2 and 2.0 name class "2"); -1 where the label is missing. A label that
    names no class raises `DataError`."""
    index = {label: k for k, label in enumerate(classes)}
    values = labels.to_numpy(dtype=object) if hasattr(labels, "to_numpy") else np.atleast_1d(np.asarray(labels, dtype=object))
    out = np.empty(len(values), dtype=np.intp)
    for i, value in enumerate(values):
        key = category_key(value)
        if key is not None and key not in index:
            raise DataError(f"{what}: {str(key)!r} is not a class of the model (its classes: {', '.join(map(repr, classes))})")
        out[i] = -1 if key is None else index[key]
    return out


# --- terms --------------------------------------------------------------------------


def curve_values(curve: Curve, x: FloatArray) -> FloatArray:
    """Rule 1."""
    xs = np.asarray(curve.xs, dtype=np.float64)
    ys = np.asarray(curve.ys, dtype=np.float64)
    out = np.empty_like(x)
    missing = np.isnan(x)
    below = x <= xs[0]
    above = x >= xs[-1]
    inside = ~(missing | below | above)
    out[below] = ys[0]
    out[above] = ys[-1]
    if inside.any():
        xi = x[inside]
        seg = np.searchsorted(xs, xi, side="right") - 1
        t = transform(curve.fx, xi)
        tk = transform_knots(curve.fx, curve.xs)
        out[inside] = ys[seg] + (ys[seg + 1] - ys[seg]) * ((t - tk[seg]) / (tk[seg + 1] - tk[seg]))
    out[missing] = np.nan if curve.missing is None else curve.missing
    return out


def step_bins(edges: tuple[float, ...], at_edge: str, x: FloatArray) -> NDArray[np.intp]:
    """Rule 3: the bin index of each x (meaningless where x is NaN)."""
    side: Literal["left", "right"] = "right" if at_edge == "upper" else "left"
    return np.searchsorted(np.asarray(edges, dtype=np.float64), x, side=side)


def step_values(step: Step, x: FloatArray) -> FloatArray:
    """Rule 3."""
    values = np.asarray(step.values, dtype=np.float64)
    out = values[step_bins(step.edges, step.at_edge, x)]
    out[np.isnan(x)] = np.nan if step.missing is None else step.missing
    return out


def table_values(table: Table, keys: Categories) -> FloatArray:
    """Rule 4."""
    lookup = table.lookup()
    missing = math.nan if table.missing is None else table.missing
    return np.array(
        [missing if key is None else lookup.get(key, table.default) for key in keys],
        dtype=np.float64,
    )


def _axis_cells(axis: Axis, column: Column) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray, NDArray[np.bool_]]:
    """Map a grid axis's input to (lower cell, upper cell, weight of upper, missing)."""
    if isinstance(axis, CategoryAxis):
        keys = list(column)
        index = {c: i for i, c in enumerate(axis.categories)}
        cells = np.array([index.get(k, len(axis.categories)) if k is not None else 0 for k in keys], dtype=np.intp)
        missing = np.array([k is None for k in keys], dtype=bool)
        return cells, cells, np.zeros(len(keys)), missing
    x = np.asarray(column, dtype=np.float64)
    missing = np.isnan(x)
    if isinstance(axis, StepAxis):
        cells = step_bins(axis.edges, axis.at_edge, x)
        return cells, cells, np.zeros(len(x)), missing
    knots = np.asarray(axis.knots, dtype=np.float64)
    last = len(knots) - 1
    clamped = np.clip(np.where(missing, knots[0], x), knots[0], knots[-1])
    lower = np.clip(np.searchsorted(knots, clamped, side="right") - 1, 0, last)
    upper = np.minimum(lower + 1, last)
    span = knots[upper] - knots[lower]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(upper > lower, (clamped - knots[lower]) / np.where(span > 0, span, 1.0), 0.0)
    return lower, upper, weight, missing


def grid_values(grid: Grid, a: Column, b: Column) -> FloatArray:
    """Rule 5."""
    values = np.asarray(grid.values, dtype=np.float64)
    i0, i1, wa, missing_a = _axis_cells(grid.a, a)
    j0, j1, wb, missing_b = _axis_cells(grid.b, b)
    row0 = values[i0, j0] + (values[i0, j1] - values[i0, j0]) * wb
    row1 = values[i1, j0] + (values[i1, j1] - values[i1, j0]) * wb
    out = row0 + (row1 - row0) * wa
    out[missing_a | missing_b] = np.nan if grid.missing is None else grid.missing
    if grid.missing_a is not None:  # the missing-a row, along b
        row = np.asarray(grid.missing_a, dtype=np.float64)
        only_a = missing_a & ~missing_b
        out[only_a] = (row[j0] + (row[j1] - row[j0]) * wb)[only_a]
    if grid.missing_b is not None:  # the missing-b column, along a
        column = np.asarray(grid.missing_b, dtype=np.float64)
        only_b = missing_b & ~missing_a
        out[only_b] = (column[i0] + (column[i1] - column[i0]) * wa)[only_b]
    return out


def linear_values(term: Linear, x: FloatArray) -> FloatArray:
    """Rule 10."""
    with np.errstate(over="ignore"):
        out = term.slope * x
    out[np.isnan(x)] = np.nan if term.missing is None else term.missing
    return out


def term_values(term: Term, columns: Mapping[str, Column], rows: int) -> FloatArray:
    """The contribution of one term for each row."""
    if isinstance(term, Constant):
        return np.full(rows, term.value, dtype=np.float64)
    if isinstance(term, Curve):
        return curve_values(term, _numeric(columns[term.feature]))
    if isinstance(term, Step):
        return step_values(term, _numeric(columns[term.feature]))
    if isinstance(term, Table):
        return table_values(term, _categorical(columns[term.feature]))
    if isinstance(term, Grid):
        return grid_values(term, columns[term.a.feature], columns[term.b.feature])
    if isinstance(term, Linear):
        return linear_values(term, _numeric(columns[term.feature]))
    raise TypeError(f"unknown term {type(term).__name__}")


def apply_link(link: str, score: FloatArray) -> FloatArray:
    """Rule 7."""
    with np.errstate(over="ignore"):
        if link == "identity":
            return score
        if link == "logistic":
            return 1.0 / (1.0 + np.exp(-score))
        if link == "exp":
            return np.exp(score)
    raise ValueError(f"unknown link {link!r}")


# --- models -------------------------------------------------------------------------


def prepare_columns(model: Model, data: Any) -> tuple[dict[str, Column], int]:
    """Read the model's inputs out of `data` (mapping of column -> values, or DataFrame).

    Numeric inputs become float64 arrays (None -> NaN); categorical inputs become lists of
    category keys (`category_key`). Raises `DataError` for missing columns, unequal
    lengths or non-numeric values in a numeric input.
    """
    if not hasattr(data, "__getitem__"):
        raise DataError(f"data must be a mapping of column name to values or a DataFrame, not {type(data).__name__}")
    available = set(data.keys()) if hasattr(data, "keys") else set(getattr(data, "columns", ()))
    absent = [declared.name for declared in model.inputs if declared.name not in available]
    if absent:
        raise DataError(f"data has no column for input(s) {', '.join(map(repr, absent))}")
    columns: dict[str, Column] = {}
    rows: int | None = None
    for declared in model.inputs:
        raw = data[declared.name]
        column = _categorical(raw) if declared.kind == "categorical" else _numeric(raw, declared.name)
        if rows is not None and len(column) != rows:
            raise DataError(f"column {declared.name!r} has {len(column)} rows, expected {rows}")
        rows = len(column)
        columns[declared.name] = column
    return columns, rows if rows is not None else _row_count(data)


def _row_count(data: Any) -> int:
    if hasattr(data, "shape"):
        return int(data.shape[0])
    lengths = {len(np.atleast_1d(v)) for v in data.values()} if hasattr(data, "values") else set()
    return lengths.pop() if len(lengths) == 1 else 1


def _numeric(values: Any, name: str = "") -> FloatArray:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return np.atleast_1d(values.astype(np.float64, copy=False))
    if hasattr(values, "to_numpy"):  # pandas: nullable dtypes turn NA into NaN
        try:
            return np.atleast_1d(values.to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):
            values = values.to_numpy(dtype=object)
    items = np.atleast_1d(np.asarray(values, dtype=object))
    try:
        return np.array([np.nan if v is None else float(v) for v in items], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"input {name!r} is numeric but its data holds non-numbers ({exc})") from None


def _categorical(values: Any) -> Categories:
    if isinstance(values, list) and all(v is None or isinstance(v, str) for v in values):
        return values
    if hasattr(values, "to_numpy"):
        values = values.to_numpy(dtype=object)
    return [category_key(v) for v in np.atleast_1d(np.asarray(values, dtype=object))]


def evaluate_terms(model: Model, data: Any) -> FloatArray:
    """Each term's contribution: an array of shape (rows, len(model.terms))."""
    columns, rows = prepare_columns(model, data)
    out = np.empty((rows, len(model.terms)), dtype=np.float64)
    for k, term in enumerate(model.terms):
        out[:, k] = term_values(term, columns, rows)
    return out


def evaluate(model: Model | Multiclass, data: Any, *, output: str = "prediction") -> FloatArray:
    """Evaluate `model` on `data`.

    `output="score"` gives the sum of the terms (the raw score: log-odds for a logistic
    link); `output="prediction"` (default) gives the link applied to it. A `Multiclass`
    model gives (rows, K) arrays: the K scores (rule M1) or the softmax (M2-M4).
    """
    if output not in ("score", "prediction"):
        raise ValueError("output must be 'score' or 'prediction'")
    if isinstance(model, Multiclass):
        scores = np.stack([_score(m, data) for m in model.class_models()], axis=1)
        return scores if output == "score" else softmax(scores)
    score = _score(model, data)
    return score if output == "score" else apply_link(model.link, score)


def _score(model: Model, data: Any) -> FloatArray:
    contributions = evaluate_terms(model, data)
    score = np.zeros(contributions.shape[0], dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # a sum may reach ±inf (rule 8), or inf - inf
        for k in range(contributions.shape[1]):  # rule 6: in order, left to right
            score = score + contributions[:, k]
    return score


def softmax(scores: FloatArray) -> FloatArray:
    """Rules M2-M4: each row of an (n, K) array of scores as K probabilities."""
    scores = np.asarray(scores, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        top = np.max(scores, axis=1, keepdims=True)  # NaN when any score is NaN (M3)
        shifted = np.exp(scores - top)
        total = np.zeros(scores.shape[0], dtype=np.float64)
        for k in range(scores.shape[1]):  # in class order (M2)
            total = total + shifted[:, k]
        return shifted / total[:, None]
