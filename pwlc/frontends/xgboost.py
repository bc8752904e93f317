"""XGBoost tree models whose trees each read one feature (`max_depth=1`, or one-feature
`interaction_constraints`), numeric and categorical (`enable_categorical=True`) splits.

XGBoost's rule for a numeric split: `x < split_condition` goes to "yes", a missing value to
"missing". It compares in float32 (the input is rounded to float32 first): each float32
threshold becomes the float64 edge where rounding to float32 crosses it, so every row
lands in the leaf XGBoost picks. The lowered model adds those float32 leaves (and the
float32 base margin) in float64, where XGBoost adds them in float32: its margin is that
same sum rounded along the way (~1e-7 relative). `pwlc.testing.xgboost_leaves` shows it
leaf by leaf.

A categorical split (XGBoost 3's dump: `split_condition` is the list of category codes)
sends the listed codes to "yes", a missing value to "missing", and any other code
(unlisted, negative, too large) to "no". Codes are positions in the categories the booster
stores (`get_categories`, pandas input); a model trained on bare codes names its
categories by code. XGBoost 3 refuses a category it did not see in training; the lowered
table gives it the unlisted codes' value.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, MulticlassAdditive, Shape, class_names
from pwlc.frontends.steps import float32_rounding, lowest_reaching, merged_step
from pwlc.ir import Input, LinkKind, Table
from pwlc.semantics import FloatArray, category_key

Node = Mapping[str, Any]


def load(path: Path) -> Any:
    """An XGBoost Booster from its JSON model file."""
    import xgboost

    booster = xgboost.Booster()
    try:
        booster.load_model(str(path))
    except xgboost.core.XGBoostError as exc:
        raise UnsupportedError(f"{path}: not an XGBoost model ({str(exc).splitlines()[0]}); save one with model.save_model('model.json')") from None
    return booster


def teacher(model: Any) -> Additive | MulticlassAdditive:
    """An XGBoost model or Booster as an `Additive`; `multi:softprob`/`multi:softmax` (K
    scores under a softmax) as a `MulticlassAdditive`: `tree_info` gives each tree's class,
    and the base margin is one float32 per class."""
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    config = json.loads(booster.save_config())
    learner = config["learner"]
    if learner["gradient_booster"]["name"] != "gbtree":
        raise UnsupportedError(
            f"XGBoost booster {learner['gradient_booster']['name']!r}: pwlc reads tree boosters; retrain with booster='gbtree', or {advice.black_box(model)}"
        )
    if learner["objective"]["name"] in MULTICLASS_OBJECTIVES:
        link: LinkKind = "identity"
        margins = class_base_margins(learner, model)
    else:
        link, margin = link_and_base_margin(learner, model)
        margins = [margin]
    names = list(booster.feature_names or [f"f{j}" for j in range(booster.num_features())])
    labels = _category_labels(booster, names)
    trees = [json.loads(text) for text in booster.get_dump(dump_format="json")]
    groups = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["tree_info"] if len(margins) > 1 else [0] * len(trees)
    by_feature: list[dict[str, list[Node]]] = [defaultdict(list) for _ in margins]
    intercepts = list(margins)
    for index, (tree, group) in enumerate(zip(trees, groups)):
        features = _features(tree)
        if not features:
            intercepts[group] += float(tree["leaf"])
        elif len(features) > 1:
            raise UnsupportedError(
                f"XGBoost tree {index} splits on several features ({', '.join(map(repr, sorted(features)))}), so the model is not additive; "
                f"{advice.ONE_FEATURE_PER_TREE}, or {advice.black_box(model, link)}"
            )
        else:
            by_feature[group][next(iter(features))].append(tree)
    categorical = {name for trees_on in by_feature for name, roots in trees_on.items() if any(_has_categorical_split(r) for r in roots)}
    inputs = tuple(Input(name, "categorical" if name in categorical else "numeric") for name in names if any(name in t for t in by_feature))
    doc = f"an XGBoost {type(model).__name__} ({len(trees)} trees; it computes in float32)"
    teachers = [
        Additive(inputs, tuple(_shape(name, trees_on[name], labels.get(name)) for name in names if name in trees_on), intercept, link, doc)
        for trees_on, intercept in zip(by_feature, intercepts)
    ]
    if len(teachers) == 1:
        return teachers[0]
    classes = class_names(getattr(model, "classes_", range(len(teachers))))
    return MulticlassAdditive(classes, tuple(teachers), f"an XGBoost {type(model).__name__} ({len(trees)} trees, {len(classes)} classes; it computes in float32)")


def _shape(name: str, roots: Sequence[Node], labels: list[str] | None) -> Shape:
    """The exact shape of one feature's trees."""
    description = f"XGBoost trees on {name!r}"
    if any(_has_categorical_split(root) for root in roots):
        table = _merged_table(name, roots, labels)
        return Shape((name,), description, term=table, missing=table.missing)
    edges = lowest_reaching(float32_rounding, [_float32(s) for root in roots for s in _splits(root)])
    step = merged_step(name, edges, "upper", partial(_tree_sums, roots), _tree_sum(roots, math.nan))
    return Shape((name,), description, term=step, missing=step.missing)


def _category_labels(booster: Any, names: Sequence[str]) -> dict[str, list[str]]:
    """Feature name -> category label per code, when the booster stores them (XGBoost 3, pandas input)."""
    if not hasattr(booster, "get_categories"):
        return {}
    stored = booster.get_categories(export_to_arrow=True).to_arrow()
    if stored is None:
        return {}
    return {str(name): [category_key(label) or "" for label in values.to_pylist()] for name, values in stored if values is not None}


