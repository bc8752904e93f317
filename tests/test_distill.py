"""Distillation against independent truth: the teacher's own scores, the fitted shapes
measured by the reference evaluator, and black boxes whose additive form is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas, lending_club
from pwlc.distill import distill_report
from pwlc.frontends import teacher
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def compas_data():
    return load(compas)


@pytest.fixture(scope="module")
def ebm(compas_data):
    from interpret.glassbox import ExplainableBoostingClassifier

    return ExplainableBoostingClassifier(interactions=[(0, 1), (0, 3)], outer_bags=2, max_rounds=300, random_state=0).fit(compas_data.X, compas_data.y)


def auc(y, score):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def test_distilled_ebm_has_few_knots_and_keeps_the_teachers_auc(compas_data, ebm):
    student = pwlc.distill(ebm, compas_data.X, segments=2)
    curves = [t for t in student.terms if isinstance(t, pwlc.Curve)]
    assert {c.feature for c in curves} == set(compas_data.numeric)
    assert all(len(c.xs) <= 3 for c in curves)
    grids = [t for t in student.terms if isinstance(t, pwlc.Grid)]
    assert len(grids) == 2 and all(isinstance(g.a, pwlc.KnotAxis) for g in grids)
    assert student.link == "logistic"
    teacher_auc = auc(compas_data.y, ebm.decision_function(compas_data.X))
    student_auc = auc(compas_data.y, pwlc.evaluate(student, compas_data.X))
    assert abs(student_auc - teacher_auc) < 0.01


def test_tables_intercept_and_missing_values_are_carried_over_exactly(compas_data, ebm):
    exact = pwlc.lower(ebm)
    student = pwlc.distill(ebm, compas_data.X, segments=1)
    tables = lambda m: [t for t in m.terms if isinstance(t, pwlc.Table)]  # noqa: E731
    assert tables(student) == tables(exact)
    assert student.intercept == exact.intercept
    steps = {t.feature: t for t in exact.terms if isinstance(t, pwlc.Step)}
    for curve in (t for t in student.terms if isinstance(t, pwlc.Curve)):
        assert curve.missing == steps[curve.feature].missing


def test_term_error_shrinks_as_segments_grow(compas_data, ebm):
    """More segments never fit the teacher's shape worse (the reported error is measured by
    the reference evaluator on the data)."""
    rms = []
    for segments in (1, 2, 4):
        report = distill_report(ebm, compas_data.X, segments=segments)
        rms.append({e.description: e.rms for e in report.errors})
    for description in rms[0]:
        assert rms[0][description] >= rms[1][description] - 1e-12 >= rms[2][description] - 2e-12


def test_term_errors_are_what_the_evaluator_measures(compas_data, ebm):
    report = distill_report(ebm, compas_data.X, segments=2)
    shapes = teacher(ebm)
    contributions = shapes.contributions(compas_data.X)
    student_terms = pwlc.semantics.evaluate_terms(report.model, compas_data.X)
    offset = 1 if isinstance(report.model.terms[0], pwlc.Constant) else 0
    for k, error in enumerate(report.errors):
        change = np.abs(student_terms[:, k + offset] - contributions[:, k])
        assert error.max == pytest.approx(change.max(), rel=1e-12, abs=1e-15)
        assert error.rms == pytest.approx(np.sqrt(np.mean(change**2)), rel=1e-12, abs=1e-15)


def test_missing_values_of_lightgbm_default_directions_are_carried_over():
    import lightgbm

    data = load(lending_club)
    X = data.X[["annual_income", "months_since_last_delinq", "debt_to_income"]]
    model = lightgbm.LGBMRegressor(n_estimators=40, num_leaves=6, interaction_constraints=[[0], [1], [2]], verbose=-1).fit(X, data.y)
    student = pwlc.distill(model, X, segments=3)
    exact = {t.feature: t for t in pwlc.lower(model).terms if isinstance(t, pwlc.Step)}
    never = X.isna()["months_since_last_delinq"].to_numpy()
    assert never.any()
    for curve in (t for t in student.terms if isinstance(t, pwlc.Curve)):
        assert curve.missing == exact[curve.feature].missing
    # On rows where the input is missing, the student's term is the teacher's exactly.
    rows = X[never]
    student_scores = pwlc.evaluate(student, rows, output="score")
    assert np.all(np.isfinite(student_scores))


def test_distilling_the_lowered_ir_is_distilling_the_model(compas_data, ebm):
    from_model = pwlc.distill(ebm, compas_data.X, segments=2)
    from_ir = pwlc.distill(pwlc.lower(ebm), compas_data.X, segments=2)
    assert from_ir.terms == from_model.terms


def test_spline_teacher_is_followed_closely_by_enough_segments(compas_data):
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer

    X = compas_data.X[["age", "priors_count"]]
    pipeline = make_pipeline(make_column_transformer((SplineTransformer(n_knots=5), ["age", "priors_count"])), Ridge()).fit(X, compas_data.y)
    truth = pipeline.predict(X)
    errors = [np.sqrt(np.mean((pwlc.evaluate(pwlc.distill(pipeline, X, segments=s), X) - truth) ** 2)) for s in (1, 6)]
    assert errors[1] < errors[0] / 3
    assert errors[1] < 0.05 * np.std(truth)  # within 5% of the spread of the teacher's predictions


def test_black_box_additive_function_is_recovered(compas_data):
    """A black box that is secretly additive: partial dependence recovers its shapes."""
    race_effect = {"African-American": 0.3, "Caucasian": -0.1}

    def black_box(frame: pd.DataFrame) -> np.ndarray:
        age = frame["age"].to_numpy(dtype=float)
        priors = frame["priors_count"].to_numpy(dtype=float)
        race = frame["race"].map(race_effect).fillna(0.0).to_numpy()
        return 0.5 - 0.04 * np.minimum(age, 50.0) + 0.1 * np.sqrt(priors) + race

    X = compas_data.X[["age", "priors_count", "race"]]
    calls = []
    student = pwlc.distill(black_box, X, segments=3, progress=lambda done, total, what: calls.append((done, total)))
    truth = black_box(X)
    error = pwlc.evaluate(student, X, output="score") - truth
    assert np.sqrt(np.mean(error**2)) < 0.02 * np.std(truth)
    assert calls and calls[-1][0] == calls[-1][1]


def test_black_box_probabilities_are_fitted_on_the_logit_scale(compas_data):
    def probability(frame: pd.DataFrame) -> np.ndarray:
        score = -2.0 + 0.05 * frame["priors_count"].to_numpy(dtype=float) * 10 / (1 + frame["priors_count"].to_numpy(dtype=float))
        return 1 / (1 + np.exp(-score))

    X = compas_data.X[["priors_count"]]
    student = pwlc.distill(probability, X, link="logistic", segments=4)
    assert student.link == "logistic"
    np.testing.assert_allclose(pwlc.evaluate(student, X), probability(X), atol=2e-3)


def test_progress_reports_every_term(compas_data, ebm):
    calls = []
    pwlc.distill(ebm, compas_data.X, segments=1, progress=lambda done, total, what: calls.append((done, total, what)))
    assert [c[0] for c in calls] == list(range(1, len(teacher(ebm).shapes) + 1))
    assert "EBM term" in calls[0][2]


def test_user_mistakes_raise_pwlc_errors(compas_data, ebm):
    with pytest.raises(pwlc.UnsupportedError, match="segments must be at least 1"):
        pwlc.distill(ebm, compas_data.X, segments=0)
    with pytest.raises(pwlc.DataError, match="no column for input"):
        pwlc.distill(ebm, compas_data.X.drop(columns=["age"]))
    with pytest.raises(pwlc.DataError, match="no finite value of 'age'"):
        pwlc.distill(ebm, compas_data.X.assign(age=np.nan))


def test_pair_with_a_varying_missing_row_keeps_it_along_the_new_axis():
    from interpret.glassbox import ExplainableBoostingRegressor

    from pwlc.semantics import term_values

    data = load(lending_club)
    X = data.X.iloc[:2000]
    ebm = ExplainableBoostingRegressor(interactions=[(0, 2)], outer_bags=2, max_rounds=200, random_state=0).fit(X, data.y[:2000])
    report = distill_report(ebm, X, segments=2)
    (grid,) = [t for t in report.model.terms if isinstance(t, pwlc.Grid)]
    (pair,) = [s for s in teacher(ebm).shapes if len(s.features) == 2]
    assert isinstance(pair.term, pwlc.Grid) and pair.term.missing_b is not None
    assert grid.missing == pair.term.missing and grid.missing_b is not None and len(grid.missing_b) == grid.a.size
    columns, rows = teacher(ebm).columns(X)
    only_b_missing = X["months_since_last_delinq"].isna().to_numpy() & X["annual_income"].notna().to_numpy()
    wanted = pair.values(columns, rows)[only_b_missing]
    got = term_values(grid, columns, rows)[only_b_missing]
    # the missing column follows the teacher: closer than the best constant (its mean,
    # whose RMS error is the std) by a clear margin (measured: 0.74 of it)
    assert np.sqrt(np.mean((got - wanted) ** 2)) < 0.85 * np.std(wanted)
    assert np.all(np.isfinite(pwlc.evaluate(report.model, X)))


def test_arrays_need_feature_names(compas_data):
    import lightgbm

    X = compas_data.X[["age", "priors_count"]].to_numpy()
    model = lightgbm.LGBMClassifier(n_estimators=10, max_depth=1, verbose=-1).fit(X, compas_data.y)
    with pytest.raises(pwlc.DataError, match="feature_names="):
        pwlc.distill(model, X)
    student = pwlc.distill(model, X, feature_names=["Column_0", "Column_1"], segments=2)
    assert {t.feature for t in student.terms if isinstance(t, pwlc.Curve)} == {"Column_0", "Column_1"}
