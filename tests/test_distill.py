"""Distillation against independent truth: the teacher's own scores, the fitted shapes
measured by the reference evaluator, and black boxes whose additive form is known."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def distill_mistakes(X, ebm):
    """(call, what is wrong, what to do instead) for each refusal of pwlc.distill."""
    from pwlc.frontends.additive import Additive, Shape

    numeric = X[["age", "priors_count"]]
    three_way = Additive(
        (pwlc.Input("age", "numeric"), pwlc.Input("priors_count", "numeric"), pwlc.Input("length_of_stay", "numeric")),
        (Shape(("age", "priors_count", "length_of_stay"), "a triple", function=lambda columns: columns["age"] * 0.0),),
    )
    untabled = Additive((pwlc.Input("sex", "categorical"),), (Shape(("sex",), "sex shape", function=lambda columns: np.zeros(len(columns["sex"]))),))
    return [
        (lambda: pwlc.distill(ebm, X, segments=0), "segments must be a whole number of at least 1", "leave it out"),
        (lambda: pwlc.distill(ebm, X, segments=2.5), "not 2.5", "leave it out"),
        (lambda: pwlc.distill(ebm, X, tol=-1.0), "tol must be positive", "largest RMS error"),
        (lambda: pwlc.distill(ebm, X, segments=2, tol=0.1), "not segments and tol", "each chooses"),
        (lambda: pwlc.distill(ebm, X, pair_knots=1), "pair_knots must be at least 2", "two knots"),
        (lambda: pwlc.distill(ebm, X, link="identity"), "applies to black boxes", "leave link out"),
        (lambda: pwlc.distill(ebm, X.drop(columns=["age"])), "no column for input", ""),
        (lambda: pwlc.distill(ebm, X.assign(age=np.nan)), "no finite value of 'age'", "give rows where 'age' is known"),
        (lambda: pwlc.distill(ebm, X.to_numpy()), "2-d array", "feature_names="),
        (lambda: pwlc.distill(object(), X, black_box=True), "needs a model with predict", "or a function"),
        (lambda: pwlc.distill(lambda frame: np.zeros(len(frame)), X.iloc[:0]), "X has no rows", "give the rows"),
        (lambda: pwlc.distill(lambda frame: np.zeros((len(frame), 2)), numeric), "shape", "one score per row"),
        (lambda: pwlc.distill(lambda frame: np.full(len(frame), np.nan), numeric), "non-finite", "rows where it gives them"),
        (lambda: pwlc.distill(lambda frame: np.zeros(len(frame)), numeric, link="exp"), "non-finite", "rows where it gives them"),
        (lambda: pwlc.distill(three_way, X), "interaction of 3 inputs", "black_box=True"),
        (lambda: pwlc.distill(untabled, X), "needs an exact table", "Additive.from_functions"),
    ]


def test_every_refusal_says_what_is_wrong_and_what_to_do(compas_data, ebm):
    for call, wrong, advice in distill_mistakes(compas_data.X, ebm):
        with pytest.raises((pwlc.UnsupportedError, pwlc.DataError)) as caught:
            call()
        message = str(caught.value)
        assert wrong in message and advice in message and "\n" not in message, message


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


# --- segments per curve when none is given ------------------------------------------------


def brute_force_allocation(errors: list[list[float]], budget: int) -> float:
    import itertools

    best = np.inf
    for counts in itertools.product(*(range(1, len(path) + 1) for path in errors)):
        if sum(counts) <= budget:
            best = min(best, sum(path[c - 1] for path, c in zip(errors, counts)))
    return best


@settings(max_examples=150, deadline=None)
@given(
    paths=st.lists(st.lists(st.floats(0.0, 100.0), min_size=1, max_size=6), min_size=1, max_size=4),
    convex=st.booleans(),
    extra=st.integers(0, 12),
    exact=st.booleans(),
)
def test_allocation_stays_in_budget_and_is_optimal(paths: list[list[float]], convex: bool, extra: int, exact: bool) -> None:
    """The dynamic program is optimal for any errors; marginal analysis (for many curves)
    when every curve's gains shrink. Gains below NEGLIGIBLE of the total are not spent."""
    budget_module = importlib.import_module("pwlc.distill.budget")

    if convex:  # decreasing errors with shrinking gains
        paths = [list(100.0 - np.cumsum(np.r_[0.0, sorted(p[1:], reverse=True)]) / 10) for p in paths]
    elif not exact:
        return  # marginal analysis is only claimed optimal on shrinking gains
    budget = len(paths) + extra
    limit = budget_module.EXACT_CELLS
    try:
        budget_module.EXACT_CELLS = limit if exact else 0
        counts = budget_module.allocate(paths, budget)
    finally:
        budget_module.EXACT_CELLS = limit
    assert sum(counts) <= budget and all(1 <= c <= len(p) for c, p in zip(counts, paths))
    total = sum(p[c - 1] for p, c in zip(paths, counts))
    negligible = 1e-9 * sum(p[0] for p in paths) * budget  # gains this small are not spent
    assert total <= brute_force_allocation(paths, budget) + negligible + 1e-9