IDENTITY_OBJECTIVES = ("binary:logitraw", "reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror", "reg:quantileerror", "reg:expectile")


def _float32(value: float | str) -> float:
    """`value` rounded to float32, as XGBoost stores and adds every number."""
    return float(np.float32(value))


# Objectives whose K margins are one softmax (softmax predicts the argmax, softprob the probabilities).
MULTICLASS_OBJECTIVES = ("multi:softprob", "multi:softmax")


def class_base_margins(learner: Mapping[str, Any], model: Any = None) -> list[float]:
    """The base margin of each class of a `multi:softprob` model, from the "learner" part
    of `save_config()`: XGBoost 3 keeps one per class (in margin units), older versions one
    number for every class; float32, as XGBoost adds them."""
    parameters = learner["learner_model_param"]
    classes = int(parameters.get("num_class", "0"))
    if learner.get("learner_train_param", {}).get("multi_strategy") == "multi_output_tree":
        raise UnsupportedError(
            "XGBoost multi_strategy='multi_output_tree': each leaf holds a vector of class scores, where pwlc reads one"
            " tree a class; retrain with multi_strategy='one_output_per_tree' (the default) and one feature per tree"
        )
    if classes < 3:
        raise UnsupportedError(f"XGBoost objective {learner['objective']['name']!r} with {classes} classes: train binary:logistic for two classes")
    found = [float(v) for v in str(parameters["base_score"]).strip("[]").split(",")]
    if len(found) not in (1, classes):
        raise UnsupportedError(f"XGBoost model: {len(found)} base scores for {classes} classes; save the model again with this XGBoost version")
    return [_float32(v) for v in (found * classes if len(found) == 1 else found)]


def link_and_base_margin(learner: Mapping[str, Any], model: Any = None) -> tuple[LinkKind, float]:
    """The link, and the base margin XGBoost starts each row's sum from (a float32), from
    the "learner" part of the booster's `save_config()` (one-score models)."""
    objective = learner["objective"]["name"]
    outputs = max(int(learner["learner_model_param"].get("num_class", "0")), int(learner["learner_model_param"].get("num_target", "1")))
    if objective.startswith("multi:") or outputs > 1:
        raise UnsupportedError(f"XGBoost objective {objective!r}: {advice.multiclass(model, outputs)}")
    # the margin is computed from the decimal in double, then stored as a float32
    base_score = float(str(learner["learner_model_param"]["base_score"]).strip("[]"))
    if objective == "binary:logistic":
        return "logistic", _float32(math.log(base_score / (1.0 - base_score)))
    if objective in ("count:poisson", "reg:gamma", "reg:tweedie"):
        return "exp", _float32(math.log(base_score))
    if objective in IDENTITY_OBJECTIVES or objective.startswith("rank:"):
        return "identity", _float32(base_score)
    known = ", ".join(["binary:logistic", "count:poisson", "reg:gamma", "reg:tweedie", *IDENTITY_OBJECTIVES, "rank:*"])
    raise UnsupportedError(f"XGBoost objective {objective!r}: pwlc knows the links of {known}; {advice.black_box(model)}")


def _features(node: Node) -> set[str]:
    if "leaf" in node:
        return set()
    found = {str(node["split"])}
    for child in node["children"]:
        found |= _features(child)
    return found


def _has_categorical_split(node: Node) -> bool:
    if "leaf" in node:
        return False
    return isinstance(node["split_condition"], list) or any(_has_categorical_split(child) for child in node["children"])


def _child(node: Node, nodeid: int) -> Node:
    for child in node["children"]:
        if child["nodeid"] == nodeid:
            return child
    raise UnsupportedError(f"XGBoost dump: node {node['nodeid']} has no child {nodeid}; save the model again with this XGBoost version")


def _walk(node: Node, x: float) -> float:
    while "leaf" not in node:
        condition = node["split_condition"]
        if math.isnan(x):
            target = node["missing"]
        elif isinstance(condition, list):  # a category code: listed codes go "yes"
            target = node["yes"] if x >= 0 and int(x) in condition else node["no"]
        else:
            target = node["yes"] if np.float32(x) < np.float32(condition) else node["no"]
        node = _child(node, target)
    return float(np.float32(node["leaf"]))


def _splits(node: Node) -> list[float]:
    if "leaf" in node:
        return []
    return [float(node["split_condition"])] + [s for child in node["children"] for s in _splits(child)]


def _codes(node: Node) -> set[int]:
    if "leaf" in node:
        return set()
    own = set(node["split_condition"]) if isinstance(node["split_condition"], list) else set()
    return own.union(*(_codes(child) for child in node["children"]))


def _merged_table(name: str, roots: Sequence[Node], labels: list[str] | None) -> Table:
    codes = set().union(*(_codes(root) for root in roots))
    if labels is not None:
        entries = tuple((labels[code], _tree_sum(roots, float(code))) for code in range(len(labels)))
    else:
        entries = tuple((str(code), _tree_sum(roots, float(code))) for code in sorted(codes))
    return Table(name, entries, default=_tree_sum(roots, -1.0), missing=_tree_sum(roots, math.nan))


def _tree_sums(roots: Sequence[Node], x: FloatArray) -> FloatArray:
    with np.errstate(over="ignore"):  # the largest double rounds to float32 infinity, as in XGBoost
        return np.array([_tree_sum(roots, float(v)) for v in x], dtype=np.float64)


def _tree_sum(roots: Sequence[Node], x: float) -> float:
    total = 0.0
    for root in roots:
        total += _walk(root, x)
    return total
