"""InterpretML Explainable Boosting Machines (classifier and regressor), and their JSON export.

An EBM term's scores are `[missing, bin_1 ... bin_{K+1}, unseen]`:

- numeric feature: bins split at the cuts, a value equal to a cut in the upper bin
  (`searchsorted(cuts, x, "right") + 1`) -> `Step(at_edge="upper", missing=scores[0])`;
  the unseen slot is only reached by non-numbers, which the IR never passes;
- nominal/ordinal feature: category -> 1-based bin -> `Table(default=unseen, missing=scores[0])`.
  EBM names a numeric category its own way (`1e+20` for 1e20, `1`/`0` for booleans) where
  pwlc names an input value by `category_key` (`100000000000000000000`, `True`/`False`):
  each category is listed under every name pwlc gives a value EBM puts in it;
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
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, MulticlassAdditive, Shape, class_names
from pwlc.ir import Axis, CategoryAxis, Grid, Input, LinkKind, Step, StepAxis, Table
from pwlc.semantics import category_key

LINKS: dict[str, LinkKind] = {"logit": "logistic", "identity": "identity", "log": "exp"}


@dataclass(frozen=True)
class _Feature:
    name: str
    cuts: tuple[tuple[float, ...], ...] | None  # per level (main effects, pairs); None if nominal
    categories: tuple[str, ...] | None = None  # pwlc's names of the categories (see `_categorical`)
    bins: tuple[int, ...] = ()  # the 1-based EBM bin of each of `categories`


def _categorical(name: str, by_bin: Sequence[tuple[str, int]]) -> _Feature:
    """A nominal feature from EBM's (category, bin) pairs, each category under every name
    pwlc gives to a value EBM puts in it."""
    keys: dict[str, int] = {}
    for category, index in by_bin:
        for key in _names(category):
            if keys.setdefault(key, index) != index:
                raise UnsupportedError(
                    f"EBM feature {name!r}: categories named {category!r} and another both read as {key!r} in pwlc "
                    "(pwlc names 1e20 and '100000000000000000000' alike); give them distinct names (strings) and refit"
                )
    return _Feature(name, None, tuple(keys), tuple(keys.values()))


def _names(category: str) -> list[str]:
    """The names pwlc may give an input that EBM files under `category`: the text itself,
    the number EBM wrote this way (EBM writes floats as numpy does, "1e+20", with ".0"
    stripped), and True/False for EBM's "1"/"0"."""
    names = [category]
    try:
        number = float(category)
    except ValueError:
        number = math.nan
    if not math.isnan(number) and _ebm_float_text(number) == category:
        names.append(category_key(number) or category)
    names += {"1": ["True"], "0": ["False"]}.get(category, [])
    return list(dict.fromkeys(names))


def _ebm_float_text(value: float) -> str:
    """How interpret turns a float into a category name (`_densify_categorical`)."""
    text = str(np.float64(value) + 0.0)
    return text.rstrip("0").rstrip(".") if text.endswith(".0") else text


def teacher(model: Any) -> Additive | MulticlassAdditive:
    """An EBM object (`ExplainableBoosting*`) or its `to_jsonable()` dict as an `Additive`
    (a `MulticlassAdditive` for a classifier of 3+ classes: one per class)."""
    if isinstance(model, Mapping):
        return _from_json(model)
    features = []
    for name, bins in zip(model.feature_names_in_, model.bins_):
        if isinstance(bins[0], Mapping):
            features.append(_categorical(str(name), sorted(((str(c), int(i)) for c, i in bins[0].items()), key=lambda item: item[1])))
        else:
            features.append(_Feature(str(name), tuple(tuple(float(c) for c in level) for level in bins)))
    intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
    link = getattr(model, "link_", "logit" if hasattr(model, "classes_") else "identity")
    terms = [(tuple(int(j) for j in term), np.asarray(scores, dtype=np.float64)) for term, scores in zip(model.term_features_, model.term_scores_)]
    _check_term_features(model, terms)
    return _build(type(model).__name__, features, terms, intercept, link, getattr(model, "classes_", ()))


def _check_term_features(model: Any, terms: Sequence[tuple[tuple[int, ...], np.ndarray]]) -> None:
    """Each term must read the features its name says. interpret 0.7's `remove_features`
    leaves the other terms' feature indices pointing at the old positions (its own
    `predict` then fails or reads the wrong columns)."""
    names = [str(name) for name in model.feature_names_in_]
    for t, ((term, _), term_name) in enumerate(zip(terms, getattr(model, "term_names_", [None] * len(terms)))):
        read = [names[j] if j < len(names) else None for j in term]
        if None in read or (term_name is not None and " & ".join(str(n) for n in read) != term_name):
            raise UnsupportedError(
                f"EBM term {t} ({term_name!r}) reads feature positions {list(term)}, which name {read} in this model "
                "(remove_features leaves the remaining terms' feature positions stale; interpret's own predict fails on it too); "
                "drop terms with ebm.remove_terms([...]) instead, or refit without the feature"
            )