def test_default_is_at_least_as_faithful_as_five_segments_with_no_more_knots(compas_data):
    import lightgbm

    X = compas_data.X.copy()
    for column in compas_data.categorical:
        X[column] = X[column].astype("category")
    model = lightgbm.LGBMClassifier(n_estimators=60, num_leaves=8, interaction_constraints=[[j] for j in range(X.shape[1])], verbose=-1).fit(X, compas_data.y)
    default, five = distill_report(model, X), distill_report(model, X, segments=5)
    # Each curve's error summed over the rows (what the segments are spent on): never above
    # five per curve; here clearly below (the age curve takes the segments it needs).
    squared = lambda report: sum(e.rms**2 for e in report.errors)  # noqa: E731
    assert squared(default) < 0.97 * squared(five)
    knots = lambda model: sum(len(t.xs) for t in model.terms if isinstance(t, pwlc.Curve))  # noqa: E731
    assert knots(default.model) <= knots(five.model)
    counts = {t.feature: len(t.xs) - 1 for t in default.model.terms if isinstance(t, pwlc.Curve)}
    assert max(counts.values()) > 5 and sum(counts.values()) <= 15


def rare_turn_teacher() -> pwlc.Model:
    """A teacher that is itself piecewise linear: age falls, then turns up after 70 (0.5% of
    COMPAS rows); priors_count is a line; length_of_stay has two segments."""
    inputs = tuple(pwlc.Input(name, "numeric") for name in ("age", "priors_count", "length_of_stay"))
    terms = (
        pwlc.Curve("age", (18.0, 25.0, 35.0, 50.0, 70.0, 85.0), (1.0, 0.4, 0.0, -0.4, -0.5, 0.7)),
        pwlc.Curve("priors_count", (0.0, 38.0), (-0.5, 1.4)),
        pwlc.Curve("length_of_stay", (0.0, 30.0, 800.0), (-0.2, 0.3, 0.5)),
    )
    return pwlc.Model(inputs, terms, "logistic")


@pytest.mark.parametrize("segments", [None, 5])
def test_a_piecewise_linear_teacher_is_kept_exactly_even_where_rows_are_rare(compas_data, segments):
    """mono="auto" used to flatten the rare old-age turn (1.13 log-odds off on those rows);
    the default spends no segment where none is needed."""
    X = compas_data.X[["age", "priors_count", "length_of_stay"]]
    X = X[(X["priors_count"] <= 38) & (X["length_of_stay"] <= 800)]
    teacher = rare_turn_teacher()
    student = pwlc.distill(teacher, X, segments=segments)
    error = np.abs(pwlc.evaluate(student, X, output="score") - pwlc.evaluate(teacher, X, output="score"))
    old = X["age"].to_numpy() >= 70
    assert old.sum() > 10 and error[old].max() < 1e-6 and error.max() < 1e-6
    if segments is None:
        assert [len(t.xs) - 1 for t in student.terms if isinstance(t, pwlc.Curve)] == [5, 1, 2]


# --- pair grids where the data do not reach ------------------------------------------------


def test_pair_grid_stays_within_the_teachers_range_off_the_data():
    """A Lending Club EBM with pairs: on the edge grid (±inf, extremes, corners no row holds)
    and on random rows over the whole plane, each distilled pair gives only values the
    teacher's pair gives (it was 148 off at an income of +inf and a debt ratio of 0)."""
    from interpret.glassbox import ExplainableBoostingRegressor

    from pwlc.semantics import prepare_columns, term_values
    from pwlc.testing import edge_grid

    data = load(lending_club)
    X = data.X.iloc[:3000]
    ebm = ExplainableBoostingRegressor(interactions=[(0, 1), (0, 5), (1, 2), (4, 8)], outer_bags=2, max_rounds=300, random_state=0).fit(X, data.y[:3000])
    exact = pwlc.lower(ebm)
    student = pwlc.distill(ebm, X, segments=3)
    teacher_pairs = {t.features: t for t in exact.terms if isinstance(t, pwlc.Grid)}
    student_pairs = [t for t in student.terms if isinstance(t, pwlc.Grid)]
    assert len(student_pairs) == 4
    rng = np.random.default_rng(0)
    random_rows = {
        name: rng.choice(np.r_[np.inf, -np.inf, np.nan, 0.0, rng.uniform(-1e7, 1e7, 200)], 400) if declared.kind == "numeric" else rng.choice(["RENT", "OWN", "MORTGAGE", "x", None], 400)
        for name, declared in ((d.name, d) for d in exact.inputs)
    }
    for rows in (edge_grid(student), edge_grid(exact), random_rows):
        columns, count = prepare_columns(exact, rows)
        for grid in student_pairs:
            teacher = teacher_pairs[grid.features]
            values = [v for row in teacher.values for v in row] + list(teacher.missing_a or ()) + list(teacher.missing_b or ())
            values += [] if teacher.missing is None else [teacher.missing]
            got = term_values(grid, columns, count)
            assert np.all((got >= min(values) - 1e-12) & (got <= max(values) + 1e-12)), grid.features
    # and on the data each pair still follows its teacher: its RMS error is a clear share
    # of the teacher pair's spread (measured 0.26-0.52; unguarded, before: 0.37-0.61)
    report = distill_report(ebm, X, segments=3)
    columns, count = prepare_columns(exact, X)
    for error, teacher in ((e, t) for e in report.errors for t in teacher_pairs.values() if " x ".join(t.features) in e.description):
        assert error.rms < 0.6 * np.std(term_values(teacher, columns, count))


