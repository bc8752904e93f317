"""Linear terms inside a multiclass model: each class's score may hold `Linear` terms (a
multinomial LogisticRegression over scaled or passthrough columns); the evaluator, .pwl and
C handle them class by class as they do for one score."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import pwlc
from pwlc.ir import Linear, Multiclass, all_terms
from pwlc.testing import edge_grid, grid_as_arrays
from tests.frontend_checks import RELATIVE, assert_exact, library_scores, probes, require_library
from tests.strategies import multiclass_models
from tests.test_multiclass_c import check_runs_as_evaluated

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

with_linear_terms = multiclass_models(max_terms=3, max_classes=4, linear=True).filter(lambda m: any(isinstance(t, Linear) for t in all_terms(m)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(with_linear_terms)
def test_linear_terms_in_classes_score_as_each_class_alone_and_round_trip_through_pwl(model: Multiclass) -> None:
    data = grid_as_arrays(model, edge_grid(model))
    scores = pwlc.evaluate(model, data, output="score")
    for k in range(len(model.classes)):
        np.testing.assert_array_equal(scores[:, k], pwlc.evaluate(model.class_model(k), data, output="score"))
    assert pwlc.read(pwlc.emit(model, "pwl"), format="pwl") == model


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(with_linear_terms)
def test_linear_terms_in_classes_run_as_the_evaluator_in_c_and_read_back(model: Multiclass) -> None:
    try:
        text = pwlc.emit(model, "c")
    except pwlc.UnsupportedError as refusal:  # a NUL in a category or class name: C strings end there
        assert "NUL" in str(refusal)
        return
    check_runs_as_evaluated(text, model)
    assert pwlc.read(text, format="c") == model


def test_multinomial_logistic_regression_over_scaled_columns_has_linear_terms_in_every_class() -> None:
    """StandardScaler and passthrough columns into a 3-class LogisticRegression: a linear
    term a column in every class, each class's scaler offsets in its intercept, equal to
    scikit-learn's decision function up to rounding on the data and the edge grid (±1e6 and
    each term's overflow point)."""
    require_library("sklearn")
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from pwlc.datasets import compas_risk
    from tests.real_data import load

    risk = load(compas_risk)
    X = risk.X.iloc[:1500].copy()
    X.loc[:60, "age"] = np.nan
    pipeline = make_pipeline(
        make_column_transformer(
            (make_pipeline(SimpleImputer(), StandardScaler()), ["age"]),
            ("passthrough", ["priors_count"]),
            (OneHotEncoder(handle_unknown="ignore"), ["sex"]),
        ),
        LogisticRegression(max_iter=2000),
    ).fit(X, risk.y[:1500])
    lowered = pwlc.lower(pipeline)
    assert isinstance(lowered, pwlc.Multiclass) and len(lowered.classes) == 3
    for terms in lowered.scores:
        assert {t.feature for t in terms if isinstance(t, Linear)} == {"age", "priors_count"}
    frame = probes(lowered, X)
    assert any(abs(v) == 1e6 for v in frame["age"])
    assert_exact(lowered, frame, library_scores(pipeline.decision_function, frame, 3), data_rows=len(X), relative=RELATIVE)
    data = X.reset_index(drop=True)
    np.testing.assert_allclose(pwlc.evaluate(lowered, data), pipeline.predict_proba(data), rtol=1e-12, atol=1e-15)
