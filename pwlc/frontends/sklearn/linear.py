"""scikit-learn linear and generalized linear models, alone or at the end of a `Pipeline`.

The estimator gives the coefficients, the intercept and the link; `trace` says which
input column each coefficient's feature comes from; `terms` turns each column's features
into one shape.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, MulticlassAdditive, class_names
from pwlc.frontends.sklearn.terms import Group, shape
from pwlc.frontends.sklearn.trace import Feature, inputs, refuse, trace
from pwlc.ir import Input, InputKind, LinkKind

IDENTITY_MODELS = (
    "LinearRegression",
    "Ridge",
    "RidgeCV",
    "Lasso",
    "LassoCV",
    "ElasticNet",
    "ElasticNetCV",
    "Lars",
    "LarsCV",
    "LassoLars",
    "LassoLarsCV",
    "LassoLarsIC",
    "BayesianRidge",
    "ARDRegression",
    "HuberRegressor",
    "QuantileRegressor",
    "SGDRegressor",
    "LinearSVR",
)
LOGISTIC_MODELS = ("LogisticRegression", "LogisticRegressionCV")
EXP_MODELS = ("PoissonRegressor", "GammaRegressor")
LINEAR_MODELS = (*IDENTITY_MODELS, *LOGISTIC_MODELS, *EXP_MODELS, "TweedieRegressor")


def teacher(model: Any) -> Additive | MulticlassAdditive:
    """A linear model, or a `Pipeline` of supported steps ending in one, as an `Additive`;
    a multinomial `LogisticRegression` of 3+ classes (softmax over one linear score per
    coefficient row) as a `MulticlassAdditive`."""
    steps = [step for _, step in model.steps] if type(model).__name__ == "Pipeline" else [model]
    estimator = steps[-1]
    kind = type(estimator).__name__
    if kind not in LINEAR_MODELS:
        raise UnsupportedError(f"the scikit-learn pipeline ends in {kind}; pwlc lowers pipelines ending in {', '.join(LINEAR_MODELS)}, or {advice.black_box(model)}")
    link = _link(estimator, model)
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    classes = len(getattr(estimator, "classes_", ()))
    multiclass = kind in LOGISTIC_MODELS and classes >= 3
    # (scikit-learn 1.9 fits every LogisticRegression of 3+ classes multinomial: liblinear
    # refuses them; one-vs-rest is a OneVsRestClassifier, which pwlc does not read)
    if not multiclass and (coef.shape[0] != 1 or classes > 2):
        raise UnsupportedError(f"{kind}: {advice.multiclass(model, max(coef.shape[0], classes))}")
    intercepts = np.ravel(estimator.intercept_) if np.size(estimator.intercept_) else np.zeros(coef.shape[0])
    width = int(model.n_features_in_)
    features = trace(steps[:-1], width, model)
    if len(features) != coef.shape[1]:
        raise refuse(f"pwlc traced {len(features)} features into {kind} but it has {coef.shape[1]} coefficients", model)
    table = inputs(model, features, width)
    transform = model[:-1].transform if len(steps) > 1 else (lambda batch: batch)
    groups = [Group(column, table.names[column], tuple(features[k] for k in outputs), tuple(outputs), transform, coef[0], table) for (column, _), outputs in _groups(features).items()]
    declared: dict[str, Input] = {}
    for group in groups:
        wanted: InputKind = "categorical" if type(group.encoder).__name__ == "OneHotEncoder" else "numeric"
        if declared.setdefault(group.name, Input(group.name, wanted)).kind != wanted:
            raise refuse(f"column {group.name!r} is used both as categories and as a number", model)
    doc = f"a scikit-learn {_describe(steps)}"
    teachers = []
    for row, intercept in zip(coef, intercepts):  # one row of coefficients a class
        shapes = [shape(replace(group, coef=row)) for group in groups]
        total = float(intercept)
        for term in shapes:
            if term.affine is not None:  # a linear column's offset (a scaler's centring) joins the intercept
                total += term.affine.offset
        teachers.append(Additive(tuple(declared.values()), tuple(shapes), total, "identity" if multiclass else link, doc))
    if not multiclass:
        return teachers[0]
    return MulticlassAdditive(class_names(estimator.classes_), tuple(teachers), f"{doc} ({classes} classes)")


def _groups(features: list[Feature]) -> dict[tuple[int, int], list[int]]:
    """The features of each (input column, encoder), in order of first appearance. A
    column's missing-value indicators join its one other group, if it has exactly one."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, f in enumerate(features):
        groups[(f.column, -1 if f.indicator else id(f.encoder))].append(k)
    for column, key in list(groups):
        if key != -1:
            continue
        others = [other for other in groups if other[0] == column and other[1] != -1]
        if len(others) == 1:
            groups[others[0]] += groups.pop((column, key))
    return dict(groups)


def _link(estimator: Any, model: Any) -> LinkKind:
    kind = type(estimator).__name__
    if kind in LOGISTIC_MODELS:
        return "logistic"
    if kind in EXP_MODELS:
        return "exp"
    if kind == "TweedieRegressor":
        link = estimator.link if estimator.link != "auto" else ("identity" if estimator.power <= 0 else "log")
        if link not in ("identity", "log"):
            raise UnsupportedError(f"TweedieRegressor(link={link!r}): pwlc has the identity and exp links; refit with link='log', or {advice.black_box(model)}")
        return "exp" if link == "log" else "identity"
    return "identity"


def _describe(steps: list[Any]) -> str:
    names = [type(step).__name__ for step in steps if step is not None and not isinstance(step, str)]
    return names[0] if len(names) == 1 else f"pipeline ({' -> '.join(names)})"