# --- black boxes -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def numeric_compas(compas_data):
    return compas_data.X[["age", "priors_count", "length_of_stay"]], compas_data.y


def test_black_box_classifier_is_distilled_on_its_log_odds(numeric_compas):
    from sklearn.ensemble import RandomForestClassifier

    X, y = numeric_compas
    forest = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X, y)
    student = pwlc.distill(forest, X, segments=3)
    assert student.link == "logistic"
    # the same as distilling the log-odds of predict_proba by hand
    by_hand = pwlc.distill(lambda frame: forest.predict_proba(frame)[:, 1], X, segments=3, link="logistic")
    np.testing.assert_array_equal(pwlc.evaluate(student, X), pwlc.evaluate(by_hand, X))
    assert np.sqrt(np.mean((pwlc.evaluate(student, X) - forest.predict_proba(X)[:, 1]) ** 2)) < 0.05
    # a bound predict_proba is the classifier; its predict (labels) is refused with the way out
    np.testing.assert_array_equal(pwlc.evaluate(pwlc.distill(forest.predict_proba, X, segments=3), X), pwlc.evaluate(student, X))
    with pytest.raises(pwlc.UnsupportedError, match=r"class labels.*pwlc\.distill\(model, X\)"):
        pwlc.distill(forest.predict, X)


def test_decision_function_that_is_the_log_odds_is_used_unclipped(numeric_compas):
    from sklearn.linear_model import LogisticRegression

    X, y = numeric_compas
    logistic = LogisticRegression(max_iter=1000).fit(X, y)  # additive and linear: distilled exactly
    student = pwlc.distill(logistic, X, black_box=True)
    assert student.link == "logistic"
    np.testing.assert_allclose(pwlc.evaluate(student, X, output="score"), logistic.decision_function(X), atol=1e-6)


def test_multiclass_black_box_is_distilled_as_a_multiclass_model(numeric_compas):
    """(tests/test_multiclass_passes.py checks its fidelity)"""
    from sklearn.ensemble import RandomForestClassifier

    X, y = numeric_compas
    three = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, np.where(X["age"] > 40, 2, y))
    assert pwlc.distill(three, X).classes == ("0", "1", "2")


def test_black_box_regressor_of_a_positive_target_stays_identity_unless_asked(numeric_compas):
    from sklearn.ensemble import RandomForestRegressor

    X, _ = numeric_compas
    Z = X[["age", "length_of_stay"]]
    rate = np.exp(0.04 * (Z["age"].to_numpy() - 40)) * (1 + np.log1p(np.maximum(Z["length_of_stay"].to_numpy(), 0)))
    counts = np.random.default_rng(0).poisson(rate).astype(float)  # positive, multiplicative: Poisson-like
    forest = RandomForestRegressor(n_estimators=20, max_depth=5, min_samples_leaf=20, random_state=0).fit(Z, counts)
    prediction = forest.predict(Z)
    identity, log_scale = pwlc.distill(forest, Z, segments=4), pwlc.distill(forest, Z, segments=4, link="exp")
    assert identity.link == "identity" and log_scale.link == "exp"
    # measured: 0.38 and 0.11 of the spread; the log scale suits this target far better
    assert np.sqrt(np.mean((pwlc.evaluate(identity, Z) - prediction) ** 2)) < 0.5 * np.std(prediction)
    log_error = pwlc.evaluate(log_scale, Z, output="score") - np.log(prediction)
    assert np.sqrt(np.mean(log_error**2)) < 0.2 * np.std(np.log(prediction))


