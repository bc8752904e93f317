"""pwlc.sklearn: the distilled model as a scikit-learn estimator (scikit-learn's own checks,
model selection, the teacher left as it was, and `to_code` run on its engines)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils.validation import check_is_fitted

import pwlc
from pwlc.datasets import compas, compas_risk
from pwlc.ir import Curve, Multiclass, Table
from pwlc.sklearn import DistilledClassifier, DistilledRegressor
from tests.conftest import require_engine
from tests.engines import run_c_source, run_python_source, run_sql_source, unavailable
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")


def small_ebm(kind: str = "classifier") -> object:
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    options = {"interactions": 0, "outer_bags": 1, "max_rounds": 200, "n_jobs": 1, "random_state": 0}
    return ExplainableBoostingClassifier(**options) if kind == "classifier" else ExplainableBoostingRegressor(**options)


def stumps(trees: int = 30) -> object:
    from lightgbm import LGBMRegressor

    return LGBMRegressor(max_depth=1, n_estimators=trees, verbose=-1, n_jobs=1, random_state=0)


# Every check passes with these teachers (an exact frontend each, and a black box's
# predictions through LightGBM's): no check is expected to fail. A fitted teacher wrapped in
# FrozenEstimator is kept out: the checks fit on arrays of 1 to 10 columns and the teacher
# only takes the columns it was fitted on (tested below instead). check_array_api_input is
# left out rather than skipped: pwlc scores numpy and pandas input, not other array
# libraries (scikit-learn itself skips the check unless SCIPY_ARRAY_API is set).
def _estimator_checks() -> list[tuple[object, object]]:
    from sklearn.utils.estimator_checks import estimator_checks_generator

    estimators = [
        DistilledClassifier(small_ebm(), segments=3),
        DistilledClassifier(LogisticRegression()),
        DistilledRegressor(stumps(), segments=3),
        DistilledRegressor(Ridge()),
    ]
    return [
        pytest.param(estimator, check, id=f"{n}-{type(estimator).__name__}-{_check_name(check)}")
        for n, each in enumerate(estimators)
        for estimator, check in estimator_checks_generator(each, legacy=True)
        if _check_name(check) != "check_array_api_input"
    ]


def _check_name(check: object) -> str:
    return str(getattr(getattr(check, "func", check), "__name__", check))


@pytest.mark.parametrize(("estimator", "check"), _estimator_checks())
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


# --- data ---------------------------------------------------------------------------------


def wavy(rows: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A regression target no single segment can follow: a sine in x0, a parabola in x1."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(rows, 3))
    return X, 2 * np.sin(X[:, 0]) + X[:, 1] ** 2 / 3 + rng.normal(0, 0.1, rows)


def split(dataset, rows: int = 4000):
    X, y = dataset.X, dataset.y
    return X.iloc[:rows], y[:rows], X.iloc[rows:], y[rows:]


def columns_of(X: pd.DataFrame) -> dict[str, list]:
    return {name: X[name].tolist() for name in X.columns}


# --- the teacher ----------------------------------------------------------------------------


def test_an_unfitted_teacher_is_cloned_and_fitted_and_the_given_object_stays_unfitted():
    X, y = wavy()
    teacher = stumps()
    student = DistilledRegressor(teacher, segments=3).fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(teacher)
    assert student.teacher_ is not teacher
    assert student.teacher_.get_params() == teacher.get_params()
    # The student follows its teacher: an RMS gap under 10% of the teacher's spread.
    taught = student.teacher_.predict(pd.DataFrame(X, columns=["x0", "x1", "x2"]))
    assert np.sqrt(np.mean((student.predict(X) - taught) ** 2)) < 0.1 * np.std(taught)
    assert student.n_features_in_ == 3 and not hasattr(student, "feature_names_in_")
    assert {"x0", "x1"} <= {i.name for i in student.model_.inputs} <= {"x0", "x1", "x2"}  # (x2 is noise a teacher may leave out)


def test_a_fitted_teacher_is_distilled_as_it_is_without_y_and_left_unchanged():
    X, y = wavy()
    teacher = HistGradientBoostingRegressor(max_depth=1, max_iter=40, random_state=0).fit(X, y)
    before = teacher.predict(X)
    student = DistilledRegressor(teacher, segments=4).fit(X)
    assert student.teacher_ is teacher
    assert np.array_equal(teacher.predict(X), before)
    assert np.sqrt(np.mean((student.predict(X) - before) ** 2)) < 0.1 * np.std(before)
    with pytest.raises(ValueError, match="fitted on 3: distill it on rows of the features it was fitted on"):
        DistilledRegressor(teacher).fit(X[:, :2])


def test_a_teacher_fitted_on_a_bare_array_names_its_columns_as_its_library_does():
    X, y = wavy()
    lightgbm = stumps(100).fit(X, y)  # Column_0, Column_1, ...
    student = DistilledRegressor(lightgbm, segments=4).fit(X)
    assert {"Column_0", "Column_1"} <= {i.name for i in student.model_.inputs} <= {"Column_0", "Column_1", "Column_2"}
    before = lightgbm.predict(X)
    assert np.sqrt(np.mean((student.predict(X) - before) ** 2)) < 0.1 * np.std(before)
    # Refitted on a frame, the student takes the frame's names; on an array again, x0, x1, ...
    renamed = DistilledRegressor(stumps(), segments=2)
    assert list(renamed.fit(pd.DataFrame(X, columns=["a", "b", "c"]), y).feature_names_in_) == ["a", "b", "c"]
    refitted = renamed.fit(X, y)
    assert not hasattr(refitted, "feature_names_in_") and {i.name for i in refitted.model_.inputs} <= {"x0", "x1", "x2"}


def test_clone_unfits_a_teacher_unless_it_is_frozen():
    X, y = wavy()
    teacher = HistGradientBoostingRegressor(max_depth=1, max_iter=40, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        clone(DistilledRegressor(teacher)).fit(X)
    frozen = DistilledRegressor(FrozenEstimator(teacher), segments=4)
    once = clone(frozen).fit(X)
    assert once.teacher_.estimator is teacher  # not refitted: the very object
    assert once.model_ == DistilledRegressor(teacher, segments=4).fit(X).model_


def test_y_is_checked_as_scikit_learn_checks_it():
    X, y = wavy()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DistilledRegressor(Ridge()).fit(X, y[:-1])
    with pytest.raises(ValueError, match="Unknown label type"):
        DistilledClassifier(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        DistilledClassifier(small_ebm()).fit(X, np.zeros(len(X)))


# --- predictions and code -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compas_student():
    X, y, X_test, y_test = split(load(compas))
    y = y.astype(int)  # (EBM names float labels "0.0" and "1.0"; the classes are the teacher's)
    return DistilledClassifier(small_ebm(), segments=3).fit(X, y), X_test, y_test


def test_binary_classifier_on_a_frame_with_categories(compas_student):
    student, X_test, _ = compas_student
    assert list(student.feature_names_in_) == list(X_test.columns)
    assert list(student.classes_) == [0, 1]
    assert any(isinstance(t, Table) for t in student.model_.terms)  # the categorical columns
    probabilities = student.predict_proba(X_test)
    teacher = student.teacher_.predict_proba(X_test)
    assert probabilities.shape == (len(X_test), 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert np.abs(probabilities - teacher).mean() < 0.02
    scores = student.decision_function(X_test)
    assert np.allclose(1 / (1 + np.exp(-scores)), probabilities[:, 1], rtol=0, atol=1e-12)
    assert np.array_equal(student.predict(X_test), np.where(scores > 0, 1, 0))


def test_to_code_python_is_the_model_and_runs_as_predict_does(compas_student):
    student, X_test, _ = compas_student
    rows = X_test.iloc[:300]
    python = student.to_code("python")
    assert pwlc.read(python, format="python") == student.model_
    assert np.array_equal(run_python_source(python, student.model_, columns_of(rows)), student.decision_function(rows))


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_to_code_sql_runs_as_predict_does(compas_student, engine):
    student, X_test, _ = compas_student
    reason = unavailable(engine)
    if reason is not None:
        require_engine(engine, reason)
    rows = X_test.iloc[:300]
    query = student.to_code(f"sql:{engine}", table="input", keys=["row_id"])
    ran = run_sql_source(query, student.model_, columns_of(rows), engine, output="prediction")
    assert np.allclose(ran, student.predict_proba(rows)[:, 1], rtol=0, atol=1e-12)


def test_to_code_c_runs_as_predict_does(compas_student):
    student, X_test, _ = compas_student
    reason = unavailable("gcc")
    if reason is not None:
        require_engine("gcc", reason)
    rows = X_test.iloc[:300]
    ran = run_c_source(student.to_code("c"), student.model_, columns_of(rows), "gcc")
    assert np.allclose(ran, student.decision_function(rows), rtol=0, atol=1e-12)


def test_multiclass_classifier_orders_its_classes_as_the_teacher():
    data = load(compas_risk)
    frame = data.X.astype({name: "category" for name in data.categorical})  # (LightGBM's categorical columns)
    X, y = frame.iloc[:4000], np.asarray(data.classes)[data.y[:4000].astype(int)]  # names: High, Low, Medium
    X_test = frame.iloc[4000:]
    from lightgbm import LGBMClassifier

    student = DistilledClassifier(LGBMClassifier(max_depth=1, n_estimators=60, verbose=-1, n_jobs=1, random_state=0), segments=3).fit(X, y)
    assert isinstance(student.model_, Multiclass)
    assert list(student.classes_) == ["High", "Low", "Medium"]
    probabilities = student.predict_proba(X_test)
    teacher = student.teacher_.predict_proba(X_test)
    assert np.abs(probabilities - teacher).mean() < 0.03
    assert (student.predict(X_test) == student.teacher_.predict(X_test)).mean() > 0.9
    assert student.decision_function(X_test).shape == (len(X_test), 3)
    assert pwlc.read(student.to_code("pwl")) == student.model_


# --- model selection ----------------------------------------------------------------------


def test_grid_search_over_segments_prefers_the_curves_that_follow_the_teacher():
    X, y = wavy()
    search = GridSearchCV(DistilledRegressor(stumps(300)), {"segments": [1, 4]}, cv=3).fit(X, y)
    scores = dict(zip([p["segments"] for p in search.cv_results_["params"]], search.cv_results_["mean_test_score"]))
    assert search.best_params_ == {"segments": 4}
    assert scores[4] > scores[1] + 0.1  # R²: a sine is no line
    curves = [t for t in search.best_estimator_.model_.terms if isinstance(t, Curve)]
    assert curves and all(len(t.xs) <= 5 for t in curves)


def test_cross_val_score_of_a_distilled_classifier():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.3, 500) > 0).astype(int)
    accuracy = cross_val_score(DistilledClassifier(LogisticRegression()), X, y, cv=4)
    auc = cross_val_score(DistilledClassifier(LogisticRegression()), X, y, cv=4, scoring="roc_auc")
    assert accuracy.shape == (4,) and all(0.85 < a <= 1 for a in accuracy)
    assert all(0.95 < a <= 1 for a in auc) and not any(math.isnan(a) for a in auc)
