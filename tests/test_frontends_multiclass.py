"""Multiclass frontends: each library's K raw scores and its predict_proba, reproduced
exactly by the lowered `Multiclass` on real data (COMPAS's 3-class risk category) and on
the edge grid."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pwlc
from pwlc.datasets import compas_risk
from pwlc.frontends import load_model, lower
from tests.frontend_checks import assert_exact, library_scores, probes, require_library
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def risk():
    return load(compas_risk)


def assert_probabilities(model: pwlc.Multiclass, frame, probabilities: np.ndarray, data_rows: int, rtol: float = 1e-12) -> None:
    """pwlc's softmax equals the library's predict_proba wherever the library scores."""
    ours = pwlc.evaluate(model, frame)
    scored = ~np.isnan(probabilities).any(axis=1)
    assert scored[:data_rows].all()
    np.testing.assert_allclose(ours[scored], probabilities[scored], rtol=rtol, atol=1e-15)


# --- EBM --------------------------------------------------------------------------------


def ebm(X, y, interactions):
    require_library("interpret")
    from interpret.glassbox import ExplainableBoostingClassifier

    return ExplainableBoostingClassifier(interactions=interactions, outer_bags=2, max_rounds=200, random_state=0).fit(X, y)


def test_ebm_multiclass_with_pairs_is_exact(risk):
    X = risk.X.copy()
    X.loc[:40, "age"] = np.nan  # a missing bin the model learns
    teacher = ebm(X, np.array(risk.classes)[risk.y.astype(int)], [(0, 1), (1, 3)])
    model = lower(teacher)
    assert isinstance(model, pwlc.Multiclass)
    assert model.classes == tuple(str(c) for c in teacher.classes_)
    assert all(sum(isinstance(t, pwlc.Grid) for t in terms) == 2 for terms in model.scores)
    frame = probes(model, risk.X)
    assert_exact(model, frame, library_scores(teacher.decision_function, frame, 3), data_rows=len(X))
    assert_probabilities(model, frame, library_scores(teacher.predict_proba, frame, 3), len(X))


def test_ebm_multiclass_json_export_lowers_to_the_same_model(risk, tmp_path):
    from pwlc.frontends.ebm import jsonable

    teacher = ebm(risk.X.iloc[:2000], risk.y[:2000].astype(int), [(0, 3)])
    path = tmp_path / "ebm.json"
    path.write_text(json.dumps(jsonable(teacher)))
    assert lower(load_model(path)) == lower(teacher)
    assert lower(teacher).classes == ("0", "1", "2")


# --- LightGBM ---------------------------------------------------------------------------


def as_categoricals(X, categories):
    """LightGBM wants pandas categoricals; unseen categories become missing, as LightGBM does."""
    import pandas as pd

    out = X.copy()
    for column, known in categories.items():
        out[column] = pd.Categorical(out[column].where(out[column].isin(known)), categories=known)
    return out


@pytest.mark.parametrize("labels", ["names", "codes"])
def test_lightgbm_multiclass_with_categoricals_and_nan_is_exact(risk, labels):
    import pandas as pd

    lightgbm = require_library("lightgbm")
    categories = {c: pd.Index(sorted(risk.X[c].unique())) for c in risk.categorical}
    X = risk.X.copy()
    X.loc[:300, "priors_count"] = np.nan  # learned default directions
    X.loc[400:500, "sex"] = np.nan
    y = np.array(risk.classes)[risk.y.astype(int)] if labels == "names" else risk.y.astype(int)
    model = lightgbm.LGBMClassifier(objective="multiclass", n_estimators=40, num_leaves=6, interaction_constraints=[[j] for j in range(X.shape[1])], verbose=-1)
    model.fit(as_categoricals(X, categories), y)
    lowered = lower(model)
    assert isinstance(lowered, pwlc.Multiclass)
    assert lowered.classes == tuple(str(c) for c in model.classes_)
    assert all(any(isinstance(t, pwlc.Table) for t in terms) for terms in lowered.scores)
    frame = probes(lowered, risk.X, tiny=True)
    typed = as_categoricals(frame, categories)
    assert_exact(lowered, frame, model.predict(typed, raw_score=True), data_rows=len(X))
    assert_probabilities(lowered, frame, model.predict_proba(typed), len(X))


def test_lightgbm_booster_text_multiclass_and_one_vs_all_refusal(risk):
    lightgbm = require_library("lightgbm")
    X = risk.X[["age", "priors_count", "length_of_stay"]]
    booster = lightgbm.train({"objective": "multiclass", "num_class": 3, "max_depth": 1, "verbose": -1}, lightgbm.Dataset(X, risk.y), 20)
    lowered = lower(load_model_text(booster))
    assert lowered.classes == ("0", "1", "2")
    frame = probes(lowered, X)
    assert_exact(lowered, frame, booster.predict(frame, raw_score=True), data_rows=len(X))
    ova = lightgbm.train({"objective": "multiclassova", "num_class": 3, "max_depth": 1, "verbose": -1}, lightgbm.Dataset(X, risk.y), 3)
    with pytest.raises(pwlc.UnsupportedError, match="one-vs-all scores each class by its own sigmoid.*retrain with objective='multiclass'"):
        lower(ova)


def load_model_text(booster):
    from pwlc.frontends.lightgbm import load

    return load(booster.model_to_string())


# --- XGBoost ----------------------------------------------------------------------------


def within_float32(frame):
    """XGBoost's DMatrix refuses ±inf and numbers beyond float32; NaN it takes."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind == "f":
            out[column] = out[column].where(out[column].isna() | (out[column].abs() < 3e38), np.nan)
    return out


