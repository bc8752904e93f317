"""LightGBM models whose trees each read one feature (stumps, or one-feature
`interaction_constraints`): the trees on a feature add up to one exact step function.

LightGBM's decision rules, followed here node by node (src/io/tree.h):

- an input with |x| <= 1e-35 (float32) is read as 0.0 (LightGBM's predictor drops such
  values from the row, as zeros of a sparse row);
- numeric split `x <= threshold` goes left. A NaN input is first replaced by 0.0 unless
  the node's `missing_type` is "NaN"; then, when `missing_type` is "NaN" and x is NaN, or
  `missing_type` is "Zero" and |x| <= 1e-35 (float32), x goes the default direction;
- categorical split: categories listed in the threshold ("0||2||5") go left; NaN, negative
  and unlisted codes go right. With pandas categoricals, a category's code is its position
  in `pandas_categorical`; unseen categories become NaN.

Each feature's trees are evaluated on a representative of every interval between the
union of their thresholds and of the interval [-z, z] read as zero (the interval's upper
end: `x <= t` goes left), which makes the merged `Step(at_edge="lower")` exact; adjacent
intervals with equal sums are then merged.

With `linear_tree=True` a leaf holds `leaf_const + sum(leaf_coeff * x)` over the features
of its branch (its constant `leaf_value` when one of them is NaN): one feature's trees then
add up to a piecewise-linear function with jumps at the splits and slopes beyond the last
one, which no pwlc term expresses. Such a feature is an exact function (`pwlc.distill`
fits it) and `lower` refuses it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, MulticlassAdditive, Shape, ShapeFunction, class_names
from pwlc.frontends.steps import merged_step
from pwlc.ir import Input, LinkKind, Table
from pwlc.semantics import Column, FloatArray, category_key

ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold, a float widened to double
Node = Mapping[str, Any]


def load(text: str) -> Any:
    """A LightGBM Booster from model text (`booster.save_model`/`model_to_string`)."""
    import lightgbm

    try:
        return lightgbm.Booster(model_str=text)
    except lightgbm.basic.LightGBMError as exc:
        raise UnsupportedError(f"not a LightGBM model text ({exc}); save one with booster.save_model(path)") from None


def teacher(model: Any) -> Additive | MulticlassAdditive:
    """An `LGBMClassifier`/`LGBMRegressor`/`LGBMRanker` or `Booster` as an `Additive`; a
    `multiclass` model (softmax over K scores) as a `MulticlassAdditive`: LightGBM grows
    one tree per class each iteration, tree i adding to class i mod K's score."""
    booster = getattr(model, "booster_", model)
    dump = booster.dump_model()
    kind = type(model).__name__
    objective = str(dump.get("objective", "regression"))
    per_iteration = int(dump.get("num_tree_per_iteration", 1))
    multiclass = objective.split()[0] in ("multiclass", "softmax")
    link = "identity" if multiclass else _link(model, objective)  # (refuses one-vs-all)
    if per_iteration != 1 and not multiclass:
        raise UnsupportedError(f"LightGBM {kind} with objective {objective.split()[0]!r}: {advice.multiclass(model, dump['num_class'])}")
    if dump.get("average_output"):
        raise UnsupportedError(f"LightGBM random-forest mode (boosting='rf') averages its trees where pwlc sums them; retrain with boosting='gbdt', or {advice.black_box(model, link)}")
    names: list[str] = list(dump["feature_names"])
    categorical_labels = _categorical_labels(dump, names)

    classes = per_iteration if multiclass else 1
    trees_by_feature: list[dict[int, list[Node]]] = [defaultdict(list) for _ in range(classes)]
    constants = [0.0] * classes
    for tree in dump["tree_info"]:
        index = tree["tree_index"]
        root = tree["tree_structure"]
        features = _features(root)
        if not features:
            constants[index % classes] += float(root["leaf_value"])
        elif len(features) > 1:
            used = ", ".join(repr(names[j]) for j in sorted(features))
            raise UnsupportedError(
                f"LightGBM tree {index} splits on several features ({used}), so the model is not additive; "
                f"{advice.ONE_FEATURE_PER_TREE}, or {advice.black_box(model, link)}"
            )
        else:
            trees_by_feature[index % classes][next(iter(features))].append(root)

    doc = f"a LightGBM {kind} ({len(dump['tree_info'])} trees)"
    features_used = sorted({feature for by_feature in trees_by_feature for feature in by_feature})
    categorical = {j for by_feature in trees_by_feature for j, roots in by_feature.items() if any(_has_categorical_split(r) for r in roots)}
    inputs = tuple(Input(names[j], "categorical" if j in categorical else "numeric") for j in features_used)
    teachers = [
        Additive(inputs, tuple(_shape(names[j], by_feature[j], categorical_labels.get(j)) for j in sorted(by_feature)), constant, link, doc)
        for by_feature, constant in zip(trees_by_feature, constants)
    ]
    if not multiclass:
        return teachers[0]
    labels = class_names(getattr(model, "classes_", range(classes)))
    return MulticlassAdditive(labels, tuple(teachers), f"a LightGBM {kind} ({len(dump['tree_info'])} trees, {classes} classes)")


