"""scikit-learn's gradient-boosted trees whose trees each read one feature.

`HistGradientBoostingRegressor/Classifier` (with `interaction_cst=[[j] for j in ...]` or
`max_depth=1`): a numeric split sends `x <= num_threshold` left (float64, thresholds
between the training bins) and NaN the way the node learned (`missing_go_to_left`; a
feature with no NaN at training sends it to the child that saw more samples). With
categorical features (`categorical_features`, pandas categoricals) the model first
encodes categories as codes, placing those columns first; a code in the node's bitset goes
left, any other known code right, and NaN and unseen categories the missing direction.

`GradientBoostingRegressor/Classifier`: each tree compares the input rounded to float32
with a float64 threshold, `float32(x) <= t` going left; NaN is refused. Each tree adds
`learning_rate * leaf` to the initial estimator's raw prediction.

The trees on one feature are evaluated by scikit-learn's own predictors at one value in
each interval between their thresholds, and merged into one `Step` (or `Table`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, MulticlassAdditive, Shape, class_names
from pwlc.frontends.steps import float32_rounding, lowest_reaching, merged_step
from pwlc.ir import Input, LinkKind, Table
from pwlc.semantics import FloatArray, category_key

HIST_MODELS = ("HistGradientBoostingRegressor", "HistGradientBoostingClassifier")
CLASSIC_MODELS = ("GradientBoostingRegressor", "GradientBoostingClassifier")
TREE_MODELS = (*HIST_MODELS, *CLASSIC_MODELS)
LINKS: dict[str, LinkKind] = {"IdentityLink": "identity", "LogitLink": "logistic", "LogLink": "exp"}

Evaluate = Callable[[FloatArray], FloatArray]  # the summed trees at each value of one feature


def teacher(model: Any) -> Additive | MulticlassAdditive:
    """A one-feature-per-tree ensemble as an `Additive`; a classifier of 3+ classes (one tree
    a class each iteration, a softmax over the K raw scores) as a `MulticlassAdditive`."""
    kind = type(model).__name__
    classes = int(model.n_trees_per_iteration_)
    multiclass = classes > 1 and type(model._loss.link).__name__ == "MultinomialLogit"
    if classes != 1 and not multiclass:
        raise UnsupportedError(f"{kind}: {advice.multiclass(model, classes)}")
    link = "identity" if multiclass else LINKS.get(type(model._loss.link).__name__)
    if link is None or (kind == "GradientBoostingClassifier" and model.loss != "log_loss"):
        raise UnsupportedError(f"{kind} with loss={model.loss!r}: its raw score goes through a link pwlc does not have; refit with the default loss, or {advice.black_box(model)}")
    width = int(model.n_features_in_)
    names = [str(n) for n in getattr(model, "feature_names_in_", [f"x{j}" for j in range(width)])]
    trees = sum(len(trees) for trees in getattr(model, "_predictors", getattr(model, "estimators_", [])))
    teachers = []
    for k in range(classes):  # class k's trees: the k-th of each iteration
        intercept, shapes = (_hist_shapes if kind in HIST_MODELS else _classic_shapes)(model, names, link, k)
        teachers.append((intercept, shapes))
    found = {s.features[0]: Input(s.features[0], "categorical" if isinstance(s.term, Table) else "numeric") for _, shapes in teachers for s in shapes}
    inputs = tuple(found[name] for name in names if name in found)
    doc = f"a scikit-learn {kind} ({trees} trees)"
    additives = [Additive(inputs, tuple(shapes), intercept, link, doc) for intercept, shapes in teachers]
    if not multiclass:
        return additives[0]
    return MulticlassAdditive(class_names(model.classes_), tuple(additives), f"a scikit-learn {kind} ({trees * classes} trees, {classes} classes)")


def _not_additive(model: Any, tree: int, features: list[str], link: LinkKind) -> UnsupportedError:
    kind = type(model).__name__
    constraint = "max_depth=1 or interaction_cst=[[j] for j in range(n_features)]" if kind in HIST_MODELS else "max_depth=1"
    return UnsupportedError(
        f"{kind} tree {tree} splits on several features ({', '.join(map(repr, features))}), so the model is not additive; "
        f"retrain with {constraint}, or {advice.black_box(model, link)}"
    )


# --- HistGradientBoosting ----------------------------------------------------------------------


def _hist_shapes(model: Any, names: list[str], link: LinkKind, k: int = 0) -> tuple[float, list[Shape]]:
    """Class k's intercept and shapes (k = 0 for a one-score model)."""
    columns, categories = _hist_columns(model, len(names))  # preprocessed position -> input column
    known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    by_feature: dict[int, list[Any]] = defaultdict(list)
    for t, predictor in enumerate(iteration[k] for iteration in model._predictors):
        splits = predictor.nodes[predictor.nodes["is_leaf"] == 0]
        used = sorted({int(f) for f in splits["feature_idx"]})
        if len(used) > 1:
            raise _not_additive(model, t, [names[columns[p]] for p in used], link)
        if used:
            by_feature[used[0]].append(predictor)
    intercept = float(np.ravel(model._baseline_prediction)[k])
    for predictor in (iteration[k] for iteration in model._predictors):
        if not (predictor.nodes["is_leaf"] == 0).any():
            intercept += float(predictor.nodes["value"][0])

    shapes = []
    for position in sorted(by_feature, key=lambda p: columns[p]):
        predictors = by_feature[position]
        name = names[columns[position]]

        def total(x: FloatArray, predictors: list[Any] = predictors, position: int = position) -> FloatArray:
            batch = np.zeros((len(x), len(names)))
            batch[:, position] = x
            out = np.zeros(len(x))
            for predictor in predictors:
                out += predictor.predict(batch, known, f_idx_map, 1)
            return out

        missing = float(total(np.array([math.nan]))[0])
        description = f"{type(model).__name__} trees on {name!r}"
        if position in categories:
            labels = categories[position]
            values = total(np.arange(len(labels), dtype=np.float64))
            entries = tuple((key, float(v)) for key, v in zip(labels, values) if key is not None)
            table = Table(name, entries, default=missing, missing=missing)  # unseen categories go the missing way
            shapes.append(Shape((name,), description, term=table, missing=missing))
        else:
            thresholds = [float(n["num_threshold"]) for p in predictors for n in p.nodes if not n["is_leaf"]]
            step = merged_step(name, thresholds, "lower", total, missing)
            shapes.append(Shape((name,), description, term=step, missing=missing))
    return intercept, shapes


