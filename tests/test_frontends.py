"""Exactness of every frontend on real data: the lowered model (or the teacher's shapes)
against the library's own raw score, on the data, on NaN rows, on every edge ±1 ulp, on
±inf and on unseen categories (pwlc.testing.edge_grid)."""

from __future__ import annotations

import dataclasses
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas, diabetes, lending_club
from pwlc.frontends import load_model, lower, supported, teacher
from pwlc.testing import edge_grid, xgboost_leaves
from tests.real_data import load

EXACT = 1e-9

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def compas_data():
    return load(compas)


@pytest.fixture(scope="module")
def loans():
    return load(lending_club)


def with_probes(model: pwlc.Model, X: pd.DataFrame) -> pd.DataFrame:
    """The data followed by the edge grid of `model` (columns in X's order and dtypes)."""
    grid = pd.DataFrame(edge_grid(model))
    for column in X.columns:
        if column not in grid:
            grid[column] = X[column].iloc[0]
    grid = grid[list(X.columns)]
    for column in X.columns:
        if pd.api.types.is_numeric_dtype(X[column]):
            # Categories given as codes: the grid's unseen category becomes a missing code.
            grid[column] = pd.to_numeric(grid[column], errors="coerce").astype(np.float64)
    # Values around zero that libraries special-case (LightGBM reads |x| <= 1e-35 as 0).
    zero = float(np.float32(1e-35))
    categorical = {declared.name for declared in model.inputs if declared.kind == "categorical"}
    tiny = pd.DataFrame({column: tiny_values(zero) if pd.api.types.is_numeric_dtype(X[column]) and column not in categorical else X[column].iloc[0] for column in X.columns})
    return pd.concat([X, grid, tiny], ignore_index=True)


def tiny_values(zero: float) -> list[float]:
    return [zero, -zero, np.nextafter(zero, 1.0), np.nextafter(-zero, -1.0), 1e-40, -1e-40, 0.0, -0.0]


def max_error(model: pwlc.Model, X: pd.DataFrame, raw: np.ndarray) -> float:
    score = pwlc.evaluate(model, X, output="score")
    assert not np.isnan(score).any()
    return float(np.max(np.abs(score - raw)))


def as_lightgbm_frame(X: pd.DataFrame, categories: dict[str, pd.Index]) -> pd.DataFrame:
    """LightGBM wants pandas categoricals; unseen categories become missing, as LightGBM does."""
    out = X.copy()
    for column, known in categories.items():
        out[column] = pd.Categorical(out[column].where(out[column].isin(known)), categories=known)
    return out


# --- EBM ---------------------------------------------------------------------------------


def ebm_classifier(X, y, interactions):
    from interpret.glassbox import ExplainableBoostingClassifier

    return ExplainableBoostingClassifier(interactions=interactions, outer_bags=2, max_rounds=300, random_state=0).fit(X, y)


def test_ebm_classifier_with_pairs_is_exact_on_compas(compas_data):
    X = compas_data.X.copy()
    X.loc[:40, "age"] = np.nan  # a missing bin that the model learns
    X.loc[50:80, "race"] = np.nan
    ebm = ebm_classifier(X, compas_data.y, [(1, 2), (2, 4), (1, 5)])  # pairs on inputs without NaN
    model = lower(ebm)
    assert model.link == "logistic"
    assert sum(isinstance(t, pwlc.Grid) for t in model.terms) == 3
    probes = with_probes(model, compas_data.X)
    assert max_error(model, probes, ebm.decision_function(probes)) <= EXACT
    np.testing.assert_allclose(pwlc.evaluate(model, probes), ebm.predict_proba(probes)[:, 1], rtol=1e-12)


def test_ebm_regressor_is_exact_on_lending_club_with_nan(loans):
    from interpret.glassbox import ExplainableBoostingRegressor

    X = loans.X.iloc[:3000]
    ebm = ExplainableBoostingRegressor(interactions=[(4, 5)], outer_bags=2, max_rounds=300, random_state=0).fit(X, loans.y[:3000])
    model = lower(ebm)
    assert model.link == "identity"
    step = next(t for t in model.terms if isinstance(t, pwlc.Step) and t.feature == "months_since_last_delinq")
    assert step.missing is not None and step.missing != 0.0  # NaN means "never": learned
    probes = with_probes(model, loans.X)
    assert max_error(model, probes, ebm.predict(probes)) <= EXACT


