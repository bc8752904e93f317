"""XGBoost: exact lowering, shown leaf by leaf (XGBoost adds float32 leaves in float32)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas, lending_club
from pwlc.frontends import load_model, lower
from pwlc.frontends.xgboost import link_and_base_margin
from pwlc.testing import xgboost_leaves
from tests.frontend_checks import probes
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def compas_data():
    return load(compas)


@pytest.fixture(scope="module")
def loans():
    return load(lending_club)


# XGBoost rounds inputs to float32 and adds float32 leaves in float32. Exactness is shown
# leaf by leaf: pwlc's score is the float64 sum of the very leaves XGBoost picks
# (`pred_leaf`), and adding those leaves in float32 reproduces XGBoost's margin bit for bit.


def leaves_of(model, frame: pd.DataFrame) -> tuple[np.float32, np.ndarray]:
    """`pwlc.testing.xgboost_leaves`, for frames with pandas categoricals too."""
    import xgboost

    if not any(isinstance(dtype, pd.CategoricalDtype) for dtype in frame.dtypes):
        return xgboost_leaves(model, frame)
    booster = model.get_booster()
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    ids = booster.predict(xgboost.DMatrix(frame, missing=np.nan, enable_categorical=True), pred_leaf=True).astype(np.int64).reshape(len(frame), len(trees))
    leaves = np.column_stack([np.asarray(tree["split_conditions"], dtype=np.float32)[ids[:, t]] for t, tree in enumerate(trees)])
    base = link_and_base_margin(json.loads(booster.save_config())["learner"])[1]
    return np.float32(base), leaves


def float32_rows(frame: pd.DataFrame, *, infinite: bool = False) -> pd.DataFrame:
    """The rows XGBoost takes: values float32 holds (the edge grid's ±1e308 it refuses);
    `infinite` keeps ±inf, which `predict` takes but `pred_leaf` cannot."""
    values = np.abs(frame.select_dtypes("number").fillna(0.0).to_numpy())
    held = (values <= np.finfo(np.float32).max) | (infinite & np.isinf(values))
    return frame[held.all(axis=1)]


def assert_xgboost_lowering_is_exact(model, X: pd.DataFrame) -> None:
    lowered = lower(model)
    frame = probes(lowered, X)
    finite = float32_rows(frame)
    base, leaves = leaves_of(model, finite)
    score = pwlc.evaluate(lowered, finite, output="score")
    # summed in another order (per feature): equal up to float64 rounding of the sum
    np.testing.assert_allclose(score, base + leaves.astype(np.float64).sum(axis=1), rtol=0, atol=1e-12)
    in_float32 = np.full(len(finite), base, dtype=np.float32)
    for tree in range(leaves.shape[1]):
        in_float32 = in_float32 + leaves[:, tree]
    np.testing.assert_array_equal(in_float32, model.predict(finite, output_margin=True))
    # ±inf rows, which pred_leaf cannot take: to float32 precision
    frame = float32_rows(frame, infinite=True)
    np.testing.assert_allclose(pwlc.evaluate(lowered, frame, output="score"), model.predict(frame, output_margin=True), rtol=1e-6, atol=1e-5)


def test_xgboost_regressor_with_nan_is_exact_leaf_by_leaf(loans):
    import xgboost

    X = loans.X[list(loans.numeric)].copy()
    X.loc[:200, "debt_to_income"] = np.nan
    model = xgboost.XGBRegressor(n_estimators=40, max_depth=3, interaction_constraints=[[c] for c in X.columns]).fit(X, loans.y)
    assert_xgboost_lowering_is_exact(model, X)


def test_xgboost_classifier_stumps_are_exact_leaf_by_leaf(compas_data):
    import xgboost

    X = compas_data.X[list(compas_data.numeric)]
    model = xgboost.XGBClassifier(n_estimators=40, max_depth=1).fit(X, compas_data.y)
    assert lower(model).link == "logistic"
    assert_xgboost_lowering_is_exact(model, X)


def test_xgboost_categorical_splits_are_exact_leaf_by_leaf(compas_data):
    """enable_categorical=True (XGBoost 3's dump lists category codes): one table per
    categorical feature, named by the categories the booster stores; NaN included."""
    import xgboost

    X = compas_data.X.copy()
    for column in compas_data.categorical:
        X[column] = X[column].astype("category")
    X.loc[:150, "race"] = np.nan
    X.loc[200:300, "age"] = np.nan
    model = xgboost.XGBClassifier(n_estimators=40, max_depth=2, enable_categorical=True, interaction_constraints=[[c] for c in X.columns]).fit(X, compas_data.y)
    lowered = lower(model)
    race = next(t for t in lowered.terms if isinstance(t, pwlc.Table) and t.feature == "race")
    assert set(race.lookup()) == set(X["race"].cat.categories) and race.missing is not None
    assert_xgboost_lowering_is_exact(model, X)


def test_xgboost_categorical_codes_without_names(compas_data):
    """A model trained on bare codes (feature_types 'c') names its categories by code."""
    import xgboost

    codes = pd.Categorical(compas_data.X["race"]).codes.astype(np.float64)
    X = np.column_stack([compas_data.X["age"].to_numpy(), codes])
    model = xgboost.XGBRegressor(n_estimators=20, max_depth=1, enable_categorical=True, feature_types=["q", "c"]).fit(X, compas_data.y)
    lowered = lower(model)
    table = next(t for t in lowered.terms if isinstance(t, pwlc.Table))
    assert set(table.lookup()) <= {str(c) for c in range(6)}
    rows = np.array([[30.0, c] for c in [0, 1, 2, 3, 4, 5, 9, -1, np.nan]])
    np.testing.assert_allclose(pwlc.evaluate(lowered, {"f0": rows[:, 0], "f1": rows[:, 1]}, output="score"), model.predict(rows, output_margin=True), rtol=1e-6, atol=1e-6)


def test_a_wrong_leaf_fails_the_leaf_by_leaf_check(compas_data):
    """The check above can fail: one threshold moved by one float32 ulp is caught."""
    import xgboost

    X = compas_data.X[list(compas_data.numeric)]
    model = xgboost.XGBClassifier(n_estimators=40, max_depth=1).fit(X, compas_data.y)
    lowered = lower(model)
    step = next(t for t in lowered.terms if isinstance(t, pwlc.Step) and len(t.edges) > 1)
    moved = list(step.edges)
    moved[0] = float(np.nextafter(np.float32(moved[0]), np.float32(np.inf)))
    broken = dataclasses.replace(lowered, terms=tuple(dataclasses.replace(t, edges=tuple(moved)) if t is step else t for t in lowered.terms))
    frame = float32_rows(probes(lowered, X))
    base, leaves = xgboost_leaves(model, frame)
    gap = np.abs(pwlc.evaluate(broken, frame, output="score") - (base + leaves.astype(np.float64).sum(axis=1)))
    assert gap.max() > 1e-3


def test_xgboost_json_model_file_lowers_to_the_same_model(compas_data, tmp_path):
    import xgboost

    X = compas_data.X[list(compas_data.numeric)]
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=1).fit(X, compas_data.y)
    path = tmp_path / "model.json"
    model.save_model(str(path))
    assert lower(load_model(path)).terms == lower(model).terms


def test_xgboost_tree_on_two_features_is_refused_with_what_to_do(compas_data):
    import xgboost

    X = compas_data.X[list(compas_data.numeric)]
    model = xgboost.XGBClassifier(n_estimators=3, max_depth=3).fit(X, compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"XGBoost tree \d+ splits on several features.*not additive; retrain with one feature per tree.*pwlc.distill"):
        lower(model)


def test_xgboost_multiclass_lowers_to_a_multiclass_model(compas_data):
    """(tests/test_frontends_multiclass.py checks multiclass XGBoost on every probe)"""
    import xgboost

    X = compas_data.X[["age"]].iloc[:600]
    model = xgboost.XGBClassifier(n_estimators=2, max_depth=1).fit(X, (compas_data.y[:600] + (X["age"] > 30)).astype(int))
    lowered = lower(model)
    assert isinstance(lowered, pwlc.Multiclass) and lowered.classes == ("0", "1", "2")
    np.testing.assert_allclose(pwlc.evaluate(lowered, X, output="score"), model.predict(X, output_margin=True), rtol=1e-6)
