"""One shape per input column and encoder of a scikit-learn pipeline into a linear model.

Every value is the fitted pipeline's own output (`Group.contribution` transforms a batch of
inputs and multiplies the column's features by their coefficients); what this module
decides is where the shape can change and which IR term holds it:

- `OneHotEncoder`: a `Table` of each category's contribution; unseen categories get what
  the encoder gives them (0, or the infrequent column's value; 0 when it raises), a missing
  input what it gives the missing category it learned (None or NaN; scikit-learn tells
  them apart, pwlc reads both as missing), else an unknown one;
- `KBinsDiscretizer`, `SplineTransformer(degree=0)`: a `Step`, its edges where the
  scalers and imputers before the encoder carry the input onto a bin edge (found to the
  last bit by bisection on the fitted steps), a value on an edge in the upper bin;
- `SplineTransformer(degree=1)` with constant (or error) extrapolation: a `Curve` through
  the knots, carried back the same way;
- a column that reaches the model through scalers and imputers only: `offset + slope * x`
  (`Affine`, the scalers composed in the input's units): a `Linear` term `slope * x`, the
  offset in the intercept (`pwlc.frontends.sklearn.linear`), exact up to rounding (the
  pipeline computes `(x - mean) / scale * coef`, pwlc `coef / scale * x`);
- other splines (degree >= 2, periodic, linear extrapolation): exact functions for
  `pwlc.distill`.

A missing input gives what the pipeline gives for NaN (an imputer's fill, a spline's
`handle_missing="zeros"`), or no value when the pipeline raises.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Affine, Shape, linear_shape
from pwlc.frontends.sklearn.trace import Feature, Inputs, elementwise
from pwlc.frontends.steps import lowest_reaching, merged_step
from pwlc.ir import Curve, Table
from pwlc.semantics import Column, FloatArray, category_key

UNSEEN = "\x00unseen category"  # a category no encoder has seen

@dataclass(frozen=True)
class Group:
    """The features of one input column that pass through one encoder (or none)."""

    column: int
    name: str
    features: tuple[Feature, ...]
    outputs: tuple[int, ...]  # positions among the final estimator's features
    transform: Callable[[Any], Any]  # the fitted pipeline up to the estimator
    coef: FloatArray
    inputs: Inputs

    @property
    def encoder(self) -> Any:
        return next((f.encoder for f in self.features if not f.indicator), None)

    @property
    def prefix(self) -> tuple[tuple[Any, int], ...]:
        return next((f.prefix for f in self.features if not f.indicator), ())

    def contribution(self, values: Sequence[Any] | FloatArray) -> FloatArray:
        """This group's part of the linear predictor for each value of its column."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            transformed = self.transform(self.inputs.table(self.column, values))
        transformed = transformed.toarray() if hasattr(transformed, "toarray") else np.asarray(transformed, dtype=np.float64)
        return np.asarray(transformed[:, list(self.outputs)] @ self.coef[list(self.outputs)], dtype=np.float64)

    def at(self, value: Any) -> float | None:
        """The contribution at one value, None where the pipeline refuses it (or passes a
        NaN on, as the scalers do)."""
        try:
            result = float(self.contribution([value])[0])
        except ValueError:
            return None
        return None if math.isnan(result) else result


def shape(group: Group) -> Shape:
    """The exact term of `group`, or the function distillation fits."""
    encoder = group.encoder
    kind = type(encoder).__name__
    name = group.name
    if encoder is None:
        return _linear(group)
    if kind == "OneHotEncoder":
        table = _table(group)
        return Shape((name,), f"OneHotEncoder column {name!r}", term=table, missing=table.missing)
    description = f"{kind} column {name!r}"
    missing = group.at(math.nan)
    if kind == "KBinsDiscretizer":
        if encoder.dtype not in (None, np.float64):
            raise UnsupportedError(f"{description}: KBinsDiscretizer(dtype={encoder.dtype.__name__}) compares in lower precision; use dtype=None, or {advice.black_box(None)}")
        edges = encoder.bin_edges_[group.features[0].encoder_index][1:-1]
        return Shape((name,), description, term=_step(group, edges, missing), missing=missing)
    degree, extrapolation = int(encoder.degree), str(encoder.extrapolation)
    knots = np.asarray(encoder.bsplines_[group.features[0].encoder_index].t, dtype=np.float64)
    base = knots[degree : len(knots) - degree] if degree else knots
    description = f"SplineTransformer(degree={degree}, extrapolation={extrapolation!r}) column {name!r}"
    if extrapolation != "periodic" and degree == 0:
        return Shape((name,), description, term=_step(group, base, missing), missing=missing)
    if extrapolation in ("constant", "error") and degree == 1:
        return Shape((name,), description, term=_curve(group, base, missing), missing=missing)
    if extrapolation == "periodic":
        why = "is periodic (it repeats without end)"
    elif degree == 1:
        why = f"is linear beyond its end knots (extrapolation={extrapolation!r}) where a pwlc curve is flat"
    else:
        why = f"is a smooth spline of degree {degree}"
    instead = f"use SplineTransformer(degree=1, extrapolation='constant') for an exact lowering, or {advice.DISTILL}"
    return Shape((name,), description, function=_function(group), missing=missing, inexact=why, instead=instead)