class DtypeCheckingClassifier:
    """A classifier pwlc has no frontend for, that fails unless every frame it scores has
    exactly the dtypes it was trained on (pandas category with the same categories,
    nullable integers, strings)."""

    def __init__(self, model, dtypes):
        self.model, self.dtypes = model, dtypes
        self.classes_ = model.classes_
        self.frames = 0

    def predict_proba(self, frame):
        assert frame.dtypes.to_dict() == self.dtypes, frame.dtypes.to_dict()
        self.frames += 1
        return self.model.predict_proba(frame)


def category_frame(compas_data, rows: int = 2000):
    X = compas_data.X.iloc[:rows].copy()
    for column in compas_data.categorical:
        X[column] = X[column].astype("category")
    X["priors_count"] = X["priors_count"].astype("Int64")
    X.loc[X.index[::50], "priors_count"] = pd.NA
    X.loc[X.index[::70], "race"] = np.nan
    X["young"] = X["age"] < 25  # a boolean is the category "True"/"False"
    return X


def test_black_box_sees_the_frames_dtypes_including_pandas_categories(compas_data, monkeypatch):
    from sklearn.ensemble import HistGradientBoostingClassifier

    monkeypatch.setattr(importlib.import_module("pwlc.distill.black_box"), "BACKGROUND_ROWS", 50)  # the teacher's predict is the slow part
    X = category_frame(compas_data)
    boosted = HistGradientBoostingClassifier(categorical_features="from_dtype", interaction_cst="no_interactions", max_iter=30, random_state=0)
    y = compas_data.y[: len(X)]
    boosted.fit(X, y)
    checking = DtypeCheckingClassifier(boosted, X.dtypes.to_dict())
    student = pwlc.distill(checking, X, segments=3)
    assert checking.frames > len(X.columns)
    tables = {t.feature: t for t in student.terms if isinstance(t, pwlc.Table)}
    assert set(tables) == {*compas_data.categorical, "young"} and set(tables["young"].lookup()) == {"True", "False"}
    race = next(t for t in student.terms if isinstance(t, pwlc.Table) and t.feature == "race")
    assert set(race.lookup()) == set(X["race"].dropna().unique()) and race.missing is not None
    teacher_auc = auc(y, boosted.decision_function(X))
    assert abs(auc(y, pwlc.evaluate(student, X)) - teacher_auc) < 0.02


def test_lightgbm_on_category_columns_distills_as_a_black_box_when_asked(compas_data, monkeypatch):
    import lightgbm

    monkeypatch.setattr(importlib.import_module("pwlc.distill.black_box"), "BACKGROUND_ROWS", 50)
    X = category_frame(compas_data)
    model = lightgbm.LGBMClassifier(n_estimators=30, num_leaves=8, verbose=-1).fit(X, compas_data.y[: len(X)])  # trees mix features
    with pytest.raises(pwlc.UnsupportedError, match=r"not additive.*black_box=True"):
        pwlc.distill(model, X)
    student = pwlc.distill(model, X, segments=3, black_box=True)
    assert student.link == "logistic"
    raw = model.predict(X, raw_score=True)
    assert np.corrcoef(pwlc.evaluate(student, X, output="score"), raw)[0, 1] > 0.9


def test_pair_given_as_a_function_is_fitted_as_a_bounded_grid(compas_data):
    """A pair the teacher gives as a function (not a grid): fitted closely on the data, kept
    within the function's range; a categorical axis keeps the data's categories."""
    from pwlc.frontends.additive import Additive, Shape
    from pwlc.semantics import prepare_columns, term_values

    def product(columns):
        return 0.01 * np.asarray(columns["age"]) * np.asarray(columns["priors_count"])

    def by_sex(columns):
        return np.where(np.array([key == "Male" for key in columns["sex"]]), 0.02, -0.01) * np.asarray(columns["age"])

    inputs = (pwlc.Input("age", "numeric"), pwlc.Input("priors_count", "numeric"), pwlc.Input("sex", "categorical"))
    teacher = Additive(inputs, (Shape(("age", "priors_count"), "age x priors", function=product), Shape(("sex", "age"), "sex x age", function=by_sex, missing=0.0)))
    X = compas_data.X[["age", "priors_count", "sex"]]
    student = pwlc.distill(teacher, X)
    grids = [t for t in student.terms if isinstance(t, pwlc.Grid)]
    assert isinstance(grids[0].a, pwlc.KnotAxis) and isinstance(grids[1].a, pwlc.CategoryAxis)
    assert set(grids[1].a.categories) == set(X["sex"].unique()) and grids[1].missing == 0.0
    columns, rows = prepare_columns(student, X)
    for grid, function in zip(grids, (product, by_sex)):
        values, wanted = term_values(grid, columns, rows), function(columns)
        assert np.sqrt(np.mean((values - wanted) ** 2)) < 0.2 * np.std(wanted)  # measured 0.12 and 0.03
        assert values.min() >= wanted.min() - 1e-12 and values.max() <= wanted.max() + 1e-12
