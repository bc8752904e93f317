"""scikit-learn estimators whose fitted state is a distilled pwlc model.

    from pwlc.sklearn import DistilledClassifier
    student = DistilledClassifier(ExplainableBoostingClassifier(), segments=3).fit(X, y)
    student.predict_proba(X)            # the distilled model's, by pwlc's evaluator
    print(student.to_code("sql:duckdb"))

`fit(X, y)` fits a clone of an unfitted teacher on (X, y) first; a fitted teacher is
distilled as it is (`fit(X)`: y is not needed) and never modified. Since scikit-learn's
`clone` (GridSearchCV, cross_val_score) unfits a fitted teacher, wrap one that must stay
fitted in `sklearn.frozen.FrozenEstimator`. The teacher is then distilled on the rows of X
(`pwlc.distill`) and the result optimized with `pipeline` (`pwlc.optimize`); `model_` is the
pwlc `Model` (`Multiclass` for 3+ classes), which every prediction is computed from.

This module imports scikit-learn when it is imported (its base classes); `import pwlc` does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from pwlc.ir import Model, Multiclass

__all__ = ["DistilledClassifier", "DistilledRegressor"]


class _Distilled(BaseEstimator):
    """What both estimators share: the teacher, distillation, validation and `to_code`."""

    def __init__(self, teacher: Any, *, segments: int | None = None, tol: float | None = None, pipeline: str | None = "O2") -> None:
        self.teacher = teacher
        self.segments = segments
        self.tol = tol
        self.pipeline = pipeline

    def fit(self, X: Any, y: Any = None) -> Any:
        """Fit the teacher on (X, y) when it is unfitted (a clone: the given object is left
        as it is), then distill it on the rows of X. `y` is ignored for a fitted teacher."""
        import pwlc

        frame, y = self._frame(X, y, reset=True)
        self.teacher_ = self._fitted_teacher(frame, y)
        self._check_teacher(_unfrozen(self.teacher_))
        model = pwlc.distill(_unfrozen(self.teacher_), frame, segments=self.segments, tol=self.tol)
        if self.pipeline not in (None, "O0", "-O0"):
            model, _ = pwlc.optimize(model, self.pipeline, data=frame)
        self.model_ = model
        return self

    def _check_teacher(self, teacher: Any) -> None:
        """Refuse a fitted teacher that cannot be distilled on these rows."""
        fitted_on = getattr(teacher, "n_features_in_", self.n_features_in_)
        if fitted_on != self.n_features_in_:
            raise ValueError(
                f"X has {self.n_features_in_} features, but the fitted teacher {type(teacher).__name__} was"
                f" fitted on {fitted_on}: distill it on rows of the features it was fitted on (or give an unfitted teacher to fit on X)"
            )

    def to_code(self, target: str = "python", **options: Any) -> str:
        """The distilled model as deployable code: `target` as `pwlc.emit` takes it ("python",
        "c", "sql", "sql:duckdb", "pwl"...), `options` too (`table=`, `keys=` for SQL)."""
        import pwlc

        check_is_fitted(self, "model_")
        return pwlc.emit(self.model_, target, **options)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        teacher = get_tags(self.teacher)
        tags.input_tags.allow_nan = teacher.input_tags.allow_nan  # pwlc scores a missing value; the teacher must fit on one
        tags.input_tags.string = teacher.input_tags.string  # (a categorical column: a table)
        tags.input_tags.categorical = teacher.input_tags.categorical
        tags.target_tags.required = not _is_fitted(self.teacher)
        return tags

    def _fitted_teacher(self, frame: Any, y: Any) -> Any:
        if _is_fitted(self.teacher):
            return self.teacher
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: the teacher"
                f" {type(self.teacher).__name__} is not fitted, so it is fitted on (X, y) first (or give a fitted teacher)"
            )
        return clone(self.teacher).fit(frame, y)  # a frame: every library then names the columns as pwlc does

    def _check_y(self, y: Any) -> None:
        """Nothing more for a regressor (`validate_data` checked y's length and values)."""

    def _frame(self, X: Any, y: Any = None, *, reset: bool) -> tuple[Any, Any]:
        """X checked as scikit-learn checks it (shape, feature names, NaN unless the teacher
        takes it; y's length and values when given) and as a DataFrame of named columns for
        pwlc: a DataFrame as it is (its categorical columns kept), an array with the teacher's
        feature names or x0, x1, ...; and y, raveled."""
        import pandas as pd

        tags = get_tags(self).input_tags
        takes_any = tags.string or isinstance(X, pd.DataFrame)  # (a frame's categorical columns go to the teacher as they are)
        options: dict[str, Any] = {"reset": reset, "dtype": None if takes_any else "numeric", "ensure_all_finite": "allow-nan" if tags.allow_nan else True}
        if y is None:
            checked = validate_data(self, X, **options)
        else:
            checked, y = validate_data(self, X, y, y_numeric=isinstance(self, RegressorMixin), **options)
            self._check_y(y)
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            return X, y
        frame = pd.DataFrame(checked, columns=_names(self.teacher if reset else self.teacher_, checked.shape[1]))
        return (frame.infer_objects() if checked.dtype == object else frame), y

    def _scores(self, X: Any, output: str) -> np.ndarray:
        import pwlc

        check_is_fitted(self, "model_")
        frame, _ = self._frame(X, reset=False)
        return np.asarray(pwlc.evaluate(self.model_, frame, output=output), dtype=np.float64)


class DistilledRegressor(RegressorMixin, _Distilled):
    """A regressor's distilled model (`teacher`: a scikit-learn style regressor, fitted or
    not). `segments`/`tol` go to `pwlc.distill` (neither: segments spent where they buy
    fidelity), `pipeline` to `pwlc.optimize` ("O0" or None: none)."""

    def predict(self, X: Any) -> np.ndarray:
        """The distilled model's prediction (its link applied)."""
        return self._scores(X, "prediction")


class DistilledClassifier(ClassifierMixin, _Distilled):
    """A classifier's distilled model, binary (the log-odds) or of 3+ classes (a score a
    class, their softmax): `teacher` a scikit-learn style classifier, fitted or not; the
    other options as `DistilledRegressor`'s."""

    def fit(self, X: Any, y: Any = None) -> DistilledClassifier:
        super().fit(X, y)
        if isinstance(self.model_, Multiclass):
            from pwlc.frontends.additive import class_names

            self._order = [self.model_.classes.index(name) for name in class_names(self.classes_)]
        elif len(self.classes_) != 2 or not isinstance(self.model_, Model) or self.model_.link != "logistic":
            raise ValueError(f"the distilled model of a classifier of {len(self.classes_)} classes must be a logistic model or one score a class")
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The log-odds of the second class (binary), or the (rows, classes) class scores."""
        scores = self._scores(X, "score")
        return scores[:, self._order] if scores.ndim == 2 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        """(rows, classes) probabilities, in the order of `classes_`."""
        probabilities = self._scores(X, "prediction")
        if probabilities.ndim == 2:
            return probabilities[:, self._order]
        return np.column_stack([1.0 - probabilities, probabilities])

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class (the first of two on a tie, as scikit-learn's linear models)."""
        probabilities = self.predict_proba(X)
        if probabilities.shape[1] == 2:
            return self.classes_[(probabilities[:, 1] > 0.5).astype(int)]
        return self.classes_[np.argmax(probabilities, axis=1)]

    def _check_y(self, y: Any) -> None:
        check_classification_targets(y)

    def _check_teacher(self, teacher: Any) -> None:
        super()._check_teacher(teacher)
        self.classes_ = np.asarray(teacher.classes_)
        if len(self.classes_) < 2:  # (EBM fits one class as a "monoclassification" model)
            raise ValueError(f"the teacher was fitted on one class ({self.classes_[0]!r}): {type(self).__name__} needs rows of 2 or more classes")


def _names(teacher: Any, count: int) -> list[str]:
    """An array's column names: those a fitted teacher was fitted with (its library's names
    for an array's columns), else x0, x1, ... (an unfitted teacher is fitted on them)."""
    teacher = _unfrozen(teacher)
    for attribute in ("feature_names_in_", "feature_name_"):  # scikit-learn and InterpretML; LightGBM
        names = getattr(teacher, attribute, None) if _is_fitted(teacher) else None
        if names is not None and len(names) == count:
            return [str(n) for n in names]
    return [f"x{i}" for i in range(count)]


def _is_fitted(estimator: Any) -> bool:
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    except TypeError:  # not an estimator (no fit): taken as fitted, it can only be distilled
        return True
    return True


def _unfrozen(teacher: Any) -> Any:
    """The estimator inside a `FrozenEstimator` (pwlc lowers the estimator, not the wrapper)."""
    return teacher.estimator if type(teacher).__name__ == "FrozenEstimator" else teacher