@pytest.mark.parametrize("objective", ["multi:softprob", "multi:softmax"])
def test_xgboost_multiclass_is_exact_to_its_float32_sums(risk, objective):
    xgboost = require_library("xgboost")
    X = risk.X[["age", "priors_count", "length_of_stay"]].copy()
    X.loc[:300, "priors_count"] = np.nan
    model = xgboost.XGBClassifier(objective=objective, n_estimators=30, max_depth=2, interaction_constraints=[[c] for c in X.columns]).fit(X, risk.y.astype(int))
    lowered = lower(model)
    assert isinstance(lowered, pwlc.Multiclass) and lowered.classes == ("0", "1", "2")
    frame = within_float32(probes(lowered, X))
    # XGBoost adds its float32 leaves in float32, pwlc in float64: the same leaves, rounded along the way
    assert_exact(lowered, frame, model.predict(frame, output_margin=True), data_rows=len(X), tolerance=1e-5)
    if objective == "multi:softprob":
        assert_probabilities(lowered, frame, model.predict_proba(frame), len(X), rtol=1e-5)


def test_xgboost_multiclass_leaves_add_up_to_the_lowered_scores_exactly(risk):
    """Leaf by leaf (pred_leaf): the lowered class scores are the float64 sums of the float32
    leaves XGBoost picks, plus the class's base margin."""
    import json

    xgboost = require_library("xgboost")
    X = risk.X[["age", "priors_count"]].iloc[:1500]
    model = xgboost.XGBClassifier(objective="multi:softprob", n_estimators=10, max_depth=1).fit(X, risk.y[:1500].astype(int))
    lowered = lower(model)
    booster = model.get_booster()
    raw = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]
    groups = np.array(raw["tree_info"])
    leaves = booster.predict(xgboost.DMatrix(X), pred_leaf=True).reshape(len(X), len(groups)).astype(np.int64)
    values = np.empty(leaves.shape)
    for t, tree in enumerate(raw["trees"]):
        values[:, t] = np.asarray(tree["split_conditions"], dtype=np.float32)[leaves[:, t]]
    from pwlc.frontends.xgboost import class_base_margins

    base = class_base_margins(json.loads(booster.save_config())["learner"])
    expected = np.stack([base[k] + values[:, groups == k].sum(axis=1) for k in range(3)], axis=1)
    np.testing.assert_allclose(pwlc.evaluate(lowered, X, output="score"), expected, rtol=1e-13, atol=1e-13)