def _from_json(document: Mapping[str, Any]) -> Additive | MulticlassAdditive:
    try:
        ebm = document["ebm"]
        output = ebm["outputs"][0]
        if len(ebm["outputs"]) > 1:
            raise UnsupportedError(f"EBM JSON: {advice.multiclass(None, len(ebm['outputs']))}")
        features = []
        for feature in ebm["features"]:
            if feature["type"] == "continuous":
                features.append(_Feature(feature["name"], tuple(tuple(float(c) for c in level) for level in feature["cuts"])))
            else:
                features.append(_categorical(feature["name"], [(str(c), k) for k, c in enumerate(feature["categories"][0], start=1)]))
        position = {feature.name: j for j, feature in enumerate(features)}
        terms = [(tuple(position[name] for name in term["term_features"]), np.asarray(term["scores"], dtype=np.float64)) for term in ebm["terms"]]
        intercept = np.asarray(ebm["intercept"], dtype=np.float64)
        kind = "ExplainableBoostingClassifier" if output["task"] == "classification" else "ExplainableBoostingRegressor"
        return _build(kind, features, terms, intercept, output["link"], output.get("classes", ()))
    except (KeyError, IndexError, TypeError) as exc:
        raise UnsupportedError(f"not an EBM JSON export: missing or malformed field {exc}; export the EBM with ebm.to_jsonable() (pwlc.frontends.ebm.jsonable(ebm))") from None


def _build(
    kind: str, features: Sequence[_Feature], terms: Sequence[tuple[tuple[int, ...], np.ndarray]], intercept: np.ndarray, link: str, classes: Sequence[Any]
) -> Additive | MulticlassAdditive:
    if link == "mlogit" and intercept.size == len(classes) >= 3:
        # multiclass: each score table has a last axis of one score per class
        per_class = [
            _build(kind, features, [(term, scores[..., k]) for term, scores in terms], intercept[k : k + 1], "identity", ())
            for k in range(len(classes))
        ]
        return MulticlassAdditive(class_names(classes), tuple(c for c in per_class if isinstance(c, Additive)), f"an InterpretML {kind} ({len(classes)} classes)")
    if link not in LINKS:
        raise UnsupportedError(f"EBM link {link!r}: pwlc has the links {', '.join(LINKS)}; refit with one of them, or {advice.black_box(None)}")
    if intercept.size != 1:
        raise UnsupportedError(f"EBM: {advice.multiclass(None, intercept.size)}")
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
            raise UnsupportedError(
                f"{description} is an interaction of order {len(term)}; pwlc's terms read one or two inputs: refit with pairs at most "
                "(interactions=[(i, j), ...]) or remove the term (ebm.remove_terms)"
            )
    return Additive(inputs, tuple(shapes), float(intercept[0]), LINKS[link], f"an InterpretML {kind}")


def _main_effect(feature: _Feature, scores: np.ndarray) -> Step | Table:
    missing = float(scores[0])
    if feature.categories is not None:
        entries = tuple((key, float(scores[index])) for key, index in zip(feature.categories, feature.bins))
        return Table(feature.name, entries, default=float(scores[-1]), missing=missing)
    assert feature.cuts is not None
    return Step(feature.name, feature.cuts[0], tuple(float(v) for v in scores[1:-1]), at_edge="upper", missing=missing)


def _pair(first: _Feature, second: _Feature, scores: np.ndarray, description: str) -> Shape:
    """An exact `Grid`: the cells where both inputs are present, `scores[0, 0]` when both
    are missing, and the missing row (column) when its value depends on the other input."""
    rows, columns = _axis_cells(first, scores.shape[0]), _axis_cells(second, scores.shape[1])
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


def _axis_cells(feature: _Feature, slots: int) -> list[int]:
    """The score slot of each cell of one axis: bins 1..K+1 of a numeric axis; the bin of
    each category name, then the unseen slot (the last cell of a `CategoryAxis`)."""
    if feature.categories is not None:
        return [*feature.bins, slots - 1]
    return list(range(1, slots - 1))


def load_json(text: str) -> dict[str, Any]:
    """Parse an EBM JSON export (the beta warning of `to_jsonable` is not repeated here)."""
    import json

    try:
        document = json.loads(text, parse_constant=lambda name: math.nan)
    except json.JSONDecodeError as exc:
        raise UnsupportedError(f"not valid JSON ({exc}); export the EBM with json.dump(ebm.to_jsonable(), file)") from None
    if not isinstance(document, dict) or "ebm" not in document:
        raise UnsupportedError("this JSON file is not an EBM export (no 'ebm' key); export the EBM with json.dump(ebm.to_jsonable(), file)")
    return document


def jsonable(model: Any) -> dict[str, Any]:
    """`model.to_jsonable()` without interpret's beta-format warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return dict(model.to_jsonable())