def _shape(name: str, roots: Sequence[Node], labels: list[str] | None) -> Shape:
    """The exact shape of one feature's trees."""
    description = f"LightGBM trees on {name!r}"
    if any(_has_categorical_split(root) for root in roots):
        table = _merged_table(name, roots, labels)
        return Shape((name,), description, term=table, missing=table.missing)
    if any(_has_linear_leaf(root) for root in roots):
        return Shape(
            (name,),
            description,
            function=_linear_trees(name, roots),
            missing=_tree_sum(roots, math.nan),
            inexact="have linear leaves (linear_tree=True): a piecewise-linear function with a jump at every split and a slope beyond the last one, which no pwlc term expresses",
            instead=f"retrain without linear_tree for an exact lowering, or {advice.DISTILL}",
        )
    step = merged_step(name, _merge_edges(roots), "lower", partial(_tree_sums, roots), _tree_sum(roots, math.nan))
    return Shape((name,), description, term=step, missing=step.missing)


def _link(model: Any, objective: str) -> LinkKind:
    name, *params = objective.split()
    settings = dict(p.split(":", 1) for p in params if ":" in p)
    if name in ("binary", "cross_entropy", "xentropy"):
        if float(settings.get("sigmoid", "1")) != 1.0:
            raise UnsupportedError(
                f"LightGBM objective {objective!r}: its probability is 1 / (1 + exp(-sigmoid * score)) and pwlc's logistic link has sigmoid 1; "
                f"retrain with sigmoid=1.0, or {advice.black_box(model, 'logistic')}"
            )
        return "logistic"
    if name in ("poisson", "gamma", "tweedie"):
        return "exp"
    if name in ("multiclassova", "multiclass_ova", "ova", "ovr"):
        raise UnsupportedError(
            f"LightGBM objective {name!r}: one-vs-all scores each class by its own sigmoid, where pwlc's multiclass models"
            " share one softmax; retrain with objective='multiclass' (softmax), or compile one class at a time as a binary model"
        )
    return "identity"


def _categorical_labels(dump: Mapping[str, Any], names: Sequence[str]) -> dict[int, list[str]]:
    """Feature index -> category label per code, when the model was trained on pandas categoricals."""
    pandas_categorical = dump.get("pandas_categorical") or []
    if not pandas_categorical:
        return {}
    infos = dump.get("feature_infos", {})
    # pandas categorical columns are LightGBM's categorical features, in column order; their
    # feature_infos list the category codes seen, the numeric ones list none.
    categorical = [j for j, name in enumerate(names) if infos.get(name, {}).get("values")]
    if len(categorical) != len(pandas_categorical):
        raise UnsupportedError(
            "LightGBM model: its pandas_categorical lists do not match its categorical features, so pwlc cannot name the categories; "
            "train on a DataFrame whose categorical columns are pandas categoricals, or on integer codes (categorical_feature=...)"
        )
    return {j: [category_key(label) or "" for label in labels] for j, labels in zip(categorical, pandas_categorical)}


