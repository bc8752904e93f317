"""Which input column each feature of a fitted scikit-learn pipeline comes from.

A pipeline in front of a linear model is walked step by step (nested `Pipeline`s and
`ColumnTransformer`s included) and every column it outputs is traced back to one input
column: through elementwise steps (`SimpleImputer`, the scalers) and at most one encoder
(`KBinsDiscretizer`, `OneHotEncoder`, `SplineTransformer`), after which only scalers may
follow. Anything else is refused by name: its outputs could mix input columns.

The values are never recomputed here: `Inputs` builds a table of the pipeline's inputs
and the fitted pipeline itself transforms it, so every shape is the library's own number.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.semantics import FloatArray

SCALERS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler")
ENCODERS = ("KBinsDiscretizer", "OneHotEncoder", "SplineTransformer")
KNOWN_STEPS = "SimpleImputer, StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler, KBinsDiscretizer, OneHotEncoder, SplineTransformer, ColumnTransformer, passthrough"


@dataclass(frozen=True)
class Feature:
    """A column inside the pipeline, as a function of input column `column`.

    `prefix`: the elementwise steps it went through before its encoder (or all of them when
    it has none), each with its position among that step's inputs; `encoder` and
    `encoder_index` likewise; `indicator`: a missing-value indicator of the column.
    """

    column: int
    prefix: tuple[tuple[Any, int], ...] = ()
    encoder: Any = None
    encoder_index: int = 0
    indicator: bool = False


def refuse(what: str, model: Any) -> UnsupportedError:
    return UnsupportedError(
        f"{what}; pwlc lowers pipelines built of {KNOWN_STEPS} in front of a linear model, or {advice.black_box(model)}"
    )


def trace(steps: Sequence[Any], width: int, model: Any) -> list[Feature]:
    """The features that reach the final estimator, each traced to its input column."""
    features = [Feature(j) for j in range(width)]
    for step in steps:
        features = _step(step, features, model)
    return features


def _step(step: Any, features: list[Feature], model: Any) -> list[Feature]:
    kind = type(step).__name__
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return features
    if kind == "Pipeline":
        for _, inner in step.steps:
            features = _step(inner, features, model)
        return features
    if kind == "ColumnTransformer":
        return _column_transformer(step, features, model)
    if kind == "FunctionTransformer" and step.func is None and step.inverse_func is None:
        return features
    if kind == "SimpleImputer":
        return _imputer(step, features, model)
    if kind in SCALERS:
        if kind == "MinMaxScaler" and step.clip:
            raise refuse("MinMaxScaler(clip=True) clamps its output (use clip=False)", model)
        return [replace(f, prefix=(*f.prefix, (step, j))) if f.encoder is None else f for j, f in enumerate(features)]
    if kind in ENCODERS:
        return _encoder(step, features, model)
    raise refuse(f"the pipeline step {kind} may mix input columns", model)


def _column_transformer(step: Any, features: list[Feature], model: Any) -> list[Feature]:
    indices = getattr(step, "_transformer_to_input_indices", None)
    if indices is None:
        raise refuse("this scikit-learn's ColumnTransformer does not say which columns each part reads (scikit-learn >= 1.2 does)", model)
    parts = []
    for name, part, _ in step.transformers_:
        block = step.output_indices_.get(name, slice(0, 0))
        if (isinstance(part, str) and part == "drop") or block.stop == block.start:
            continue
        outputs = _step(part, [features[i] for i in indices[name]], model)
        if len(outputs) != block.stop - block.start:
            raise refuse(f"column transformer part {name!r} gives {block.stop - block.start} columns where pwlc traced {len(outputs)}", model)
        parts.append((block.start, outputs))
    return [f for _, outputs in sorted(parts, key=lambda part: part[0]) for f in outputs]


def _imputer(step: Any, features: list[Feature], model: Any) -> list[Feature]:
    missing_values = step.missing_values
    if not (missing_values is None or (isinstance(missing_values, float) and math.isnan(missing_values))):
        raise refuse(f"SimpleImputer(missing_values={missing_values!r}) treats a value as missing where pwlc's missing is NaN/None; impute NaN instead", model)
    statistics = np.asarray(step.statistics_, dtype=object)
    if not getattr(step, "keep_empty_features", False) and any(isinstance(v, float) and math.isnan(v) for v in statistics):
        raise refuse("SimpleImputer dropped a column with no value at training time", model)
    out = []
    for j, f in enumerate(features):
        if f.encoder is not None:
            raise refuse("a SimpleImputer after an encoder", model)
        out.append(replace(f, prefix=(*f.prefix, (step, j))))
    if step.add_indicator:  # 1 where the column is missing: steps after this one scale it
        out += [Feature(features[j].column, indicator=True) for j in step.indicator_.features_]
    return out


def _encoder(step: Any, features: list[Feature], model: Any) -> list[Feature]:
    kind = type(step).__name__
    counts = _output_counts(step, len(features))
    out = []
    for j, (f, count) in enumerate(zip(features, counts)):
        if f.indicator:  # an encoded indicator still tells only whether the column was missing
            out += [f] * count
            continue
        if f.encoder is not None:
            raise refuse(f"a {kind} after another encoder", model)
        if kind == "OneHotEncoder" and any(type(s).__name__ != "SimpleImputer" for s, _ in f.prefix):
            raise refuse("a OneHotEncoder after a scaler (its categories would be scaled numbers)", model)
        out += [replace(f, encoder=step, encoder_index=j)] * count
    return out


def _output_counts(step: Any, width: int) -> list[int]:
    kind = type(step).__name__
    if kind == "KBinsDiscretizer":
        return [1] * width if step.encode == "ordinal" else [int(n) for n in step.n_bins_]
    if kind == "SplineTransformer":
        return [int(step.n_features_out_) // width] * width
    counts = getattr(step, "_n_features_outs", None)  # OneHotEncoder, after dropping and grouping
    if counts is not None:
        return [int(n) for n in counts]
    drops = step.drop_idx_ if step.drop_idx_ is not None else [None] * width
    return [len(categories) - (drop is not None) for categories, drop in zip(step.categories_, drops)]


@dataclass(frozen=True)
class Inputs:
    """The pipeline's input columns: names, a valid value for each, whether the pipeline
    was fitted on a DataFrame. `table(column, values)` is a batch with one column varied."""

    names: tuple[str, ...]
    fillers: tuple[Any, ...]
    objects: tuple[bool, ...]  # columns passed as object arrays (strings, None)
    frame: bool

    def table(self, column: int, values: Sequence[Any] | FloatArray) -> Any:
        rows = len(values)
        columns = []
        for j in range(len(self.names)):
            dtype = object if self.objects[j] else np.float64
            given = values if j == column else [self.fillers[j]] * rows
            columns.append(np.asarray(list(given) if dtype is object else given, dtype=dtype))
        if self.frame:
            import pandas as pd

            return pd.DataFrame({name: pd.Series(c, dtype=c.dtype) for name, c in zip(self.names, columns)})
        return np.column_stack(columns) if rows else np.empty((0, len(columns)))


def inputs(pipeline: Any, features: list[Feature], width: int) -> Inputs:
    names = getattr(pipeline, "feature_names_in_", None)
    first: dict[int, Feature] = {}
    for f in features:  # the first step reading each column decides its filler
        first.setdefault(f.column, f)
    fillers = [_filler(first[j]) if j in first else 0.0 for j in range(width)]
    objects = [not isinstance(v, (int, float, np.number)) or _object_categories(first.get(j)) for j, v in enumerate(fillers)]
    if any(objects):  # numpy input with strings: the whole array is an object array
        objects = [True] * width if names is None else objects
    return Inputs(tuple(str(n) for n in names) if names is not None else tuple(f"x{j}" for j in range(width)), tuple(fillers), tuple(objects), names is not None)


def _object_categories(feature: Feature | None) -> bool:
    encoder = feature.encoder if feature is not None else None
    return type(encoder).__name__ == "OneHotEncoder" and encoder.categories_[feature.encoder_index].dtype == object  # type: ignore[union-attr]


def _filler(feature: Feature) -> Any:
    """A value of the input column every step accepts: a centre the first step learned."""
    step, j = feature.prefix[0] if feature.prefix else (feature.encoder, feature.encoder_index)
    kind = type(step).__name__
    if kind == "SimpleImputer":
        return step.statistics_[j]
    if kind == "StandardScaler":
        return float(step.mean_[j]) if step.mean_ is not None else 0.0
    if kind == "MinMaxScaler":
        return float(step.data_min_[j])
    if kind == "RobustScaler":
        return float(step.center_[j]) if step.center_ is not None else 0.0
    if kind == "KBinsDiscretizer":
        return float(step.bin_edges_[j][0] + step.bin_edges_[j][-1]) / 2
    if kind == "OneHotEncoder":
        present = [c for c in step.categories_[j] if c is not None and not (isinstance(c, float) and math.isnan(c))]
        return present[0] if present else step.categories_[j][0]
    if kind == "SplineTransformer":
        return float(step.bsplines_[j].t[step.degree])
    return 0.0


def elementwise(prefix: Sequence[tuple[Any, int]]) -> Callable[[FloatArray], FloatArray]:
    """The map from the raw column to the encoder's input: each step run on a batch whose
    every column is the given values (they are elementwise), reading column j."""

    def forward(x: FloatArray) -> FloatArray:
        for step, j in prefix:
            batch = np.tile(np.asarray(x, dtype=np.float64)[:, None], (1, int(step.n_features_in_)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an array where the step was fitted on a DataFrame: same columns, in order
                x = np.asarray(step.transform(batch), dtype=np.float64)[:, j]
        return x

    return forward
