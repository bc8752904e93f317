"""Distilling a model pwlc has no frontend for, through its predictions.

`scorer` turns the model into a function giving its score on the link's scale for a frame:

- a classifier (an object with `predict_proba` or `classes_`; binary): its log-odds, with a
  logistic link. `decision_function` when the model has one and its logistic equals
  `predict_proba` (exact log-odds, never clipped); else the logit of `predict_proba`;
- any other object with `predict` (a regressor): its predictions, identity link unless
  another is asked for (`link="exp"` fits log(predict), for a Poisson-like target);
- a plain function `f(X) -> scores`: its output, on the scale of `link` (identity unless
  given: "logistic" when it returns probabilities).

`partial_dependence` then makes an additive teacher of it: each column's partial
dependence (the mean score over background rows with that column set to each probe
value), centred on the data, plus the mean score as intercept. Probe values are taken from
the frame's own rows, so each column keeps its dtype (pandas `category`, nullable
integers, strings) and the model sees frames like the ones it was trained on.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from pwlc.errors import DataError, UnsupportedError
from pwlc.frontends.additive import Additive, Shape
from pwlc.ir import Input, LinkKind, Model, Table
from pwlc.semantics import FloatArray, category_key

Progress = Callable[[int, int, str], None]
Scorer = Callable[[Any], FloatArray]

BACKGROUND_ROWS = 200
GRID_POINTS = 64
SEED = 0
# Probabilities are clipped to [PROBABILITY_CLIP, 1 - PROBABILITY_CLIP] before the logit.
PROBABILITY_CLIP = 1e-12


def is_black_box(model: Any) -> bool:
    """Whether `model` is distilled through its predictions: a callable, or an object with
    `predict`, `predict_proba` or `decision_function`, that no frontend reads."""
    from collections.abc import Mapping

    from pwlc.frontends import FRONTENDS

    if isinstance(model, (Additive, Model, Mapping)):
        return False
    kind = type(model)
    if (kind.__module__.split(".")[0], kind.__name__) in FRONTENDS:
        return False
    return has_predictions(model)


def has_predictions(model: Any) -> bool:
    """Whether `model` can be distilled through its predictions at all."""
    return callable(model) or any(hasattr(model, method) for method in ("predict", "predict_proba", "decision_function"))


def scorer(model: Any, link: LinkKind | None, sample: Any) -> tuple[Scorer, LinkKind, str]:
    """The function giving `model`'s score (before the link) for a frame, the link, and
    what the model is (for the distilled model's description). `sample`: a few rows to
    check what the model returns."""
    owner = getattr(model, "__self__", None) if inspect.ismethod(model) else None
    if owner is not None and _is_classifier(owner):
        method = model.__name__
        if method in ("predict_proba", "decision_function"):
            model = owner
        elif method == "predict":
            raise UnsupportedError(
                f"{type(owner).__name__}.predict returns class labels, not scores; "
                "pass the classifier itself to distill its log-odds: pwlc.distill(model, X)"
            )
    if not inspect.isroutine(model) and _is_classifier(model):
        return _classifier(model, link, sample)
    if not inspect.isroutine(model) and hasattr(model, "predict"):
        chosen: LinkKind = link or "identity"
        return _checked(model.predict, chosen, f"{type(model).__name__}.predict"), chosen, f"a {type(model).__name__} (black box)"
    if callable(model):
        chosen = link or "identity"
        name = getattr(model, "__qualname__", None) or type(model).__name__
        return _checked(model, chosen, name), chosen, f"a black-box {name}"
    raise UnsupportedError(
        f"{type(model).__name__} has no predict, predict_proba or decision_function to distill; "
        "pass a function that returns one score per row: pwlc.distill(lambda X: ..., X)"
    )


def class_scorers(model: Any, link: LinkKind | None, sample: Any) -> tuple[tuple[str, ...], list[Scorer], str] | None:
    """A classifier of 3 or more classes (or its `predict_proba`), which pwlc distills as a
    `Multiclass`: its class names and, for each class, the log of its probability minus
    the mean of the classes' logs (their softmax is predict_proba again: a shift common to
    every class changes nothing), and what it is; None for any other model."""
    owner: Any = model.__self__ if inspect.ismethod(model) and model.__name__ == "predict_proba" else model
    classes = getattr(owner, "classes_", None)
    if inspect.isroutine(owner) or not hasattr(owner, "predict_proba") or classes is None or np.ndim(classes) != 1 or len(classes) < 3:
        return None
    kind = type(owner).__name__
    if link is not None:
        raise UnsupportedError(f"link={link!r}: {kind} has {len(classes)} classes, distilled as one score a class under a softmax; leave link out")
    from pwlc.frontends.additive import class_names

    def log_probabilities(data: Any) -> FloatArray:
        found = np.asarray(owner.predict_proba(data), dtype=np.float64)
        if found.ndim != 2 or found.shape[1] != len(classes):
            raise UnsupportedError(f"{kind}.predict_proba returns shape {found.shape} for {len(classes)} classes; pwlc needs one column a class")
        logs = np.log(np.clip(found, PROBABILITY_CLIP, 1.0))
        return logs - logs.mean(axis=1, keepdims=True)

    log_probabilities(sample)  # the shape, checked once
    def column(k: int) -> Scorer:
        return _checked(lambda data: log_probabilities(data)[:, k], "identity", f"{kind}.predict_proba")

    scorers = [column(k) for k in range(len(classes))]
    return class_names(classes), scorers, f"a {kind} (black box, predict_proba of {len(classes)} classes)"


def _is_classifier(model: Any) -> bool:
    return hasattr(model, "classes_") or hasattr(model, "predict_proba")


def _classifier(model: Any, link: LinkKind | None, sample: Any) -> tuple[Scorer, LinkKind, str]:
    kind = type(model).__name__
    classes = getattr(model, "classes_", None)
    if classes is not None and np.ndim(classes) == 1 and len(classes) != 2:
        raise UnsupportedError(
            f"{kind} has {len(classes)} classes and pwlc distills one score; distill each class against "
            "the rest: pwlc.distill(lambda X: model.predict_proba(X)[:, k], X, link='logistic')"
        )
    chosen: LinkKind = link or "logistic"
    proba = getattr(model, "predict_proba", None)
    decision = getattr(model, "decision_function", None)
    if chosen == "logistic" and decision is not None:
        margin = np.asarray(decision(sample), dtype=np.float64)
        if margin.ndim == 1 and (proba is None or _logistic_of(margin, _positive(proba(sample), kind))):
            return _checked(decision, "identity", f"{kind}.decision_function"), chosen, f"a {kind} (black box, its decision_function as log-odds)"
    if proba is None:
        raise UnsupportedError(
            f"{kind} has no predict_proba to distill with link={chosen!r}; use link='logistic' "
            "(its decision_function is then taken as the log-odds)"
        )

    def positive(data: Any) -> FloatArray:
        return _positive(proba(data), kind)

    return _checked(positive, chosen, f"{kind}.predict_proba"), chosen, f"a {kind} (black box, predict_proba of {classes[1] if classes is not None else 'class 1'!r})"


def _positive(probabilities: Any, kind: str) -> FloatArray:
    """The probability of the second class from predict_proba's (rows, 2) output."""
    array = np.asarray(probabilities, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 2:
        return array[:, 1]
    if array.ndim == 1:
        return array
    raise UnsupportedError(
        f"{kind}.predict_proba returns {array.shape[1:]} columns per row; pwlc distills one score: "
        "pwlc.distill(lambda X: model.predict_proba(X)[:, k], X, link='logistic')"
    )


def _logistic_of(margin: FloatArray, probability: FloatArray) -> bool:
    """Whether probability = 1 / (1 + exp(-margin)) (to the rounding of either)."""
    with np.errstate(over="ignore"):
        return bool(np.allclose(1.0 / (1.0 + np.exp(-margin)), probability, rtol=1e-9, atol=1e-12))


def _checked(predict: Callable[[Any], Any], link: LinkKind, what: str) -> Scorer:
    """`predict` made into a scorer: one finite score per row, on the link's scale."""

    def scores(data: Any) -> FloatArray:
        out = np.asarray(predict(data), dtype=np.float64)
        if out.ndim > 1 and out.shape[1:] != (1,) or out.size != len(data):
            raise DataError(
                f"{what} returned an array of shape {out.shape} for {len(data)} rows; "
                "pass a function that returns one score per row"
            )
        out = _inverse_link(link, out.ravel())
        bad = int(np.count_nonzero(~np.isfinite(out)))
        if bad:
            raise DataError(f"{what} returned {bad} non-finite score(s) for {len(data)} rows; pwlc fits finite scores: distill it on rows where it gives them")
        return out

    return scores


def _inverse_link(link: str, values: FloatArray) -> FloatArray:
    """The score whose link gives `values` (what the model returns)."""
    if link == "identity":
        return values
    if link == "logistic":
        p = np.clip(values, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
        return np.log(p) - np.log1p(-p)
    if link == "exp":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(values)  # a value <= 0 has no log: refused as non-finite
    raise UnsupportedError(f"unknown link {link!r}; use 'identity', 'logistic' or 'exp'")


def partial_dependence(score: Scorer, frame: Any, link: LinkKind, description: str, progress: Progress | None) -> tuple[Additive, FloatArray]:
    """An additive teacher from a black box: each column's partial dependence (centred on
    the data), the mean score as intercept; and the black box's scores on `frame`."""
    rng = np.random.default_rng(SEED)
    background = frame.iloc[np.sort(rng.choice(len(frame), size=min(len(frame), BACKGROUND_ROWS), replace=False))]
    inputs = []
    shapes = []
    for done, name in enumerate(frame.columns, start=1):
        column = frame[name]
        categorical = _is_categorical(column)
        points, rows = _probes(column, categorical)
        missing_rows = np.flatnonzero(column.isna().to_numpy())
        probes = rows + ([int(missing_rows[0])] if missing_rows.size else [])
        repeated = background.iloc[np.repeat(np.arange(len(background)), len(probes))].copy()
        # Values taken from the column's own rows: the probes keep its dtype.
        repeated[name] = column.iloc[np.tile(probes, len(background))].array
        dependence = score(repeated).reshape(len(background), len(probes)).mean(axis=0)
        values = dependence[: len(points)]
        missing = float(dependence[-1]) if missing_rows.size else None
        centre = float(np.average(values, weights=_represented(column, points, categorical))) if points else 0.0
        values = values - centre
        missing = None if missing is None else missing - centre
        label = f"partial dependence on {name!r}"
        if categorical:
            table = Table(str(name), tuple((str(k), float(v)) for k, v in zip(points, values)), default=0.0, missing=missing)
            inputs.append(Input(str(name), "categorical"))
            shapes.append(Shape((str(name),), label, term=table, missing=missing))
        else:
            inputs.append(Input(str(name), "numeric"))
            shapes.append(Shape((str(name),), label, function=_interpolator(str(name), np.array(points, dtype=np.float64), values), missing=missing))
        if progress is not None:
            progress(done, len(frame.columns), label)
    partial = Additive(tuple(inputs), tuple(shapes), 0.0, link, f"{description} (partial dependence)")
    observed = score(frame)
    intercept = float(np.mean(observed - partial.score(frame))) if len(frame) else 0.0  # least-squares level
    return replace(partial, intercept=intercept if math.isfinite(intercept) else 0.0), observed


def _is_categorical(column: Any) -> bool:
    """Strings, objects, pandas categories and booleans are categories (a boolean is the
    category "True"/"False"); other numbers are numeric."""
    import pandas as pd

    return not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _probes(column: Any, categorical: bool) -> tuple[list[Any], list[int]]:
    """The probe points (category keys, or numbers) and, for each, a row holding it."""
    if categorical:
        first: dict[str, int] = {}
        for row, value in enumerate(column.to_numpy(dtype=object)):
            key = category_key(value)
            if key is not None and key not in first:
                first[key] = row
        return list(first), list(first.values())
    x = column.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.flatnonzero(np.isfinite(x))
    if finite.size == 0:
        return [], []
    ordered = finite[np.argsort(x[finite], kind="stable")]
    # Data values at GRID_POINTS quantiles (values of the column itself, not interpolations).
    picks = np.unique(np.round(np.linspace(0, ordered.size - 1, GRID_POINTS)).astype(np.intp))
    rows = ordered[picks]
    points, at = np.unique(x[rows], return_index=True)
    return [float(p) for p in points], [int(r) for r in rows[at]]


def _represented(column: Any, points: list[Any], categorical: bool) -> FloatArray:
    """How many rows of the data each probe point stands for."""
    if categorical:
        counts: dict[str, int] = {}
        for value in column.to_numpy(dtype=object):
            key = category_key(value)
            if key is not None:
                counts[key] = counts.get(key, 0) + 1
        return np.array([float(counts.get(p, 0)) for p in points]) + 1e-12
    x = column.to_numpy(dtype=np.float64, na_value=np.nan)
    x = x[np.isfinite(x)]
    grid = np.asarray(points, dtype=np.float64)
    middles = (grid[1:] + grid[:-1]) / 2
    return np.bincount(np.searchsorted(middles, x), minlength=grid.size).astype(np.float64) + 1e-12


def _interpolator(name: str, xs: FloatArray, ys: FloatArray) -> Callable[[Any], FloatArray]:
    def shape(columns: Any) -> FloatArray:
        return np.interp(np.asarray(columns[name], dtype=np.float64), xs, ys)

    return shape
