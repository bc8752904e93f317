"""scikit-learn pipelines: a `ColumnTransformer` (or a single `SplineTransformer`) of
`SplineTransformer`, `OneHotEncoder` and passthrough columns into a linear model
(`LinearRegression`, `Ridge`, `Lasso`, `ElasticNet`, binary `LogisticRegression`).

Each input column's block of transformed features times its block of coefficients is one
shape, computed by the fitted transformer itself (so it is exact by construction):

- SplineTransformer column: a smooth function (distill it); with `degree=1` and
  `extrapolation="constant"` it is exactly a `Curve` through the spline knots;
- OneHotEncoder column: an exact `Table` (a dropped category and, with
  `handle_unknown="ignore"`, an unseen one contribute 0);
- passthrough column: the linear function `coef * x` (distill it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends.additive import Additive, Shape, ShapeFunction
from pwlc.ir import Curve, Input, LinkKind, Table
from pwlc.semantics import Column, FloatArray, category_key

LINEAR_MODELS = ("LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV", "LogisticRegression", "LogisticRegressionCV")


def teacher(pipeline: Any) -> Additive:
    steps = [step for _, step in pipeline.steps if step != "passthrough" and step is not None]
    if len(steps) != 2:
        raise UnsupportedError(f"scikit-learn Pipeline with {len(steps)} steps: pwlc handles a column transformer followed by a linear model")
    transformer, estimator = steps
    kind = type(estimator).__name__
    if kind not in LINEAR_MODELS:
        raise UnsupportedError(f"scikit-learn pipeline ends in {kind}; pwlc handles {', '.join(LINEAR_MODELS)}")
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    if coef.shape[0] != 1:
        raise UnsupportedError(f"{kind} with {coef.shape[0]} outputs or classes: pwlc handles one")
    coef = coef[0]
    intercept = float(np.ravel(estimator.intercept_)[0]) if np.size(estimator.intercept_) else 0.0
    link: LinkKind = "logistic" if kind.startswith("LogisticRegression") else "identity"

    inputs: list[Input] = []
    shapes: list[Shape] = []
    for name, part, columns, block in _parts(transformer):
        part_coef = coef[block]
        part_kind = type(part).__name__
        if part_kind == "SplineTransformer":
            _spline_shapes(part, columns, part_coef, inputs, shapes)
        elif part_kind == "OneHotEncoder":
            _one_hot_shapes(part, columns, part_coef, inputs, shapes)
        elif part == "passthrough" or part_kind == "FunctionTransformer" and part.func is None:
            for k, column in enumerate(columns):
                inputs.append(Input(column, "numeric"))
                shapes.append(Shape((column,), f"passthrough column {column!r}", function=_linear(column, float(part_coef[k]))))
        else:
            raise UnsupportedError(f"column transformer part {name!r} is a {part_kind}; pwlc handles SplineTransformer, OneHotEncoder and passthrough")
    return Additive(tuple(inputs), tuple(shapes), intercept, link, f"a scikit-learn pipeline ending in {kind}")


def _parts(transformer: Any) -> list[tuple[str, Any, list[str], slice]]:
    """(name, fitted transformer, input column names, slice of output features) per part."""
    if type(transformer).__name__ != "ColumnTransformer":
        names = [str(c) for c in getattr(transformer, "feature_names_in_", [f"x{j}" for j in range(transformer.n_features_in_)])]
        return [("all columns", transformer, names, slice(0, None))]
    parts = []
    for name, part, columns in transformer.transformers_:
        if part == "drop":
            continue
        block = transformer.output_indices_[name]
        if block.stop == block.start:
            continue
        if not all(isinstance(c, str) for c in columns):
            raise UnsupportedError(f"column transformer part {name!r} selects columns by position; pwlc needs column names (fit on a DataFrame)")
        parts.append((name, part, list(columns), block))
    return parts


def _frame(part: Any, columns: Sequence[str], values: Mapping[str, FloatArray | list[Any]], rows: int) -> Any:
    """Input for `part.transform`: the given columns, the others at a valid filler value."""
    import pandas as pd

    data = {}
    for k, column in enumerate(columns):
        if column in values:
            data[column] = values[column]
        elif hasattr(part, "categories_"):
            data[column] = [part.categories_[k][0]] * rows
        else:
            data[column] = np.full(rows, float(part.bsplines_[k].t[part.degree]))
    frame = pd.DataFrame(data)
    return frame if hasattr(part, "feature_names_in_") else frame.to_numpy()


def _spline_shapes(part: Any, columns: list[str], coef: FloatArray, inputs: list[Input], shapes: list[Shape]) -> None:
    per_column = len(coef) // len(columns)
    for k, column in enumerate(columns):
        block = slice(k * per_column, (k + 1) * per_column)
        function = _transformed(part, columns, column, block, coef[block])
        description = f"spline of degree {part.degree} on {column!r}"
        inputs.append(Input(column, "numeric"))
        if part.degree == 1 and part.extrapolation == "constant":
            degree = part.degree
            knots = np.asarray(part.bsplines_[k].t[degree:-degree], dtype=np.float64)
            values = function({column: knots})
            curve = Curve(column, tuple(float(x) for x in knots), tuple(float(v) for v in values))
            shapes.append(Shape((column,), description, term=curve))
        else:
            shapes.append(Shape((column,), description, function=function))


def _one_hot_shapes(part: Any, columns: list[str], coef: FloatArray, inputs: list[Input], shapes: list[Shape]) -> None:
    if getattr(part, "infrequent_categories_", None) is not None and any(c is not None for c in part.infrequent_categories_):
        raise UnsupportedError("OneHotEncoder with infrequent categories is not supported")
    drop = getattr(part, "drop_idx_", None)
    start = 0
    unseen = 0.0 if part.handle_unknown != "error" else None
    for k, column in enumerate(columns):
        categories = list(part.categories_[k])
        width = len(categories) - (1 if drop is not None and drop[k] is not None else 0)
        block = slice(start, start + width)
        start += width
        function = _transformed(part, columns, column, block, coef[block])
        values = function({column: categories})
        entries = []
        missing = unseen
        for category, value in zip(categories, values):
            key = category_key(category)
            if key is None:
                missing = float(value)
            else:
                entries.append((key, float(value)))
        table = Table(column, tuple(entries), default=unseen if unseen is not None else 0.0, missing=missing)
        inputs.append(Input(column, "categorical"))
        shapes.append(Shape((column,), f"one-hot column {column!r}", term=table, missing=missing))


def _transformed(part: Any, columns: list[str], column: str, block: slice, coef: FloatArray) -> ShapeFunction:
    def contribution(values: Mapping[str, Column]) -> FloatArray:
        given = values[column]
        rows = len(given)
        features = part.transform(_frame(part, columns, {column: given}, rows))
        features = features.toarray() if hasattr(features, "toarray") else np.asarray(features)
        return np.asarray(features[:, block] @ coef, dtype=np.float64)

    return contribution


def _linear(column: str, slope: float) -> ShapeFunction:
    def contribution(values: Mapping[str, Column]) -> FloatArray:
        return np.asarray(values[column], dtype=np.float64) * slope

    return contribution
