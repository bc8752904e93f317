"""scikit-learn: linear and generalized linear models (alone or behind a pipeline of
imputers, scalers, binning, one-hot and spline encoders), and gradient-boosted trees
(`HistGradientBoosting*`, `GradientBoosting*`) whose trees each read one feature."""

from __future__ import annotations

from typing import Any

from pwlc.frontends.additive import Additive, MulticlassAdditive
from pwlc.frontends.sklearn.linear import LINEAR_MODELS
from pwlc.frontends.sklearn.trees import TREE_MODELS

MODELS = ("Pipeline", *LINEAR_MODELS, *TREE_MODELS)


def teacher(model: Any) -> Additive | MulticlassAdditive:
    if type(model).__name__ in TREE_MODELS:
        from pwlc.frontends.sklearn import trees

        return trees.teacher(model)
    from pwlc.frontends.sklearn import linear

    return linear.teacher(model)
