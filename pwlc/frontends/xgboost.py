"""XGBoost tree models whose trees each read one feature (`max_depth=1`, or one-feature
`interaction_constraints`), numeric splits only.

XGBoost's rule: `x < split_condition` goes to "yes", a missing value to "missing". It
compares in float32 (the input is rounded to float32 first): each float32 threshold is
turned into the float64 edge where rounding to float32 crosses it, so every row lands in
the leaf XGBoost picks. The lowered model adds those float32 leaves (and the float32 base
margin) in float64, where XGBoost adds them in float32: its margin is that same sum
rounded along the way (~1e-7 relative). `pwlc.testing.xgboost_leaves` shows it leaf by leaf.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends.additive import Additive, Shape
from pwlc.ir import Input, LinkKind, Step

Node = Mapping[str, Any]


def load(path: Path) -> Any:
    """An XGBoost Booster from its JSON model file."""
    import xgboost

    booster = xgboost.Booster()
    try:
        booster.load_model(str(path))
    except xgboost.core.XGBoostError as exc:
        raise UnsupportedError(f"{path}: not an XGBoost model ({str(exc).splitlines()[0]})") from None
    return booster


def teacher(model: Any) -> Additive:
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    config = json.loads(booster.save_config())
    learner = config["learner"]
    if learner["gradient_booster"]["name"] != "gbtree":
        raise UnsupportedError(f"XGBoost booster {learner['gradient_booster']['name']!r}: pwlc handles tree boosters (gbtree)")
    link, intercept = link_and_base_margin(learner)
    names = list(booster.feature_names or [f"f{j}" for j in range(booster.num_features())])
    trees = [json.loads(text) for text in booster.get_dump(dump_format="json")]
    by_feature: dict[str, list[Node]] = defaultdict(list)
    for index, tree in enumerate(trees):
        features = _features(tree)
        if not features:
            intercept += float(tree["leaf"])
        elif len(features) > 1:
            raise UnsupportedError(f"XGBoost tree {index} splits on several features ({', '.join(map(repr, sorted(features)))}), so the model is not additive")
        else:
            by_feature[next(iter(features))].append(tree)
    inputs = []
    shapes = []
    for name in names:
        if name in by_feature:
            step = _merged_step(name, by_feature[name])
            inputs.append(Input(name, "numeric"))
            shapes.append(Shape((name,), f"XGBoost trees on {name!r}", term=step, missing=step.missing))
    return Additive(tuple(inputs), tuple(shapes), intercept, link, f"an XGBoost {type(model).__name__} ({len(trees)} trees; it computes in float32)")


def _float32(value: float | str) -> float:
    """`value` rounded to float32, as XGBoost stores and adds every number."""
    return float(np.float32(value))


def link_and_base_margin(learner: Mapping[str, Any]) -> tuple[LinkKind, float]:
    """The link, and the base margin XGBoost starts each row's sum from (a float32), from
    the "learner" part of the booster's `save_config()`."""
    objective = learner["objective"]["name"]
    # the margin is computed from the decimal in double, then stored as a float32
    base_score = float(str(learner["learner_model_param"]["base_score"]).strip("[]"))
    if objective == "binary:logistic":
        return "logistic", _float32(math.log(base_score / (1.0 - base_score)))
    if objective in ("count:poisson", "reg:gamma", "reg:tweedie"):
        return "exp", _float32(math.log(base_score))
    if objective.startswith(("multi:", "reg:quantile")):
        raise UnsupportedError(f"XGBoost objective {objective!r}: pwlc handles one output")
    if objective in ("binary:logitraw", "reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror") or objective.startswith("rank:"):
        return "identity", _float32(base_score)
    raise UnsupportedError(f"XGBoost objective {objective!r} is not supported")


def _features(node: Node) -> set[str]:
    if "leaf" in node:
        return set()
    if node.get("split_type", "numerical") not in ("numerical", 0):
        raise UnsupportedError(f"XGBoost categorical split on {node['split']!r} is not supported")
    found = {str(node["split"])}
    for child in node["children"]:
        found |= _features(child)
    return found


def _child(node: Node, nodeid: int) -> Node:
    for child in node["children"]:
        if child["nodeid"] == nodeid:
            return child
    raise UnsupportedError(f"XGBoost dump: node {node['nodeid']} has no child {nodeid}")


def _walk(node: Node, x: float) -> float:
    while "leaf" not in node:
        if math.isnan(x):
            target = node["missing"]
        else:
            target = node["yes"] if np.float32(x) < np.float32(node["split_condition"]) else node["no"]
        node = _child(node, target)
    return float(np.float32(node["leaf"]))


def _edge(split_condition: float) -> float:
    """The float64 edge e with: float32(x) < t exactly when x < e (t the float32 threshold)."""
    t = np.float32(split_condition)
    below = np.nextafter(t, np.float32(-np.inf))
    middle = (float(below) + float(t)) / 2.0  # exact in float64
    # A double exactly halfway rounds to the float32 with an even mantissa.
    middle_rounds_down = int(np.array(below).view(np.uint32)) % 2 == 0
    return math.nextafter(middle, math.inf) if middle_rounds_down else middle


def _splits(node: Node) -> list[float]:
    if "leaf" in node:
        return []
    return [float(node["split_condition"])] + [s for child in node["children"] for s in _splits(child)]


def _merged_step(name: str, roots: Sequence[Node]) -> Step:
    edges = sorted({_edge(s) for root in roots for s in _splits(root)})
    # With at_edge="upper" the bins are [e_k, e_{k+1}); each bin's lower end represents it.
    representatives = [-math.inf, *edges]
    values = tuple(_tree_sum(roots, x) for x in representatives)
    return Step(name, tuple(edges), values, at_edge="upper", missing=_tree_sum(roots, math.nan))


def _tree_sum(roots: Sequence[Node], x: float) -> float:
    total = 0.0
    for root in roots:
        total += _walk(root, x)
    return total
