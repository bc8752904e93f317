"""Distillation: a trained model (or an IR model) -> an IR model of few-knot curves.

    student = pwlc.distill(ebm, X, segments=3)

Each term of the teacher (see `pwlc.frontends.teacher`) becomes:

- numeric shape -> a piecewise-linear `Curve` from `pwlc.fit`, fitted to the teacher's
  contribution at every distinct value of the feature in `X`, weighted by how often the
  value occurs (so the curve is good where the data is). Smooth shapes (splines, linear
  terms) are also sampled finely over the data range, with a small share of the weight, so
  the curve follows them between data values. The teacher's value for a missing input is
  carried over;
- categorical table -> kept as it is (already exact and small);
- pair -> a small bilinear `Grid` (knots at data quantiles on numeric axes, categories
  kept), its cell values fitted by weighted least squares to the teacher's pair on `X`;
- the intercept and link are carried over.

A black-box callable `f(X) -> scores` is distilled through partial dependence: one curve
(or table) per feature, then the joint `refit` pass on the callable's scores.

Lossy: `distill_report` returns the error each term introduced (RMS and max on `X`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pwlc.errors import DataError, UnsupportedError
from pwlc.frontends import teacher as as_teacher
from pwlc.frontends.additive import Additive, Shape
from pwlc.ir import (
    MAX_VALUE,
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Input,
    KnotAxis,
    LinkKind,
    Model,
    StepAxis,
    Table,
    Term,
    verify,
)
from pwlc.semantics import Column, FloatArray, grid_values

Progress = Callable[[int, int, str], None]

# Smooth shapes are also sampled at this many points across the data range, together
# carrying this share of the data's weight.
FINE_SAMPLES = 256
FINE_WEIGHT = 0.05


@dataclass(frozen=True)
class TermError:
    """What distilling one term cost, measured on the rows of `X` where it is defined."""

    description: str
    rms: float
    max: float


@dataclass(frozen=True)
class Distillation:
    """The distilled model and what each term's fit cost (before any joint refit)."""

    model: Model
    errors: tuple[TermError, ...]


