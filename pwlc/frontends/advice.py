"""What a refusal tells the user to do instead: one wording, used by every frontend."""

from __future__ import annotations

from typing import Any

ONE_FEATURE_PER_TREE = "retrain with one feature per tree (max_depth=1, or interaction constraints with one feature per group)"
DISTILL = "pwlc.distill(model, X) fits curves to it"


def black_box(model: Any, link: str = "identity") -> str:
    """How to distill `model` through its predictions (it has no exact lowering)."""
    if hasattr(model, "predict_proba"):
        return "distill it as a black box: pwlc.distill(lambda X: model.predict_proba(X)[:, 1], X, link='logistic')"
    suffix = f", link={link!r}" if link != "identity" else ""
    return f"distill it as a black box: pwlc.distill(model.predict, X{suffix})"


def multiclass(model: Any, outputs: int | str) -> str:
    """The refusal of a model with several outputs that pwlc does not read as a `Multiclass`."""
    return (
        f"a model with {outputs} outputs (classes or targets) has one score per output, and pwlc reads multiclass models"
        " (a softmax of one score a class) from EBM, LightGBM objective='multiclass', XGBoost multi:softprob and"
        " scikit-learn LogisticRegression and (Hist)GradientBoostingClassifier only; train one of those, or one binary model"
        " per class (one-vs-rest) or one model"
        " per target and compile each, or distill one class's probability as a black box:"
        " pwlc.distill(lambda X: model.predict_proba(X)[:, k], X, link='logistic')"
    )