def test_ebm_pair_whose_missing_value_depends_on_the_other_input_is_exact(loans):
    """EBM learns a missing row for the pair: the value when months_since_last_delinq is
    NaN depends on annual_income's bin. It becomes the grid's `missing_b` column."""
    from interpret.glassbox import ExplainableBoostingRegressor

    X = loans.X.iloc[:2000]
    ebm = ExplainableBoostingRegressor(interactions=[(0, 2)], outer_bags=2, max_rounds=200, random_state=0).fit(X, loans.y[:2000])
    model = lower(ebm)
    grid = next(t for t in model.terms if isinstance(t, pwlc.Grid))
    assert grid.features == ("annual_income", "months_since_last_delinq")
    assert grid.missing_b is not None and len(set(grid.missing_b)) > 1
    assert loans.X["months_since_last_delinq"].isna().any()
    probes = with_probes(model, loans.X)
    assert max_error(model, probes, ebm.predict(probes)) <= EXACT
    # every emitted form computes it too
    from pwlc.backends import python as python_backend

    namespace: dict = {}
    exec(compile(python_backend.emit(model), "<ebm>", "exec"), namespace)  # noqa: S102
    batch = namespace["score"](*(probes[i.name].to_numpy() if i.kind == "numeric" else probes[i.name].to_numpy(dtype=object) for i in model.inputs))
    np.testing.assert_allclose(batch, ebm.predict(probes), rtol=0, atol=EXACT)


def test_ebm_json_export_lowers_to_the_same_model(compas_data, tmp_path):
    from pwlc.frontends.ebm import jsonable

    ebm = ebm_classifier(compas_data.X, compas_data.y, [(0, 3)])
    path = tmp_path / "ebm.json"
    path.write_text(json.dumps(jsonable(ebm)))
    assert lower(load_model(path)) == lower(ebm)


def test_ebm_json_that_is_not_an_export_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"ebm": {"outputs": []}}')
    with pytest.raises(pwlc.UnsupportedError, match="not an EBM JSON export"):
        lower(load_model(path))


# --- LightGBM ------------------------------------------------------------------------------


def one_feature_trees(columns) -> list[list[int]]:
    return [[j] for j in range(len(columns))]


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
    probes = with_probes(lowered, compas_data.X)
    raw = model.predict(as_lightgbm_frame(probes, categories), raw_score=True)
    assert max_error(lowered, probes, raw) <= EXACT