def distill(
    model_or_ir: Any,
    X: Any,
    *,
    segments: int | None = None,
    tol: float | None = None,
    mono: str = "auto",
    fx: str = "auto",
    pair_knots: int = 4,
    refit: bool = False,
    link: LinkKind = "identity",
    feature_names: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Model:
    """Distill a trained model, an IR `Model` or a black-box callable into a compact IR.

    `X`: the data the curves are fitted on (DataFrame or mapping of columns). `segments`:
    linear pieces per curve (None: chosen per curve by the fitter, within `tol` RMS when
    given). `mono`, `fx`: passed to the fitter. `pair_knots`: knots per numeric axis of a
    pair grid. `refit`: re-solve all values jointly against the teacher's scores at the end.
    `link` (black-box only): the link the callable's output is on ("logistic" when it
    returns probabilities). `feature_names`: names for a model trained on a bare array
    (default: the columns of `X`). `progress(done, total, what)` is called after each term.
    """
    return _distill(model_or_ir, X, feature_names, progress, measure=False, segments=segments, tol=tol, mono=mono, fx=fx, pair_knots=pair_knots, refit=refit, link=link).model


def distill_report(
    model_or_ir: Any,
    X: Any,
    *,
    segments: int | None = None,
    tol: float | None = None,
    mono: str = "auto",
    fx: str = "auto",
    pair_knots: int = 4,
    refit: bool = False,
    link: LinkKind = "identity",
    feature_names: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Distillation:
    """`distill`, with the error each term introduced on `X`."""
    return _distill(model_or_ir, X, feature_names, progress, measure=True, segments=segments, tol=tol, mono=mono, fx=fx, pair_knots=pair_knots, refit=refit, link=link)


def _distill(
    model_or_ir: Any,
    X: Any,
    feature_names: Sequence[str] | None,
    progress: Progress | None,
    *,
    measure: bool,
    segments: int | None,
    tol: float | None,
    mono: str,
    fx: str,
    pair_knots: int,
    refit: bool,
    link: LinkKind,
) -> Distillation:
    """The work of `distill_report`; the per-term errors (a pass over every row per term)
    only when `measure`."""
    if segments is not None and segments < 1:
        raise UnsupportedError(f"segments must be at least 1, not {segments}")
    if tol is not None and not tol > 0:
        raise UnsupportedError(f"tol must be positive, not {tol}")
    if pair_knots < 2:
        raise UnsupportedError(f"pair_knots must be at least 2, not {pair_knots}")
    frame = _frame(X, feature_names)
    fit_options = {"segments": segments, "tol": tol, "mono": mono, "fx": fx}
    target: FloatArray | None = None  # what refit fits: the black box's own scores
    if _is_black_box(model_or_ir):
        teacher, target = _partial_dependence(model_or_ir, frame, link, progress)
        refit = True
    else:
        teacher = as_teacher(_named(model_or_ir, feature_names or [str(c) for c in frame.columns]))
    columns, rows = teacher.columns(frame)
    terms: list[Term] = _intercept(teacher.intercept)
    errors = []
    kinds = {declared.name: declared.kind for declared in teacher.inputs}
    for done, shape in enumerate(teacher.shapes, start=1):
        term = _distill_shape(shape, kinds, columns, rows, fit_options, pair_knots)
        terms.append(term)
        if measure:
            errors.append(_term_error(shape, term, columns, rows))
        if progress is not None:
            progress(done, len(teacher.shapes), shape.description)
    doc = f"Distilled by pwlc ({_size_text(segments, tol)}) from {teacher.doc}."
    student = verify(Model(teacher.inputs, tuple(terms), teacher.link, teacher.name, doc))
    if refit:
        student = _refit(student, frame, teacher.score(frame) if target is None else target)
    return Distillation(student, tuple(errors))


def _intercept(value: float) -> list[Term]:
    """The teacher's intercept as constant terms: none for 0, two halves (exact) when it
    is beyond the range one value may hold (the teacher's constants summed)."""
    if value == 0.0:
        return []
    if abs(value) > MAX_VALUE and math.isfinite(value):
        return [Constant(value / 2), Constant(value / 2)]
    return [Constant(value)]


def _size_text(segments: int | None, tol: float | None) -> str:
    if segments is not None:
        return f"{segments} segments per curve"
    return f"RMS tolerance {tol} per curve" if tol is not None else "segments chosen per curve"


def _frame(X: Any, names: Sequence[str] | None) -> Any:
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, np.ndarray):
        if X.ndim != 2 or names is None or len(names) != X.shape[1]:
            raise DataError(f"X is a {X.ndim}-d array: pass a DataFrame with named columns, or feature_names= with one name per column")
        return pd.DataFrame(X, columns=list(names))
    try:
        return pd.DataFrame(dict(X))
    except (TypeError, ValueError) as exc:
        raise DataError(f"X must be a DataFrame or a mapping of column name to values ({exc})") from None


def _named(model: Any, names: Sequence[str]) -> Any:
    """Models trained on bare arrays (pygam) take their feature names from the data."""
    if type(model).__module__.split(".")[0] == "pygam":
        from pwlc.frontends import pygam

        return pygam.Named(model, tuple(names))
    return model


def _is_black_box(model: Any) -> bool:
    from pwlc.frontends import FRONTENDS

    kind = type(model)
    known = (kind.__module__.split(".")[0], kind.__name__) in FRONTENDS
    return callable(model) and not known and not isinstance(model, (Additive, Model))


# --- one term ---------------------------------------------------------------------------


def _distill_shape(
    shape: Shape,
    kinds: Mapping[str, str],
    columns: dict[str, Column],
    rows: int,
    fit_options: dict[str, Any],
    pair_knots: int,
) -> Term:
    if len(shape.features) == 2:
        return _distill_pair(shape, columns, rows, pair_knots)
    (name,) = shape.features
    if kinds[name] == "categorical":
        if not isinstance(shape.term, Table):
            raise UnsupportedError(f"{shape.description}: a categorical shape needs an exact table")
        return shape.term
    return _distill_curve(shape, name, np.asarray(columns[name], dtype=np.float64), fit_options)


def _distill_curve(shape: Shape, name: str, x: FloatArray, fit_options: dict[str, Any]) -> Curve:
    from pwlc.fit import fit_curve

    finite = x[np.isfinite(x)]
    if finite.size == 0:
        raise DataError(f"{shape.description}: the data has no finite value of {name!r} to fit a curve to")
    values, counts = np.unique(finite, return_counts=True)
    weights = counts.astype(np.float64)
    if shape.term is None and values.size > 1:  # smooth: follow it between data values too
        fine = np.linspace(values[0], values[-1], FINE_SAMPLES)
        values = np.concatenate([values, fine])
        weights = np.concatenate([weights, np.full(FINE_SAMPLES, FINE_WEIGHT * weights.sum() / FINE_SAMPLES)])
    target = shape.values({name: values}, values.size)
    if values.size == 1 or np.ptp(target) == 0.0:
        curve = Curve(name, (float(values.min()),), (float(target[0]),))
    else:
        curve = fit_curve(values, target, weights, feature=name, **fit_options)
    return replace(curve, feature=name, missing=shape.missing)


def _distill_pair(shape: Shape, columns: dict[str, Column], rows: int, pair_knots: int) -> Grid:
    grid = shape.term
    if not isinstance(grid, Grid):
        raise UnsupportedError(f"{shape.description}: a pair needs a grid of cells")
    a, b = columns[grid.a.feature], columns[grid.b.feature]
    axes = (_knot_axis(grid.a, a, pair_knots), _knot_axis(grid.b, b, pair_knots))
    target = shape.values(columns, rows)
    present = np.isfinite(target) & ~_missing(a) & ~_missing(b)
    # The grid is linear in its cell values: one basis column per cell, from the evaluator.
    cells = [(i, j) for i in range(axes[0].size) for j in range(axes[1].size)]
    basis = np.empty((int(present.sum()), len(cells)))
    rows_a, rows_b = _select(a, present), _select(b, present)
    for k, (i, j) in enumerate(cells):
        unit = tuple(tuple(1.0 if (r, c) == (i, j) else 0.0 for c in range(axes[1].size)) for r in range(axes[0].size))
        basis[:, k] = grid_values(Grid(axes[0], axes[1], unit), rows_a, rows_b)
    solution = _least_squares(basis, target[present]) if basis.size else np.zeros(len(cells))
    values = tuple(tuple(float(solution[i * axes[1].size + j]) for j in range(axes[1].size)) for i in range(axes[0].size))
    missing_a = _distill_missing_line(grid.missing_a, grid.b, axes[1], b)
    missing_b = _distill_missing_line(grid.missing_b, grid.a, axes[0], a)
    return Grid(axes[0], axes[1], values, grid.missing, missing_a, missing_b)


def _distill_missing_line(line: tuple[float, ...] | None, old: Any, new: Any, other: Column) -> tuple[float, ...] | None:
    """A teacher grid's missing row (column) moved from axis `old` to axis `new`: least
    squares over the data's values of the other input."""
    if line is None:
        return None
    present = ~_missing(other)
    if not present.any():  # nothing to fit on: keep the line where its axis is unchanged
        return line if old == new else None
    x = _select(other, present)
    target = _line_values(old, line, x)
    basis = np.column_stack([_line_values(new, tuple(unit), x) for unit in np.eye(new.size)])
    return tuple(float(v) for v in _least_squares(basis, target))


def _least_squares(basis: FloatArray, target: FloatArray) -> FloatArray:
    """Least-squares values, within the IR's range (`MAX_VALUE`): a huge target is solved in
    units of a power of two (exact) so that nothing overflows, and an overshoot is clipped."""
    largest = float(np.max(np.abs(target), initial=0.0))
    unit = 2.0 ** math.frexp(largest)[1] if largest > 2.0**500 else 1.0
    solution = np.linalg.lstsq(basis, target / unit, rcond=None)[0]
    return np.clip(solution * unit, -MAX_VALUE, MAX_VALUE)


def _line_values(axis: Any, line: tuple[float, ...], column: Column) -> FloatArray:
    """A grid row read along `axis` (rule 5) at the values in `column`."""
    row = Grid(StepAxis("", (), "upper"), axis, (line,))
    return grid_values(row, np.zeros(len(column)), column)


def _knot_axis(axis: Any, column: Column, knots: int) -> Any:
    if isinstance(axis, CategoryAxis):
        return axis
    if not isinstance(axis, (StepAxis, KnotAxis)):
        raise UnsupportedError(f"cannot distill a grid axis of type {type(axis).__name__}")
    x = np.asarray(column, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise DataError(f"the data has no finite value of {axis.feature!r} to place grid knots on")
    positions = np.unique(np.quantile(x, np.linspace(0.0, 1.0, knots)))
    return KnotAxis(axis.feature, tuple(float(p) for p in positions))


def _missing(column: Column) -> np.ndarray:
    if isinstance(column, np.ndarray):
        return np.isnan(column)
    return np.array([key is None for key in column], dtype=bool)


def _select(column: Column, keep: np.ndarray) -> Column:
    if isinstance(column, np.ndarray):
        return column[keep]
    return [key for key, kept in zip(column, keep) if kept]


def _term_error(shape: Shape, term: Term, columns: dict[str, Column], rows: int) -> TermError:
    from pwlc.semantics import term_values

    change = np.abs(term_values(term, columns, rows) - shape.values(columns, rows))
    change = change[np.isfinite(change)]
    if change.size == 0:
        return TermError(shape.description, 0.0, 0.0)
    return TermError(shape.description, float(np.sqrt(np.mean(change**2))), float(change.max()))


def _refit(student: Model, frame: Any, scores: FloatArray) -> Model:
    from pwlc.passes import optimize

    refitted, _ = optimize(student, "refit", data=frame, teacher=scores)
    return refitted


# --- black box -----------------------------------------------------------------------------

BACKGROUND_ROWS = 200
GRID_POINTS = 64
SEED = 0


def _partial_dependence(predict: Callable[[Any], Any], frame: Any, link: LinkKind, progress: Progress | None) -> tuple[Additive, FloatArray]:
    """An additive teacher from a black box: each feature's partial dependence (on the
    link's scale, centred on the data), plus the mean score as intercept; and the black
    box's scores on `frame`."""
    import pandas as pd

    rng = np.random.default_rng(SEED)
    background = frame.iloc[np.sort(rng.choice(len(frame), size=min(len(frame), BACKGROUND_ROWS), replace=False))]

    def scores(data: Any) -> FloatArray:
        out = np.asarray(predict(data), dtype=np.float64).ravel()
        if out.size != len(data):
            raise DataError(f"the model returned {out.size} values for {len(data)} rows")
        return _inverse_link(link, out)

    inputs = []
    shapes = []
    for done, name in enumerate(frame.columns, start=1):
        column = frame[name]
        categorical = not pd.api.types.is_numeric_dtype(column)
        if categorical:
            points = list(column.dropna().unique())
        else:
            finite = column.to_numpy(dtype=np.float64)
            finite = finite[np.isfinite(finite)]
            points = list(np.unique(np.quantile(finite, np.linspace(0, 1, GRID_POINTS)))) if finite.size else []
        has_missing = bool(column.isna().any())
        probes = points + ([None if categorical else np.nan] if has_missing else [])
        repeated = background.iloc[np.repeat(np.arange(len(background)), len(probes))].copy()
        repeated[name] = np.tile(np.array(probes, dtype=object if categorical else np.float64), len(background))
        dependence = scores(repeated).reshape(len(background), len(probes)).mean(axis=0)
        values, missing = dependence[: len(points)], (float(dependence[-1]) if has_missing else None)
        centre = float(np.average(values, weights=_nearest_counts(column, points, categorical))) if points else 0.0
        values = values - centre
        missing = None if missing is None else missing - centre
        if categorical:
            from pwlc.semantics import category_key

            keys = [category_key(p) for p in points]
            table = Table(str(name), tuple((str(k), float(v)) for k, v in zip(keys, values)), default=0.0, missing=missing)
            inputs.append(Input(str(name), "categorical"))
            shapes.append(Shape((str(name),), f"partial dependence on {name!r}", term=table, missing=missing))
        else:
            inputs.append(Input(str(name), "numeric"))
            shapes.append(Shape((str(name),), f"partial dependence on {name!r}", function=_interpolator(str(name), np.array(points), values), missing=missing))
        if progress is not None:
            progress(done, len(frame.columns), f"partial dependence on {name}")
    partial = Additive(tuple(inputs), tuple(shapes), 0.0, link, f"a black-box {getattr(predict, '__name__', type(predict).__name__)} (partial dependence)")
    observed = scores(frame)
    intercept = float(np.mean(observed - partial.score(frame)))  # least-squares level
    return replace(partial, intercept=intercept if math.isfinite(intercept) else 0.0), observed


def _inverse_link(link: str, values: FloatArray) -> FloatArray:
    """The score whose link gives `values` (the callable's output)."""
    if link == "identity":
        return values
    if link == "logistic":
        p = np.clip(values, 1e-12, 1 - 1e-12)
        return np.log(p) - np.log1p(-p)
    if link == "exp":
        return np.log(np.maximum(values, 1e-300))
    raise UnsupportedError(f"unknown link {link!r}")


def _nearest_counts(column: Any, points: list[Any], categorical: bool) -> FloatArray:
    """How many rows of the data each probe point stands for."""
    if not points:
        return np.zeros(0)
    if categorical:
        counts = column.value_counts()
        return np.array([float(counts.get(p, 0)) for p in points]) + 1e-12
    x = column.to_numpy(dtype=np.float64)
    x = x[np.isfinite(x)]
    grid = np.asarray(points, dtype=np.float64)
    middles = (grid[1:] + grid[:-1]) / 2
    return np.bincount(np.searchsorted(middles, x), minlength=grid.size).astype(np.float64) + 1e-12


def _interpolator(name: str, xs: FloatArray, ys: FloatArray) -> Callable[[Any], FloatArray]:
    def shape(columns: Any) -> FloatArray:
        return np.interp(np.asarray(columns[name], dtype=np.float64), xs, ys)

    return shape


__all__ = ["Distillation", "TermError", "distill", "distill_report"]
