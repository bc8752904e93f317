"""CatBoost models whose (oblivious) trees each read one feature: `depth=1` stumps, or
deeper trees that happen to split on one feature only.

A tree's leaf is picked by its splits: a float split is 1 when `x > border`, compared in
float32 (CatBoost binarizes float32 inputs), so each border becomes the float64 edge where
rounding to float32 passes it (a value on the edge goes up). NaN follows the model's
`nan_mode` (Min: below every border, Max: above, Forbidden: as CatBoost compares it),
found by asking the model. A one-hot split (`one_hot_max_size` above the feature's
category count) is 1 for one category; CatBoost stores only a hash of it, so the
categories come from data: `with_categories(model, X)`. Splits on CTRs (target statistics
of categories and their combinations) read the training labels, not the category alone,
and are refused.

Every value is CatBoost's own: the trees on a feature are evaluated with
`calc_leaf_indexes` at one value per interval between borders (or per category), their
leaves summed and scaled as `predict(prediction_type="RawFormulaVal")` does.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, Shape
from pwlc.frontends.steps import float32_rounding, lowest_reaching, merged_step
from pwlc.ir import Input, LinkKind, Table
from pwlc.semantics import FloatArray, category_key

LINKS: dict[str, LinkKind] = {"Logloss": "logistic", "CrossEntropy": "logistic", "Poisson": "exp", "Tweedie": "exp"}
CTR_ADVICE = "retrain with one_hot_max_size above the feature's number of categories (e.g. one_hot_max_size=255)"


@dataclass(frozen=True)
class WithCategories:
    """A CatBoost model with the categories of its categorical features (CatBoost keeps
    only their hashes): `with_categories(model, X)`."""

    model: Any
    categories: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


def with_categories(model: Any, X: Any) -> WithCategories:
    """`model` with every category found in the categorical columns of `X` (a DataFrame)."""
    names = list(model.feature_names_)
    found = {}
    for index in model.get_cat_feature_indices():
        name = names[index]
        column = X[name] if hasattr(X, "columns") else np.asarray(X)[:, index]
        found[name] = tuple(dict.fromkeys(v for v in list(column) if category_key(v) is not None))
    return WithCategories(model, found)


def teacher(model: Any) -> Additive:
    categories = model.categories if isinstance(model, WithCategories) else {}
    model = model.model if isinstance(model, WithCategories) else model
    kind = type(model).__name__
    document = _json(model)
    names = list(model.feature_names_)
    cat_indices = list(model.get_cat_feature_indices())
    float_indices = [j for j in range(len(names)) if j not in cat_indices]
    link = _link(model, kind)
    scale, biases = document.get("scale_and_bias", [1.0, [0.0]])
    if len(biases) != 1:
        raise UnsupportedError(f"CatBoost {kind}: {advice.multiclass(model, len(biases))}")

    by_feature: dict[int, list[int]] = defaultdict(list)
    borders: dict[int, set[float]] = defaultdict(set)
    trees = document["oblivious_trees"]
    for t, tree in enumerate(trees):
        read = set()
        for split in tree["splits"]:
            if split["split_type"] == "FloatFeature":
                read.add(float_indices[split["float_feature_index"]])
                borders[float_indices[split["float_feature_index"]]].add(float(split["border"]))
            elif split["split_type"] == "OneHotFeature":
                read.add(cat_indices[split["cat_feature_index"]])
            else:
                raise UnsupportedError(
                    f"CatBoost tree {t} splits on a {split['split_type']} (a statistic of categories computed from the training labels), "
                    f"not on one feature's values; {CTR_ADVICE}, or {advice.black_box(model, link)}"
                )
        if len(read) > 1:
            raise UnsupportedError(
                f"CatBoost tree {t} splits on several features ({', '.join(repr(names[j]) for j in sorted(read))}), so the model is not additive; "
                f"retrain with depth=1, or {advice.black_box(model, link)}"
            )
        if read:
            by_feature[read.pop()].append(t)
    leaves = [np.asarray(tree["leaf_values"], dtype=np.float64) * float(scale) for tree in trees]
    intercept = float(biases[0]) + sum(float(leaves[t][0]) for t, tree in enumerate(trees) if not tree["splits"])

    probe = _Probe(model, names, cat_indices, categories, leaves)
    inputs, shapes = [], []
    for feature in sorted(by_feature):
        name = names[feature]
        description = f"CatBoost trees on {name!r}"
        if feature in cat_indices:
            if name not in categories:
                raise UnsupportedError(
                    f"{description}: CatBoost keeps only hashes of the categories of {name!r}; "
                    "name them from the training data: pwlc.lower(pwlc.frontends.catboost.with_categories(model, X))"
                )
            values = categories[name]
            sums = probe.sums(feature, by_feature[feature], list(values))
            default = probe.sums(feature, by_feature[feature], [_unseen(values)])[0]
            table = Table(name, tuple((str(category_key(v)), float(s)) for v, s in zip(values, sums)), default=default)
            inputs.append(Input(name, "categorical"))
            shapes.append(Shape((name,), description, term=table))
        else:
            edges = lowest_reaching(float32_rounding, [math.nextafter(b, math.inf) for b in borders[feature]])  # float32(x) > border
            missing = float(probe.sums(feature, by_feature[feature], [math.nan])[0])
            step = merged_step(name, edges, "upper", partial(probe.at, feature, by_feature[feature]), missing)
            inputs.append(Input(name, "numeric"))
            shapes.append(Shape((name,), description, term=step, missing=missing))
    return Additive(tuple(inputs), tuple(shapes), intercept, link, f"a CatBoost {kind} ({len(trees)} trees)")


@dataclass(frozen=True)
class _Probe:
    """Rows that vary one feature, scored tree by tree by CatBoost itself."""

    model: Any
    names: list[str]
    cat_indices: list[int]
    categories: Mapping[str, Sequence[Any]]
    leaves: list[FloatArray]

    def at(self, feature: int, trees: list[int], x: FloatArray) -> FloatArray:
        return self.sums(feature, trees, [float(v) for v in x])

    def sums(self, feature: int, trees: list[int], values: list[Any]) -> FloatArray:
        import pandas as pd

        columns = {}
        for j, name in enumerate(self.names):
            filler: Any = (list(self.categories.get(name, ())) or ["0"])[0] if j in self.cat_indices else 0.0
            columns[name] = pd.Series(values if j == feature else [filler] * len(values), dtype=object if j in self.cat_indices else np.float64)
        leaf = self.model.calc_leaf_indexes(pd.DataFrame(columns), thread_count=1)
        out = np.zeros(len(values))
        for t in trees:  # in tree order, as CatBoost adds them
            out += self.leaves[t][leaf[:, t]]
        return out


def _unseen(values: Sequence[Any]) -> Any:
    if all(isinstance(v, (int, np.integer)) for v in values):
        return max((int(v) for v in values), default=0) + 1
    return "\x00unseen category"


def _link(model: Any, kind: str) -> LinkKind:
    loss = str(model.get_all_params().get("loss_function", "RMSE")).split(":")[0]
    if loss in ("MultiClass", "MultiClassOneVsAll", "MultiRMSE", "MultiLogloss"):
        raise UnsupportedError(f"CatBoost {kind} with loss {loss}: {advice.multiclass(model, 'several')}")
    return LINKS.get(loss, "identity")


def _json(model: Any) -> dict[str, Any]:
    """The model as CatBoost's JSON export."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.json")
        model.save_model(path, format="json")
        with open(path, encoding="utf-8") as file:
            document: dict[str, Any] = json.load(file)
    return document