@pytest.mark.parametrize("zero_as_missing", [False, True])
def test_lightgbm_regressor_on_arrays_is_exact_including_zero_as_missing(loans, zero_as_missing):
    import lightgbm

    X = loans.X[list(loans.numeric)]
    model = lightgbm.LGBMRegressor(n_estimators=60, num_leaves=8, interaction_constraints=one_feature_trees(X.columns), zero_as_missing=zero_as_missing, verbose=-1)
    model.fit(X.to_numpy(), loans.y)
    lowered = lower(model)
    names = [declared.name for declared in lowered.inputs]
    probes = with_probes(lowered, X.set_axis([f"Column_{j}" for j in range(X.shape[1])], axis=1))
    probes.loc[: len(probes) // 2, names[0]] = 0.0  # exactly zero, and minus zero, on a used feature
    probes.loc[len(probes) // 2 :, names[1]] = -0.0
    raw = model.predict(probes.to_numpy(), raw_score=True)
    assert max_error(lowered, probes, raw) <= EXACT


def test_lightgbm_reads_values_within_1e35_of_zero_as_zero(compas_data):
    """length_of_stay has -1 and 0: LightGBM splits at -1e-35, and reads -1e-35 itself as 0."""
    import lightgbm

    X = compas_data.X[["length_of_stay"]]
    model = lightgbm.LGBMClassifier(n_estimators=100, num_leaves=8, verbose=-1).fit(X, compas_data.y)
    thresholds = json.dumps(model.booster_.dump_model()["tree_info"])
    assert "-1.0000000180025095e-35" in thresholds  # the case this test is about
    lowered = lower(model)
    probes = with_probes(lowered, X)
    assert max_error(lowered, probes, model.predict(probes, raw_score=True)) <= EXACT


def test_lightgbm_integer_categorical_codes_with_unseen_and_negative_codes(loans):
    import lightgbm

    codes = {c: pd.Categorical(loans.X[c]).codes.astype(np.float64) for c in loans.categorical}
    X = pd.DataFrame({"annual_income": loans.X["annual_income"], **codes})
    model = lightgbm.LGBMRegressor(n_estimators=40, num_leaves=6, interaction_constraints=one_feature_trees(X.columns), verbose=-1)
    model.fit(X.to_numpy(), loans.y, categorical_feature=[1, 2, 3])
    lowered = lower(model)
    named = X.set_axis([f"Column_{j}" for j in range(4)], axis=1)
    probes = with_probes(lowered, named)
    probes.loc[:100, "Column_3"] = 99.0  # a code never seen
    probes.loc[100:200, "Column_2"] = -2.0  # negative codes go right
    probes.loc[200:300, "Column_1"] = np.nan
    assert max_error(lowered, probes, model.predict(probes.to_numpy(), raw_score=True)) <= EXACT


def test_lightgbm_ranker_is_exact(compas_data):
    import lightgbm

    X = compas_data.X[list(compas_data.numeric)]
    groups = [50] * (len(X) // 50) + ([len(X) % 50] if len(X) % 50 else [])
    model = lightgbm.LGBMRanker(n_estimators=30, num_leaves=6, interaction_constraints=one_feature_trees(X.columns), verbose=-1)
    model.fit(X, compas_data.y.astype(int), group=groups)
    lowered = lower(model)
    probes = with_probes(lowered, X)
    assert max_error(lowered, probes, model.predict(probes, raw_score=True)) <= EXACT


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


def test_lightgbm_tree_on_two_features_is_refused_by_name(compas_data):
    import lightgbm

    X = compas_data.X[list(compas_data.numeric)]
    model = lightgbm.LGBMClassifier(n_estimators=5, num_leaves=8, verbose=-1).fit(X, compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"LightGBM tree 0 splits on several features \('age', 'priors_count'.*not additive"):
        lower(model)


# --- XGBoost -------------------------------------------------------------------------------

# XGBoost rounds inputs to float32 and adds float32 leaves in float32. Exactness is shown
# leaf by leaf: pwlc's score is the float64 sum of the very leaves XGBoost picks
# (`pred_leaf`), and adding those leaves in float32 reproduces XGBoost's margin bit for bit.


def assert_xgboost_lowering_is_exact(model, X: pd.DataFrame) -> None:
    lowered = lower(model)
    probes = with_probes(lowered, X)
    probes = probes[np.isfinite(probes.fillna(0.0).to_numpy()).all(axis=1)]  # DMatrix refuses ±inf
    base, leaves = xgboost_leaves(model, probes)
    score = pwlc.evaluate(lowered, probes, output="score")
    # summed in another order (per feature): equal up to float64 rounding of the sum
    np.testing.assert_allclose(score, base + leaves.astype(np.float64).sum(axis=1), rtol=0, atol=1e-12)
    in_float32 = np.full(len(probes), base, dtype=np.float32)
    for tree in range(leaves.shape[1]):
        in_float32 = in_float32 + leaves[:, tree]
    np.testing.assert_array_equal(in_float32, model.predict(probes, output_margin=True))
    # ±inf rows, which pred_leaf cannot take: to float32 precision
    grid = with_probes(lowered, X)
    np.testing.assert_allclose(pwlc.evaluate(lowered, grid, output="score"), model.predict(grid, output_margin=True), rtol=1e-6, atol=1e-5)


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
    probes = with_probes(lowered, X)
    probes = probes[np.isfinite(probes.fillna(0.0).to_numpy()).all(axis=1)]
    base, leaves = xgboost_leaves(model, probes)
    gap = np.abs(pwlc.evaluate(broken, probes, output="score") - (base + leaves.astype(np.float64).sum(axis=1)))
    assert gap.max() > 1e-3


def test_xgboost_json_model_file_lowers_to_the_same_model(compas_data, tmp_path):
    import xgboost

    X = compas_data.X[list(compas_data.numeric)]
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=1).fit(X, compas_data.y)
    path = tmp_path / "model.json"
    model.save_model(str(path))
    assert lower(load_model(path)).terms == lower(model).terms


def test_xgboost_tree_on_two_features_is_refused(compas_data):
    import xgboost

    X = compas_data.X[list(compas_data.numeric)]
    model = xgboost.XGBClassifier(n_estimators=3, max_depth=3).fit(X, compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"XGBoost tree \d+ splits on several features.*not additive"):
        lower(model)


# --- pygam -------------------------------------------------------------------------------------


def compas_codes(data):
    X = data.X[["age", "priors_count", "length_of_stay", "race", "sex"]].copy()
    for column in ("race", "sex"):
        X[column] = pd.Categorical(X[column]).codes.astype(np.float64)
    return X


@pytest.mark.parametrize("kind", ["LinearGAM", "LogisticGAM"])
def test_pygam_shapes_reproduce_the_linear_predictor(compas_data, kind):
    import pygam
    from pygam import f, l, s

    from pwlc.frontends.pygam import Named

    X = compas_codes(compas_data)
    gam = getattr(pygam, kind)(s(0) + s(1, n_splines=8) + l(2) + f(3) + f(4)).fit(X.to_numpy(), compas_data.y)
    shapes = teacher(Named(gam, tuple(X.columns)))
    assert shapes.link == ("logistic" if kind == "LogisticGAM" else "identity")
    expected = gam._linear_predictor(X.to_numpy())  # pygam's own raw score
    assert np.max(np.abs(shapes.score(X) - expected)) <= EXACT


def test_pygam_splines_are_not_lowered_but_named(compas_data):
    from pygam import LinearGAM, s

    gam = LinearGAM(s(0)).fit(compas_data.X[["age"]].to_numpy(), compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"pygam term 0 \(SplineTerm on 'x0'\).*pwlc.distill"):
        lower(gam)


def test_pygam_cubic_tensor_term_is_refused_by_name(compas_data):
    from pygam import LinearGAM, te

    gam = LinearGAM(te(0, 1)).fit(compas_data.X[["age", "priors_count"]].to_numpy(), compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"pygam term 0 \(TensorTerm on 'x0', 'x1'\): is a spline of order 3 .*spline_order=0"):
        lower(gam)


# --- scikit-learn ---------------------------------------------------------------------------------


def spline_pipeline(data, estimator, **spline):
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, SplineTransformer

    columns = make_column_transformer(
        (SplineTransformer(n_knots=6, **spline), ["age", "priors_count"]),
        (OneHotEncoder(handle_unknown="ignore"), list(data.categorical)),
        ("passthrough", ["length_of_stay"]),
    )
    return make_pipeline(columns, estimator).fit(data.X, data.y)


def test_sklearn_spline_pipeline_shapes_reproduce_the_decision_function(compas_data):
    from sklearn.linear_model import LogisticRegression

    pipeline = spline_pipeline(compas_data, LogisticRegression(max_iter=2000))
    X = compas_data.X.copy()
    X.loc[:50, "race"] = "never seen"
    X.loc[60:70, "age"] = 150.0  # beyond the knots: the transformer's own extrapolation
    shapes = teacher(pipeline)
    assert np.max(np.abs(shapes.score(X) - pipeline.decision_function(X))) <= EXACT
    with pytest.raises(pwlc.UnsupportedError, match=r"SplineTransformer\(degree=3, extrapolation='constant'\) column 'age': is a smooth spline of degree 3"):
        shapes.lower()


def test_sklearn_linear_splines_with_constant_extrapolation_lower_exactly():
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer

    data = diabetes()
    pipeline = make_pipeline(SplineTransformer(degree=1, n_knots=5, extrapolation="constant"), Ridge()).fit(data.X, data.y)
    lowered = lower(pipeline)
    probes = with_probes(lowered, data.X)
    probes = probes[np.isfinite(probes).all(axis=1)]  # the transformer refuses NaN and inf
    assert max_error(lowered, probes, pipeline.predict(probes)) <= EXACT


def test_sklearn_unsupported_part_is_named(compas_data):
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(make_column_transformer((StandardScaler(), ["age"])), Ridge()).fit(compas_data.X, compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match="StandardScaler column 'age': is linear in the input with no bound"):
        lower(pipeline)


# --- generic additive, dispatch, loading ----------------------------------------------------------


def test_additive_from_functions_scores_and_lowers_tables():
    from pwlc.frontends import Additive

    age = lambda x: -0.03 * x  # noqa: E731
    sex = lambda v: np.where(v == "Male", 0.2, -0.1)  # noqa: E731
    model = Additive.from_functions({"age": age, "sex": sex}, intercept=0.5, link="logistic", categories={"sex": ["Male", "Female"]})
    data = {"age": np.array([20.0, 40.0]), "sex": ["Male", "Female"]}
    np.testing.assert_allclose(model.score(data), 0.5 + age(data["age"]) + sex(np.array(data["sex"])), rtol=1e-15)
    with pytest.raises(pwlc.UnsupportedError, match="function for 'age'.*pwlc.distill"):
        model.lower()
    tables_only = Additive.from_functions({"sex": sex}, categories={"sex": ["Male", "Female"]})
    assert pwlc.evaluate(tables_only.lower(), {"sex": ["Female", "other", None]}).tolist() == [-0.1, 0.0, 0.0]


def test_unknown_model_type_is_refused_with_the_supported_list():
    with pytest.raises(pwlc.UnsupportedError, match=r"no frontend for builtins.object \(supported: .*lightgbm.LGBMClassifier"):
        lower(object())
    assert "interpret.ExplainableBoostingClassifier" in supported()


def test_pickles_load_only_when_allowed(compas_data, tmp_path):
    import lightgbm

    model = lightgbm.LGBMClassifier(n_estimators=5, max_depth=1, verbose=-1).fit(compas_data.X[["age"]], compas_data.y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model))
    with pytest.raises(pwlc.UnsupportedError, match="runs code"):
        load_model(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_model(path, allow_pickle=True)
    assert any("runs code" in str(w.message) for w in caught)
    assert lower(loaded) == lower(model)


def test_load_model_errors(tmp_path):
    with pytest.raises(pwlc.PwlcError, match="no such file"):
        load_model(tmp_path / "absent.json")
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(pwlc.UnsupportedError, match="not a model pwlc can read"):
        load_model(other)