def _features(node: Node) -> set[int]:
    if "leaf_value" in node:
        return set()
    return {int(node["split_feature"])} | _features(node["left_child"]) | _features(node["right_child"])


def _has_categorical_split(node: Node) -> bool:
    if "leaf_value" in node:
        return False
    return node["decision_type"] == "==" or _has_categorical_split(node["left_child"]) or _has_categorical_split(node["right_child"])


def _has_linear_leaf(node: Node) -> bool:
    if "leaf_value" in node:
        return any(float(c) != 0.0 for c in node.get("leaf_coeff", ()))
    return _has_linear_leaf(node["left_child"]) or _has_linear_leaf(node["right_child"])


def _walk(node: Node, x: float) -> float:
    """The leaf's output LightGBM computes for feature value `x` (NaN: missing)."""
    while "leaf_value" not in node:
        node = node["left_child"] if _goes_left(node, x) else node["right_child"]
    coefficients = node.get("leaf_coeff", ())
    if not coefficients or math.isnan(x):  # a NaN in a linear leaf's features: its constant
        return float(node["leaf_value"])
    value = 0.0 if -ZERO <= x <= ZERO else x  # values this close to 0 never reach the predictor
    output = float(node["leaf_const"])
    for coefficient in coefficients:  # every feature of the leaf's branch is this one
        output += float(coefficient) * value
    return output


def _goes_left(node: Node, x: float) -> bool:
    if node["decision_type"] == "==":
        if math.isnan(x) or int(x) < 0:
            return False
        return int(x) in {int(code) for code in str(node["threshold"]).split("||")}
    missing_type = node["missing_type"]
    if (math.isnan(x) and missing_type != "NaN") or -ZERO <= x <= ZERO:
        x = 0.0
    if (missing_type == "NaN" and math.isnan(x)) or (missing_type == "Zero" and -ZERO <= x <= ZERO):
        return bool(node["default_left"])
    return x <= float(node["threshold"])


def _thresholds(node: Node) -> list[float]:
    if "leaf_value" in node:
        return []
    return [float(node["threshold"])] + _thresholds(node["left_child"]) + _thresholds(node["right_child"])


def _merge_edges(roots: Sequence[Node]) -> set[float]:
    # [-z, z] is read as zero: its own interval, (nextafter(-z, -inf), z] with `x <= t` left.
    return {threshold for root in roots for threshold in _thresholds(root)} | {math.nextafter(-ZERO, -math.inf), ZERO}


def _linear_trees(name: str, roots: Sequence[Node]) -> ShapeFunction:
    def contribution(columns: Mapping[str, Column]) -> FloatArray:
        return _tree_sums(roots, np.asarray(columns[name], dtype=np.float64))

    return contribution


def _merged_table(name: str, roots: Sequence[Node], labels: list[str] | None) -> Table:
    codes: set[int] = set(range(len(labels))) if labels is not None else set()
    for root in roots:
        codes |= _category_codes(root)
    entries = tuple(
        (labels[code] if labels is not None else str(code), _tree_sum(roots, float(code)))
        for code in sorted(codes)
        if labels is None or code < len(labels)
    )
    unseen = _tree_sum(roots, -1.0)  # unlisted and negative codes go right at every split
    return Table(name, entries, default=unseen, missing=_tree_sum(roots, math.nan))


def _tree_sums(roots: Sequence[Node], x: FloatArray) -> FloatArray:
    return np.array([_tree_sum(roots, float(v)) for v in x], dtype=np.float64)


def _tree_sum(roots: Sequence[Node], x: float) -> float:
    # In tree order, as LightGBM adds them.
    total = 0.0
    for root in roots:
        total += _walk(root, x)
    return total


def _category_codes(node: Node) -> set[int]:
    if "leaf_value" in node:
        return set()
    own = {int(code) for code in str(node["threshold"]).split("||")} if node["decision_type"] == "==" else set()
    return own | _category_codes(node["left_child"]) | _category_codes(node["right_child"])
