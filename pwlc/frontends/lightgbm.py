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
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends.additive import Additive, Shape
from pwlc.ir import Input, LinkKind, Step, Table

ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold, a float widened to double
Node = Mapping[str, Any]


def load(text: str) -> Any:
    """A LightGBM Booster from model text (`booster.save_model`/`model_to_string`)."""
    import lightgbm

    try:
        return lightgbm.Booster(model_str=text)
    except lightgbm.basic.LightGBMError as exc:
        raise UnsupportedError(f"not a LightGBM model text: {exc}") from None


def teacher(model: Any) -> Additive:
    """An `LGBMClassifier`/`LGBMRegressor`/`LGBMRanker` or `Booster` as an `Additive`."""
    booster = getattr(model, "booster_", model)
    dump = booster.dump_model()
    kind = type(model).__name__
    if dump.get("num_tree_per_iteration", 1) != 1:
        raise UnsupportedError(f"LightGBM model with {dump['num_class']} classes: pwlc handles one output per tree")
    if dump.get("average_output"):
        raise UnsupportedError("LightGBM random-forest mode (average_output) is not supported")
    link = _link(str(dump.get("objective", "regression")))
    names: list[str] = list(dump["feature_names"])
    categorical_labels = _categorical_labels(dump, names)

    trees_by_feature: dict[int, list[Node]] = defaultdict(list)
    constant = 0.0
    categorical_features: set[int] = set()
    for tree in dump["tree_info"]:
        index = tree["tree_index"]
        if tree.get("is_linear"):
            raise UnsupportedError(f"LightGBM tree {index} is a linear tree; pwlc handles constant leaves")
        root = tree["tree_structure"]
        features = _features(root)
        if not features:
            constant += float(root["leaf_value"])
        elif len(features) > 1:
            used = ", ".join(repr(names[j]) for j in sorted(features))
            raise UnsupportedError(f"LightGBM tree {index} splits on several features ({used}), so the model is not additive")
        else:
            (feature,) = features
            trees_by_feature[feature].append(root)
            categorical_features |= {feature} if _has_categorical_split(root) else set()

    inputs = []
    shapes = []
    for feature in sorted(trees_by_feature):
        name = names[feature]
        roots = trees_by_feature[feature]
        description = f"LightGBM trees on {name!r}"
        if feature in categorical_features:
            table = _merged_table(name, roots, categorical_labels.get(feature))
            inputs.append(Input(name, "categorical"))
            shapes.append(Shape((name,), description, term=table, missing=table.missing))
        else:
            step = _merged_step(name, roots)
            inputs.append(Input(name, "numeric"))
            shapes.append(Shape((name,), description, term=step, missing=step.missing))
    return Additive(tuple(inputs), tuple(shapes), constant, link, f"a LightGBM {kind} ({len(dump['tree_info'])} trees)")


def _link(objective: str) -> LinkKind:
    name, *params = objective.split()
    settings = dict(p.split(":", 1) for p in params if ":" in p)
    if name in ("binary", "cross_entropy", "xentropy"):
        if float(settings.get("sigmoid", "1")) != 1.0:
            raise UnsupportedError(f"LightGBM objective {objective!r}: pwlc's logistic link needs sigmoid:1")
        return "logistic"
    if name in ("poisson", "gamma", "tweedie"):
        return "exp"
    if name in ("multiclass", "multiclassova", "softmax"):
        raise UnsupportedError(f"LightGBM objective {name!r}: pwlc handles one output")
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
        raise UnsupportedError("LightGBM model: cannot match pandas_categorical to the categorical features")
    return {j: [str(label) for label in labels] for j, labels in zip(categorical, pandas_categorical)}


def _features(node: Node) -> set[int]:
    if "leaf_value" in node:
        return set()
    return {int(node["split_feature"])} | _features(node["left_child"]) | _features(node["right_child"])


def _has_categorical_split(node: Node) -> bool:
    if "leaf_value" in node:
        return False
    return node["decision_type"] == "==" or _has_categorical_split(node["left_child"]) or _has_categorical_split(node["right_child"])


def _walk(node: Node, x: float) -> float:
    """The leaf value LightGBM reaches for feature value `x` (NaN: missing)."""
    while "leaf_value" not in node:
        node = node["left_child"] if _goes_left(node, x) else node["right_child"]
    return float(node["leaf_value"])


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


def _merged_step(name: str, roots: Sequence[Node]) -> Step:
    # [-z, z] is read as zero: its own interval, (nextafter(-z, -inf), z] with `x <= t` left.
    edges = {threshold for root in roots for threshold in _thresholds(root)} | {math.nextafter(-ZERO, -math.inf), ZERO}
    ordered = sorted(edges)
    representatives = [*ordered, math.inf]  # the upper end of each interval
    values = [_tree_sum(roots, x) for x in representatives]
    kept = [k for k in range(len(ordered)) if values[k] != values[k + 1]]  # edges that change the sum
    return Step(name, tuple(ordered[k] for k in kept), (*(values[k] for k in kept), values[-1]), at_edge="lower", missing=_tree_sum(roots, math.nan))


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
