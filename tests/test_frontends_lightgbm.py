"""LightGBM: exact lowering against LightGBM's raw score on real data and edge grids."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas, diabetes, lending_club
from pwlc.frontends import load_model, lower, teacher
from tests.frontend_checks import assert_exact, probes
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def compas_data():
    return load(compas)


@pytest.fixture(scope="module")
def loans():
    return load(lending_club)


def one_feature_trees(columns) -> list[list[int]]:
    return [[j] for j in range(len(columns))]


def as_lightgbm_frame(X: pd.DataFrame, categories: dict[str, pd.Index]) -> pd.DataFrame:
    """LightGBM wants pandas categoricals; unseen categories become missing, as LightGBM does."""
    out = X.copy()
    for column, known in categories.items():
        out[column] = pd.Categorical(out[column].where(out[column].isin(known)), categories=known)
    return out


def test_lightgbm_classifier_with_categoricals_and_nan_is_exact_on_compas(compas_data):
    import lightgbm

    categories = {c: pd.Index(sorted(compas_data.X[c].unique())) for c in compas_data.categorical}
    X = compas_data.X.copy()
    X.loc[:300, "priors_count"] = np.nan  # learned default directions
    X.loc[400:500, "sex"] = np.nan
    model = lightgbm.LGBMClassifier(n_estimators=60, num_leaves=8, interaction_constraints=one_feature_trees(X.columns), verbose=-1)
    model.fit(as_lightgbm_frame(X, categories), compas_data.y)
    lowered = lower(model)
    assert any(isinstance(t, pwlc.Table) for t in lowered.terms)
    frame = probes(lowered, compas_data.X, tiny=True)
    assert_exact(lowered, frame, model.predict(as_lightgbm_frame(frame, categories), raw_score=True), data_rows=len(X))


@pytest.mark.parametrize("zero_as_missing", [False, True])
def test_lightgbm_regressor_on_arrays_is_exact_including_zero_as_missing(loans, zero_as_missing):
    import lightgbm

    X = loans.X[list(loans.numeric)]
    model = lightgbm.LGBMRegressor(n_estimators=60, num_leaves=8, interaction_constraints=one_feature_trees(X.columns), zero_as_missing=zero_as_missing, verbose=-1)
    model.fit(X.to_numpy(), loans.y)
    lowered = lower(model)
    names = [declared.name for declared in lowered.inputs]
    frame = probes(lowered, X.set_axis([f"Column_{j}" for j in range(X.shape[1])], axis=1), tiny=True)
    frame.loc[: len(frame) // 2, names[0]] = 0.0  # exactly zero, and minus zero, on a used feature
    frame.loc[len(frame) // 2 :, names[1]] = -0.0
    assert_exact(lowered, frame, model.predict(frame.to_numpy(), raw_score=True), data_rows=0)


def test_lightgbm_reads_values_within_1e35_of_zero_as_zero(compas_data):
    """length_of_stay has -1 and 0: LightGBM splits at -1e-35, and reads -1e-35 itself as 0."""
    import lightgbm

    X = compas_data.X[["length_of_stay"]]
    model = lightgbm.LGBMClassifier(n_estimators=100, num_leaves=8, verbose=-1).fit(X, compas_data.y)
    thresholds = json.dumps(model.booster_.dump_model()["tree_info"])
    assert "-1.0000000180025095e-35" in thresholds  # the case this test is about
    lowered = lower(model)
    frame = probes(lowered, X, tiny=True)
    assert_exact(lowered, frame, model.predict(frame, raw_score=True), data_rows=len(X))


def test_lightgbm_integer_categorical_codes_with_unseen_and_negative_codes(loans):
    import lightgbm

    codes = {c: pd.Categorical(loans.X[c]).codes.astype(np.float64) for c in loans.categorical}
    X = pd.DataFrame({"annual_income": loans.X["annual_income"], **codes})
    model = lightgbm.LGBMRegressor(n_estimators=40, num_leaves=6, interaction_constraints=one_feature_trees(X.columns), verbose=-1)
    model.fit(X.to_numpy(), loans.y, categorical_feature=[1, 2, 3])
    lowered = lower(model)
    frame = probes(lowered, X.set_axis([f"Column_{j}" for j in range(4)], axis=1))
    frame.loc[:100, "Column_3"] = 99.0  # a code never seen
    frame.loc[100:200, "Column_2"] = -2.0  # negative codes go right
    frame.loc[200:300, "Column_1"] = np.nan
    assert_exact(lowered, frame, model.predict(frame.to_numpy(), raw_score=True), data_rows=0)


def test_lightgbm_ranker_is_exact(compas_data):
    import lightgbm

    X = compas_data.X[list(compas_data.numeric)]
    groups = [50] * (len(X) // 50) + ([len(X) % 50] if len(X) % 50 else [])
    model = lightgbm.LGBMRanker(n_estimators=30, num_leaves=6, interaction_constraints=one_feature_trees(X.columns), verbose=-1)
    model.fit(X, compas_data.y.astype(int), group=groups)
    lowered = lower(model)
    frame = probes(lowered, X)
    assert_exact(lowered, frame, model.predict(frame, raw_score=True), data_rows=len(X))


def test_lightgbm_model_text_lowers_to_the_same_model(compas_data, tmp_path):
    import lightgbm

    categories = {c: pd.Index(sorted(compas_data.X[c].unique())) for c in compas_data.categorical}
    X = as_lightgbm_frame(compas_data.X, categories)
    model = lightgbm.LGBMClassifier(n_estimators=60, num_leaves=6, interaction_constraints=one_feature_trees(X.columns), verbose=-1).fit(X, compas_data.y)
    path = tmp_path / "model.txt"
    model.booster_.save_model(str(path))
    from_text = lower(load_model(path))
    assert from_text.terms == lower(model).terms
    assert {t.feature for t in from_text.terms if isinstance(t, pwlc.Table)} == set(compas_data.categorical)  # labels kept


def test_lightgbm_numeric_pandas_categories_are_named_as_pwlc_names_inputs(compas_data):
    """Category labels 1.0, 2.5 and True are named "1", "2.5" and "True" (category_key)."""
    import lightgbm

    rng = np.random.default_rng(0)
    labels = pd.Index([1.0, 2.5, 40.0])
    X = pd.DataFrame({"age": compas_data.X["age"], "code": pd.Categorical(rng.choice(labels, len(compas_data.X)), categories=labels)})
    y = compas_data.y + (X["code"] == 2.5) * 0.4
    model = lightgbm.LGBMRegressor(n_estimators=30, max_depth=1, verbose=-1).fit(X, y)
    lowered = lower(model)
    table = next(t for t in lowered.terms if isinstance(t, pwlc.Table))
    assert set(table.lookup()) == {"1", "2.5", "40"}
    rows = pd.DataFrame({"age": 30.0, "code": [1.0, 2.5, 40.0, 7.0, None]})
    raw = model.predict(rows.assign(code=pd.Categorical(rows["code"].where(rows["code"].isin(labels)), categories=labels)), raw_score=True)
    np.testing.assert_allclose(pwlc.evaluate(lowered, rows, output="score"), raw, rtol=0, atol=1e-12)


def test_lightgbm_tree_on_two_features_is_refused_by_name_with_what_to_do(compas_data):
    import lightgbm

    X = compas_data.X[list(compas_data.numeric)]
    model = lightgbm.LGBMClassifier(n_estimators=5, num_leaves=8, verbose=-1).fit(X, compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"LightGBM tree 0 splits on several features \('age', 'priors_count'.*not additive; retrain with one feature per tree.*pwlc.distill\(lambda X: model.predict_proba"):
        lower(model)


def test_lightgbm_linear_trees_are_refused_and_distilled_from_their_exact_shapes(tmp_path):
    """linear_tree=True: each leaf is a line in x. Lowering refuses (never keeps only the
    constants, as pwlc once did); the teacher's shapes reproduce LightGBM's raw score,
    NaN rows (a leaf's constant) included, so distillation fits the real shapes."""
    import lightgbm

    data = diabetes()
    X = data.X.copy()
    X.iloc[:40, 2] = np.nan
    model = lightgbm.LGBMRegressor(n_estimators=20, num_leaves=4, linear_tree=True, interaction_constraints=one_feature_trees(X.columns), verbose=-1).fit(X, data.y)
    for candidate in (model, load_model(_saved(model, tmp_path))):
        with pytest.raises(pwlc.UnsupportedError, match=r"LightGBM trees on '\w+': have linear leaves \(linear_tree=True\).*retrain without linear_tree.*pwlc.distill\(model, X\)"):
            lower(candidate)
        shapes = teacher(candidate)
        frame = probes(pwlc.Model(shapes.inputs, ()), X, tiny=True)
        # a line at ±1e308 overflows, and where leaves' infinities of both signs meet the
        # order of the additions decides between inf and NaN: compare below that range
        frame = frame[(np.abs(frame.fillna(0.0).to_numpy()) < 1e300).all(axis=1)]
        gap = np.abs(shapes.score(frame) - model.predict(frame, raw_score=True))
        assert gap.max() <= 1e-9
    student = pwlc.distill(model, X, segments=4)
    assert np.corrcoef(pwlc.evaluate(student, X), model.predict(X))[0, 1] > 0.99


def _saved(model, tmp_path):
    path = tmp_path / "linear.txt"
    model.booster_.save_model(str(path))
    return path


def test_lightgbm_multiclass_lowers_to_a_multiclass_model(compas_data):
    """(tests/test_frontends_multiclass.py checks multiclass LightGBM on every probe)"""
    import lightgbm

    X = compas_data.X[["age"]].iloc[:600]
    model = lightgbm.LGBMClassifier(n_estimators=2, max_depth=1, verbose=-1).fit(X, (compas_data.y[:600] + (X["age"] > 30)).astype(int))
    lowered = lower(model)
    assert isinstance(lowered, pwlc.Multiclass) and lowered.classes == ("0", "1", "2")
    np.testing.assert_allclose(pwlc.evaluate(lowered, X, output="score"), model.predict(X, raw_score=True), rtol=1e-12, atol=1e-12)


def test_lightgbm_random_forest_is_refused_with_what_to_do(compas_data):
    import lightgbm

    X = compas_data.X[["age"]].iloc[:600]
    model = lightgbm.LGBMRegressor(boosting_type="rf", n_estimators=3, max_depth=1, bagging_freq=1, bagging_fraction=0.5, verbose=-1).fit(X, compas_data.y[:600])
    with pytest.raises(pwlc.UnsupportedError, match=r"averages its trees.*boosting='gbdt'.*pwlc.distill"):
        lower(model)


def test_lightgbm_black_box_advice_distills(compas_data):
    """The refusal's advice runs as written and gives a model close to the teacher."""
    import lightgbm

    X = compas_data.X[list(compas_data.numeric)].iloc[:2000]
    model = lightgbm.LGBMClassifier(n_estimators=20, num_leaves=8, verbose=-1).fit(X, compas_data.y[:2000])
    student = pwlc.distill(lambda X: model.predict_proba(X)[:, 1], X, link="logistic", segments=3)
    assert np.corrcoef(pwlc.evaluate(student, X), model.predict_proba(X)[:, 1])[0, 1] > 0.9