def test_xgboost_multi_output_trees_are_refused_with_advice(risk):
    xgboost = require_library("xgboost")
    X = risk.X[["age", "priors_count"]].iloc[:500]
    model = xgboost.XGBClassifier(objective="multi:softprob", n_estimators=2, max_depth=1, multi_strategy="multi_output_tree", tree_method="hist")
    model.fit(X, risk.y[:500].astype(int))
    with pytest.raises(pwlc.UnsupportedError, match="retrain with multi_strategy='one_output_per_tree'"):
        lower(model)


# --- scikit-learn -----------------------------------------------------------------------


def test_multinomial_logistic_regression_pipeline_is_exact(risk):
    require_library("sklearn")
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer, MinMaxScaler, OneHotEncoder, SplineTransformer

    X = risk.X.copy()
    X.loc[:200, "priors_count"] = np.nan
    pipeline = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["race", "sex", "c_charge_degree"]),
            (make_pipeline(SimpleImputer(strategy="median"), KBinsDiscretizer(n_bins=6, quantile_method="averaged_inverted_cdf")), ["priors_count"]),
            (make_pipeline(MinMaxScaler(), SplineTransformer(n_knots=5, degree=1, extrapolation="constant")), ["age"]),
        ),
        LogisticRegression(max_iter=2000),
    ).fit(X, np.array(risk.classes)[risk.y.astype(int)])
    lowered = lower(pipeline)
    assert isinstance(lowered, pwlc.Multiclass)
    assert lowered.classes == tuple(pipeline.classes_)
    assert [type(t).__name__ for t in lowered.scores[1]] == ["Constant", "Table", "Table", "Table", "Step", "Curve"]
    frame = probes(lowered, risk.X)
    assert_exact(lowered, frame, library_scores(pipeline.decision_function, frame, 3), data_rows=len(X))
    assert_probabilities(lowered, frame, library_scores(pipeline.predict_proba, frame, 3), len(X))


def test_hist_gradient_boosting_multiclass_with_categories_and_nan_is_exact(risk):
    require_library("sklearn")
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = risk.X.copy()
    X.loc[:80, "age"] = np.nan
    X.loc[100:160, "race"] = np.nan
    for column in risk.categorical:
        X[column] = X[column].astype("category")
    model = HistGradientBoostingClassifier(max_iter=20, interaction_cst=[[j] for j in range(X.shape[1])], random_state=0)
    model.fit(X, np.array(risk.classes)[risk.y.astype(int)])
    lowered = lower(model)
    assert isinstance(lowered, pwlc.Multiclass) and lowered.classes == tuple(model.classes_)
    assert all(any(isinstance(t, pwlc.Table) for t in terms) for terms in lowered.scores)
    frame = probes(lowered, X)
    assert_exact(lowered, frame, library_scores(model.decision_function, frame, 3), data_rows=len(X))
    assert_probabilities(lowered, frame, library_scores(model.predict_proba, frame, 3), len(X))


def test_gradient_boosting_multiclass_stumps_are_exact(risk):
    require_library("sklearn")
    from sklearn.ensemble import GradientBoostingClassifier

    X = risk.X[["age", "priors_count", "length_of_stay"]].iloc[:2000]
    model = GradientBoostingClassifier(n_estimators=15, max_depth=1, random_state=0).fit(X, risk.y[:2000].astype(int))
    lowered = lower(model)
    assert isinstance(lowered, pwlc.Multiclass) and lowered.classes == ("0", "1", "2")
    frame = within_float32(probes(lowered, X)).dropna()  # scikit-learn refuses NaN and values beyond float32
    assert_exact(lowered, frame, model.decision_function(frame), data_rows=len(X))
    assert_probabilities(lowered, frame, model.predict_proba(frame), len(X))