def _function(group: Group) -> Callable[[Mapping[str, Column]], FloatArray]:
    def contribution(columns: Mapping[str, Column]) -> FloatArray:
        x = np.asarray(columns[group.name], dtype=np.float64)
        out = np.full(x.shape, np.nan)
        present = ~np.isnan(x)
        out[present] = group.contribution(_inside(group, x[present]))
        if (~present).any():
            missing = group.at(math.nan)
            out[~present] = np.nan if missing is None else missing
        return out

    return contribution


def _reach(group: Group, targets: Sequence[float] | FloatArray) -> FloatArray:
    """Where the raw input reaches each target of the encoder's input (its smallest such
    float64), through the steps before the encoder."""
    if not group.prefix:
        return np.asarray(targets, dtype=np.float64)
    return lowest_reaching(elementwise(group.prefix), targets)


def _raw(group: Group, targets: Sequence[float] | FloatArray) -> list[float]:
    return sorted({float(x) for x in _reach(group, targets) if math.isfinite(x)})


def _inside(group: Group, x: FloatArray) -> FloatArray:
    """x moved into the knots' range for a spline that raises outside it (there the
    library gives no value; pwlc's term holds its end value)."""
    encoder = group.encoder
    if type(encoder).__name__ != "SplineTransformer" or encoder.extrapolation != "error":
        return x
    knots = encoder.bsplines_[group.features[0].encoder_index].t
    first, last = knots[encoder.degree], knots[len(knots) - 1 - encoder.degree]
    low, beyond = _reach(group, [first, math.nextafter(last, math.inf)])
    return np.clip(x, low, math.nextafter(beyond, -math.inf))


def _step(group: Group, edges: Sequence[float] | FloatArray, missing: float | None) -> Any:
    return merged_step(group.name, _raw(group, edges), "upper", lambda x: group.contribution(_inside(group, x)), missing)


def _curve(group: Group, knots: FloatArray, missing: float | None) -> Curve:
    xs = _raw(group, knots)
    ys = group.contribution(np.asarray(xs))
    return Curve(group.name, tuple(xs), tuple(float(v) for v in ys), missing=missing)


def _table(group: Group) -> Table:
    encoder = group.encoder
    categories = list(encoder.categories_[group.features[0].encoder_index])
    present = [c for c in categories if category_key(c) is not None]
    learned_missing = [c for c in categories if category_key(c) is None]
    values = group.contribution(present) if present else np.zeros(0)
    entries = tuple((str(category_key(c)), float(v)) for c, v in zip(present, values))
    numeric = encoder.categories_[group.features[0].encoder_index].dtype != object
    unseen_value = (max((float(c) for c in present), default=0.0) + 1.5) if numeric else UNSEEN
    default = group.at(unseen_value)
    missing_values = {group.at(c) for c in learned_missing} if learned_missing else {group.at(math.nan)}
    if len(missing_values) > 1:
        raise UnsupportedError(
            f"OneHotEncoder column {group.name!r} learned None and NaN as two categories with different values, and pwlc reads both as missing; "
            "make them one (fillna, or SimpleImputer(strategy='constant') before the encoder) and refit"
        )
    return Table(group.name, entries, default=0.0 if default is None else default, missing=missing_values.pop())


def _linear(group: Group) -> Shape:
    description = ", ".join(dict.fromkeys(type(step).__name__ for step, _ in group.prefix)) or "passthrough"
    return linear_shape(group.name, f"{description} column {group.name!r}", _affine(group), group.at(math.nan))


def _affine(group: Group) -> Affine:
    """offset + slope * x for a present x: each feature's scalers composed, times its
    coefficient (a missing-value indicator is 0 before its scalers)."""
    offset, slope = 0.0, 0.0
    for k, feature in zip(group.outputs, group.features):
        a, b = 0.0, 1.0
        for step, j in feature.prefix:
            step_a, step_b = _step_affine(step, j)
            a, b = step_a + step_b * a, step_b * b
        offset += float(group.coef[k]) * a
        slope += 0.0 if feature.indicator else float(group.coef[k]) * b
    return Affine(offset, slope)


def _step_affine(step: Any, j: int) -> tuple[float, float]:
    """A scaler's map of column j as (a, b): x -> a + b * x."""
    kind = type(step).__name__
    if kind == "StandardScaler":
        mean = float(step.mean_[j]) if step.with_mean else 0.0
        scale = float(step.scale_[j]) if step.with_std else 1.0
        return -mean / scale, 1.0 / scale
    if kind == "MinMaxScaler":
        return float(step.min_[j]), float(step.scale_[j])
    if kind == "MaxAbsScaler":
        return 0.0, 1.0 / float(step.scale_[j])
    if kind == "RobustScaler":
        center = float(step.center_[j]) if step.with_centering else 0.0
        scale = float(step.scale_[j]) if step.with_scaling else 1.0
        return -center / scale, 1.0 / scale
    return 0.0, 1.0  # SimpleImputer, identity FunctionTransformer
