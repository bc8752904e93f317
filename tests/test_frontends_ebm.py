"""InterpretML EBM: exact lowering against the EBM's own scores on real data and edge grids."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas, lending_club
from pwlc.frontends import load_model, lower
from tests.frontend_checks import EXACT, assert_exact, probes
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def compas_data():
    return load(compas)


@pytest.fixture(scope="module")
def loans():
    return load(lending_club)


def ebm_classifier(X, y, interactions, rounds=300):
    from interpret.glassbox import ExplainableBoostingClassifier

    return ExplainableBoostingClassifier(interactions=interactions, outer_bags=2, max_rounds=rounds, random_state=0).fit(X, y)


def test_ebm_classifier_with_pairs_is_exact_on_compas(compas_data):
    X = compas_data.X.copy()
    X.loc[:40, "age"] = np.nan  # a missing bin that the model learns
    X.loc[50:80, "race"] = np.nan
    ebm = ebm_classifier(X, compas_data.y, [(1, 2), (2, 4), (1, 5)])  # pairs on inputs without NaN
    model = lower(ebm)
    assert model.link == "logistic"
    assert sum(isinstance(t, pwlc.Grid) for t in model.terms) == 3
    frame = probes(model, compas_data.X)
    assert_exact(model, frame, ebm.decision_function(frame), data_rows=len(compas_data.X))
    np.testing.assert_allclose(pwlc.evaluate(model, frame), ebm.predict_proba(frame)[:, 1], rtol=1e-12)


def test_ebm_regressor_is_exact_on_lending_club_with_nan(loans):
    from interpret.glassbox import ExplainableBoostingRegressor

    X = loans.X.iloc[:3000]
    ebm = ExplainableBoostingRegressor(interactions=[(4, 5)], outer_bags=2, max_rounds=300, random_state=0).fit(X, loans.y[:3000])
    model = lower(ebm)
    assert model.link == "identity"
    step = next(t for t in model.terms if isinstance(t, pwlc.Step) and t.feature == "months_since_last_delinq")
    assert step.missing is not None and step.missing != 0.0  # NaN means "never": learned
    frame = probes(model, loans.X)
    assert_exact(model, frame, ebm.predict(frame), data_rows=len(loans.X))


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
    frame = probes(model, loans.X)
    assert_exact(model, frame, ebm.predict(frame), data_rows=len(loans.X))
    # every emitted form computes it too
    from pwlc.backends import python as python_backend

    namespace: dict = {}
    exec(compile(python_backend.emit(model), "<ebm>", "exec"), namespace)  # noqa: S102
    batch = namespace["score"](*(frame[i.name].to_numpy() if i.kind == "numeric" else frame[i.name].to_numpy(dtype=object) for i in model.inputs))
    np.testing.assert_allclose(batch, ebm.predict(frame), rtol=0, atol=EXACT)


def test_ebm_json_export_lowers_to_the_same_model(compas_data, tmp_path):
    from pwlc.frontends.ebm import jsonable

    ebm = ebm_classifier(compas_data.X, compas_data.y, [(0, 3)])
    path = tmp_path / "ebm.json"
    path.write_text(json.dumps(jsonable(ebm)))
    assert lower(load_model(path)) == lower(ebm)


def test_ebm_json_that_is_not_an_export_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"ebm": {"outputs": []}}')
    with pytest.raises(pwlc.UnsupportedError, match=r"not an EBM JSON export.*export the EBM with ebm.to_jsonable\(\)"):
        lower(load_model(path))


def test_ebm_numeric_and_boolean_categories_are_named_as_pwlc_names_inputs(compas_data, tmp_path):
    """EBM names the category of 1e20 "1e+20" and of True "1"; pwlc names those inputs
    "100000000000000000000" and "True". Every value EBM puts in a category reaches it."""
    from interpret.glassbox import ExplainableBoostingRegressor

    from pwlc.frontends.ebm import jsonable

    rng = np.random.default_rng(0)
    X = compas_data.X[["age", "sex"]].iloc[:1500].copy()
    X["code"] = rng.choice([1e20, 3.0, 0.5, 12345678901234567.0], len(X))
    X["flag"] = rng.random(len(X)) > 0.5
    y = compas_data.y[:1500] + (X["code"] == 1e20) * 0.5 + X["flag"] * 0.3
    ebm = ExplainableBoostingRegressor(interactions=[(2, 3)], outer_bags=1, max_rounds=200, feature_types=["continuous", "nominal", "nominal", "nominal"], random_state=0).fit(X, y)
    model = lower(ebm)
    table = next(t for t in model.terms if isinstance(t, pwlc.Table) and t.feature == "code")
    assert {"1e+20", "100000000000000000000"} <= set(table.lookup())
    rows = pd.DataFrame(
        {
            "age": 30.0,
            "sex": "Male",
            "code": pd.Series([1e20, 3.0, 0.5, 12345678901234567.0, 1e20, 7.0, None] * 2, dtype=object),
            "flag": pd.Series([True, False] * 7, dtype=object),
        }
    )
    np.testing.assert_allclose(pwlc.evaluate(model, rows, output="score"), ebm.predict(rows), rtol=0, atol=EXACT)
    texts = {1e20: "1e+20", 3.0: "3", 0.5: "0.5", 12345678901234567.0: "1.2345678901234568e+16", 7.0: "7"}  # as EBM writes them
    as_text = rows.assign(code=rows["code"].map(lambda v: None if v is None else texts[v]))
    np.testing.assert_allclose(pwlc.evaluate(model, as_text, output="score"), ebm.predict(as_text), rtol=0, atol=EXACT)
    path = tmp_path / "ebm.json"
    path.write_text(json.dumps(jsonable(ebm)))
    assert lower(load_model(path)) == model


def test_ebm_after_remove_features_is_refused_with_what_to_do(compas_data):
    ebm = ebm_classifier(compas_data.X.iloc[:1000], compas_data.y[:1000], [(0, 1)], rounds=30)
    kept = ebm_classifier(compas_data.X.iloc[:1000], compas_data.y[:1000], [(0, 1)], rounds=30)
    ebm.remove_features(["race"])
    with pytest.raises(pwlc.UnsupportedError, match=r"EBM term \d+ .*remove_features.*ebm.remove_terms"):
        lower(ebm)
    kept.remove_terms(["race"])  # the advice works: the other terms still read their features
    model = lower(kept)
    assert "race" not in {i.name for i in model.inputs}
    frame = probes(model, compas_data.X.iloc[:1000])
    assert_exact(model, frame, kept.decision_function(frame), data_rows=1000)
