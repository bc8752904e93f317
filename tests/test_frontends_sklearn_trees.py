"""scikit-learn HistGradientBoosting and GradientBoosting with one feature per tree: exact
lowering against the model's raw score on real data and edge grids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas, lending_club
from pwlc.frontends import lower
from tests.frontend_checks import assert_exact, library_scores, probes
from tests.real_data import load

ROWS = 2000


@pytest.fixture(scope="module")
def compas_categories():
    data = load(compas)
    X = data.X.iloc[:ROWS].copy()
    X.loc[:80, "age"] = np.nan
    X.loc[100:160, "race"] = np.nan
    for column in data.categorical:
        X[column] = X[column].astype("category")
    return X, data.y[:ROWS]


def raw(model):
    return model.decision_function if hasattr(model, "decision_function") else model.predict


@pytest.mark.parametrize("shape", ["interaction_cst", "stumps"])
def test_hist_gradient_boosting_classifier_with_categories_and_nan_is_exact(compas_categories, shape):
    """Missing values go where each node learned (priors_count had none at training: NaN
    goes to the child that saw more rows); categories by bitset, unseen ones the missing way."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = compas_categories
    options = {"interaction_cst": [[j] for j in range(X.shape[1])]} if shape == "interaction_cst" else {"max_depth": 1}
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0, **options).fit(X, y)
    lowered = lower(model)
    assert {t.feature for t in lowered.terms if isinstance(t, pwlc.Table)} <= {"race", "sex", "c_charge_degree"}
    frame = probes(lowered, X)
    assert_exact(lowered, frame, library_scores(raw(model), frame), data_rows=len(X))
    priors = next(t for t in lowered.terms if getattr(t, "feature", None) == "priors_count")
    assert priors.missing is not None


def test_hist_gradient_boosting_poisson_regressor_on_lending_club_is_exact():
    from sklearn.ensemble import HistGradientBoostingRegressor

    loans = load(lending_club)
    X = loans.X[list(loans.numeric)]
    model = HistGradientBoostingRegressor(loss="poisson", max_iter=30, max_depth=1, random_state=0).fit(X, loans.y)
    lowered = lower(model)
    assert lowered.link == "exp"
    frame = probes(lowered, X)
    assert_exact(lowered, frame, library_scores(lambda rows: np.log(model.predict(rows)), frame), data_rows=len(X), tolerance=1e-12 * 10)


def test_hist_gradient_boosting_on_integer_codes_is_exact(compas_categories):
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y = compas_categories
    codes = pd.DataFrame({"age": X["age"], "priors_count": X["priors_count"], "race": X["race"].cat.codes.astype(np.float64).replace(-1.0, np.nan)})
    model = HistGradientBoostingRegressor(max_iter=30, max_depth=1, categorical_features=[2], random_state=0).fit(codes.to_numpy(), y + (codes["race"] == 2.0))
    lowered = lower(model)
    table = next(t for t in lowered.terms if isinstance(t, pwlc.Table))
    assert table.feature == "x2" and set(table.lookup()) <= {str(k) for k in range(6)}
    frame = probes(lowered, codes.set_axis(["x0", "x1", "x2"], axis=1))
    assert_exact(lowered, frame, library_scores(lambda rows: model.predict(rows.to_numpy()), frame), data_rows=len(X))


@pytest.mark.parametrize("kind", ["GradientBoostingClassifier", "GradientBoostingRegressor"])
def test_gradient_boosting_stumps_compare_in_float32_and_are_exact(compas_categories, kind):
    """scikit-learn rounds inputs to float32 before `x <= threshold`: every edge is the first
    double whose float32 passes the threshold, so ±1 ulp probes land as in scikit-learn."""
    import sklearn.ensemble

    X, y = compas_categories
    X = X[["age", "priors_count", "length_of_stay"]].fillna(30.0) * 1.1  # thresholds between float32 values
    model = getattr(sklearn.ensemble, kind)(n_estimators=40, max_depth=1, random_state=0).fit(X, y)
    lowered = lower(model)
    frame = probes(lowered, X)
    assert_exact(lowered, frame, library_scores(raw(model), frame), data_rows=len(X))


def test_deeper_trees_and_multiclass_are_refused_with_what_to_do(compas_categories):
    from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingClassifier

    X, y = compas_categories
    numeric = X[["age", "priors_count"]].fillna(30.0)
    with pytest.raises(pwlc.UnsupportedError, match=r"HistGradientBoostingClassifier tree 0 splits on several features.*retrain with max_depth=1 or interaction_cst=.*pwlc.distill\(lambda X: model.predict_proba"):
        lower(HistGradientBoostingClassifier(max_iter=2).fit(numeric, y))
    with pytest.raises(pwlc.UnsupportedError, match=r"GradientBoostingRegressor tree 0 splits on several features.*retrain with max_depth=1, or .*pwlc.distill\(model.predict, X\)"):
        lower(GradientBoostingRegressor(n_estimators=2, max_depth=2).fit(numeric, y))
    # 3 classes lower to a multiclass model (tests/test_frontends_multiclass.py checks them on every probe)
    assert isinstance(lower(HistGradientBoostingClassifier(max_iter=2, max_depth=1).fit(numeric, (y + (numeric["age"] > 30)).astype(int))), pwlc.Multiclass)