def _hist_columns(model: Any, width: int) -> tuple[list[int], dict[int, list[str | None]]]:
    """Which input column each preprocessed position reads, and the category names (by
    code) of the categorical positions."""
    preprocessor = getattr(model, "_preprocessor", None)
    if preprocessor is None:
        return list(range(width)), {}
    order = preprocessor._transformer_to_input_indices
    encoded, numerical = list(order["encoder"]), list(order["numerical"])
    encoder = preprocessor.named_transformers_["encoder"]
    categories = {p: [category_key(c) for c in encoder.categories_[p]] for p in range(len(encoded))}
    return encoded + numerical, categories


# --- GradientBoosting --------------------------------------------------------------------------


def _classic_shapes(model: Any, names: list[str], link: LinkKind, k: int = 0) -> tuple[float, list[Shape]]:
    """Class k's intercept and shapes (k = 0 for a one-score model)."""
    width = len(names)
    intercept = float(model._raw_predict_init(np.zeros((1, width), dtype=np.float32))[0, k])
    by_feature: dict[int, list[Any]] = defaultdict(list)
    for t, estimator in enumerate(model.estimators_[:, k]):
        tree = estimator.tree_
        used = sorted({int(f) for f in tree.feature[tree.children_left >= 0]})
        if len(used) > 1:
            raise _not_additive(model, t, [names[j] for j in used], link)
        if used:
            by_feature[used[0]].append(estimator)
        else:
            intercept += model.learning_rate * float(tree.value[0].ravel()[0])

    shapes = []
    for feature in sorted(by_feature):
        estimators = by_feature[feature]
        name = names[feature]

        def total(x: FloatArray, estimators: list[Any] = estimators, feature: int = feature) -> FloatArray:
            batch = np.zeros((len(x), width), dtype=np.float64)
            batch[:, feature] = x
            out = np.zeros(len(x))
            for estimator in estimators:
                out += model.learning_rate * estimator.predict(batch.astype(np.float32))
            return out

        # float32(x) <= t goes left: the edge is the first double whose float32 is above t.
        thresholds = [math.nextafter(float(t), math.inf) for e in estimators for t in e.tree_.threshold[e.tree_.children_left >= 0]]
        edges = lowest_reaching(float32_rounding, thresholds)
        step = merged_step(name, edges, "upper", total, None)  # NaN is refused by scikit-learn
        shapes.append(Shape((name,), f"{type(model).__name__} trees on {name!r}", term=step))
    return intercept, shapes
