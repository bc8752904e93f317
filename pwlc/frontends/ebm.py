"""InterpretML Explainable Boosting Machines (classifier and regressor), and their JSON export.

An EBM term's scores are `[missing, bin_1 ... bin_{K+1}, unseen]`:

- numeric feature: bins split at the cuts, a value equal to a cut in the upper bin
  (`searchsorted(cuts, x, "right") + 1`) -> `Step(at_edge="upper", missing=scores[0])`;
  the unseen slot is only reached by non-numbers, which the IR never passes;
- nominal/ordinal feature: category -> 1-based bin -> `Table(default=unseen, missing=scores[0])`;
- pair: a 2-D score table over both features' bins (numeric features use the coarser
  interaction cuts) -> `Grid` of `StepAxis`/`CategoryAxis`; its row 0 (first feature
  missing) and column 0 (second missing) -> `missing_a`/`missing_b` when they are not
  all `scores[0, 0]`, the value when both are missing.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends.additive import Additive, Shape
from pwlc.ir import Axis, CategoryAxis, Grid, Input, LinkKind, Step, StepAxis, Table

LINKS: dict[str, LinkKind] = {"logit": "logistic", "identity": "identity", "log": "exp"}


@dataclass(frozen=True)
class _Feature:
    name: str
    cuts: tuple[tuple[float, ...], ...] | None  # per level (main effects, pairs); None if nominal
    categories: tuple[str, ...] | None  # in bin order (bin k + 1 is categories[k])


def teacher(model: Any) -> Additive:
    """An EBM object (`ExplainableBoosting*`) or its `to_jsonable()` dict as an `Additive`."""
    if isinstance(model, Mapping):
        return _from_json(model)
    features = []
    for name, bins in zip(model.feature_names_in_, model.bins_):
        if isinstance(bins[0], Mapping):
            by_bin = sorted(bins[0].items(), key=lambda item: item[1])
            if [index for _, index in by_bin] != list(range(1, len(by_bin) + 1)):
                raise UnsupportedError(f"EBM feature {name!r}: several categories share a bin; pwlc expects one bin per category")
            features.append(_Feature(str(name), None, tuple(str(category) for category, _ in by_bin)))
        else:
            features.append(_Feature(str(name), tuple(tuple(float(c) for c in level) for level in bins), None))
    intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
    link = getattr(model, "link_", "logit" if hasattr(model, "classes_") else "identity")
    if hasattr(model, "classes_") and len(model.classes_) > 2:
        raise UnsupportedError(f"EBM with {len(model.classes_)} classes: pwlc handles regression and binary classification")
    terms = [(tuple(int(j) for j in term), np.asarray(scores, dtype=np.float64)) for term, scores in zip(model.term_features_, model.term_scores_)]
    return _build(type(model).__name__, features, terms, intercept, link)


def _from_json(document: Mapping[str, Any]) -> Additive:
    try:
        ebm = document["ebm"]
        output = ebm["outputs"][0]
        if len(ebm["outputs"]) > 1 or len(output.get("classes", ())) > 2:
            raise UnsupportedError("EBM JSON with several outputs or classes: pwlc handles regression and binary classification")
        features = []
        for feature in ebm["features"]:
            if feature["type"] == "continuous":
                features.append(_Feature(feature["name"], tuple(tuple(float(c) for c in level) for level in feature["cuts"]), None))
            else:
                features.append(_Feature(feature["name"], None, tuple(str(c) for c in feature["categories"][0])))
        position = {feature.name: j for j, feature in enumerate(features)}
        terms = [(tuple(position[name] for name in term["term_features"]), np.asarray(term["scores"], dtype=np.float64)) for term in ebm["terms"]]
        intercept = np.asarray(ebm["intercept"], dtype=np.float64)
        kind = "ExplainableBoostingClassifier" if output["task"] == "classification" else "ExplainableBoostingRegressor"
        return _build(kind, features, terms, intercept, output["link"])
    except (KeyError, IndexError, TypeError) as exc:
        raise UnsupportedError(f"not an EBM JSON export (to_jsonable()): missing or malformed field {exc}") from None


def _build(kind: str, features: Sequence[_Feature], terms: Sequence[tuple[tuple[int, ...], np.ndarray]], intercept: np.ndarray, link: str) -> Additive:
    if link not in LINKS:
        raise UnsupportedError(f"EBM link {link!r} is not supported (supported: {', '.join(LINKS)})")
    if intercept.size != 1:
        raise UnsupportedError(f"EBM with {intercept.size} outputs: pwlc handles regression and binary classification")
    used = sorted({j for term, _ in terms for j in term})
    inputs = tuple(Input(features[j].name, "categorical" if features[j].categories is not None else "numeric") for j in used)
    shapes = []
    for t, (term, scores) in enumerate(terms):
        names = " x ".join(features[j].name for j in term)
        description = f"EBM term {t} ({names})"
        if len(term) == 1:
            lowered = _main_effect(features[term[0]], scores)
            shapes.append(Shape((features[term[0]].name,), description, term=lowered, missing=lowered.missing))
        elif len(term) == 2:
            shapes.append(_pair(features[term[0]], features[term[1]], scores, description))
        else:
            raise UnsupportedError(f"{description} is an interaction of order {len(term)}; pwlc handles main effects and pairs")
    return Additive(inputs, tuple(shapes), float(intercept[0]), LINKS[link], f"an InterpretML {kind}")


def _main_effect(feature: _Feature, scores: np.ndarray) -> Step | Table:
    missing = float(scores[0])
    if feature.categories is not None:
        entries = tuple(zip(feature.categories, (float(v) for v in scores[1:-1])))
        return Table(feature.name, entries, default=float(scores[-1]), missing=missing)
    assert feature.cuts is not None
    return Step(feature.name, feature.cuts[0], tuple(float(v) for v in scores[1:-1]), at_edge="upper", missing=missing)


def _pair(first: _Feature, second: _Feature, scores: np.ndarray, description: str) -> Shape:
    """An exact `Grid`: the cells where both inputs are present, `scores[0, 0]` when both
    are missing, and the missing row (column) when its value depends on the other input."""
    rows, columns = _axis_slice(first), _axis_slice(second)
    present = tuple(tuple(float(v) for v in row[columns]) for row in scores[rows])
    both_missing = float(scores[0, 0])

    def line(values: np.ndarray) -> tuple[float, ...] | None:
        return None if np.all(values == both_missing) else tuple(float(v) for v in values)

    grid = Grid(_axis(first), _axis(second), present, both_missing, line(scores[0, columns]), line(scores[rows, 0]))
    return Shape((first.name, second.name), description, term=grid, missing=both_missing)


def _axis(feature: _Feature) -> Axis:
    if feature.categories is not None:
        return CategoryAxis(feature.name, feature.categories)
    assert feature.cuts is not None
    return StepAxis(feature.name, feature.cuts[min(1, len(feature.cuts) - 1)], "upper")


def _axis_slice(feature: _Feature) -> slice:
    """Score slots of one axis: bins 1..K+1, plus the unseen slot for a category axis
    (a `CategoryAxis` ends with the unseen cell, as EBM's scores do)."""
    return slice(1, None) if feature.categories is not None else slice(1, -1)


def load_json(text: str) -> dict[str, Any]:
    """Parse an EBM JSON export (the beta warning of `to_jsonable` is not repeated here)."""
    import json

    try:
        document = json.loads(text, parse_constant=lambda name: math.nan)
    except json.JSONDecodeError as exc:
        raise UnsupportedError(f"not valid JSON: {exc}") from None
    if not isinstance(document, dict) or "ebm" not in document:
        raise UnsupportedError("this JSON file is not an EBM export (no 'ebm' key)")
    return document


def jsonable(model: Any) -> dict[str, Any]:
    """`model.to_jsonable()` without interpret's beta-format warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return dict(model.to_jsonable())
