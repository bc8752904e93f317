"""CatBoost with one feature per (oblivious) tree: exact lowering against
`predict(prediction_type="RawFormulaVal")` on real data and edge grids."""

from __future__ import annotations

import numpy as np
import pytest

import pwlc
from pwlc.datasets import compas
from pwlc.frontends import lower
from tests.frontend_checks import assert_exact, library_scores, probes, require_library
from tests.real_data import load

ROWS = 2000


@pytest.fixture(scope="module")
def compas_nan():
    data = load(compas)
    X = data.X.iloc[:ROWS].copy()
    X.loc[:80, "age"] = np.nan
    return data, X, data.y[:ROWS]


def fit(kind, X, y, **options):
    catboost = require_library("catboost")
    defaults = dict(depth=1, iterations=60, verbose=0, thread_count=1, random_seed=0)
    return getattr(catboost, kind)(**{**defaults, **options}).fit(X, y)


def raw(model):
    return lambda rows: model.predict(rows, prediction_type="RawFormulaVal")


@pytest.mark.parametrize("nan_mode", ["Min", "Max", "Forbidden"])
@pytest.mark.parametrize("kind", ["CatBoostClassifier", "CatBoostRegressor"])
def test_catboost_stumps_with_one_hot_categories_are_exact(compas_nan, kind, nan_mode):
    """Borders compare in float32 (`x > border`), NaN as nan_mode says, one-hot categories
    named from the data (CatBoost keeps only their hashes)."""
    from pwlc.frontends.catboost import with_categories

    data, X, y = compas_nan
    X = X if nan_mode != "Forbidden" else data.X.iloc[:ROWS]
    model = fit(kind, X, y, nan_mode=nan_mode, cat_features=list(data.categorical), one_hot_max_size=10)
    with pytest.raises(pwlc.UnsupportedError, match=r"CatBoost keeps only hashes of the categories of '\w+'; name them from the training data: pwlc.lower\(pwlc.frontends.catboost.with_categories\(model, X\)\)"):
        lower(model)
    lowered = lower(with_categories(model, X))
    assert lowered.link == ("logistic" if kind == "CatBoostClassifier" else "identity")
    assert any(isinstance(t, pwlc.Table) for t in lowered.terms)
    frame = probes(lowered, X)
    frame = frame[frame[list(data.categorical)].notna().all(axis=1)]  # CatBoost refuses missing categories
    assert_exact(lowered, frame, library_scores(raw(model), frame), data_rows=len(X))


def test_catboost_poisson_has_the_exp_link(compas_nan):
    data, X, y = compas_nan
    numeric = X[list(data.numeric)]
    model = fit("CatBoostRegressor", numeric, numeric["priors_count"].to_numpy(), loss_function="Poisson")
    lowered = lower(model)
    assert lowered.link == "exp"
    frame = probes(lowered, numeric)
    assert_exact(lowered, frame, library_scores(raw(model), frame), data_rows=len(X))


def test_catboost_ctr_and_deeper_trees_are_refused_with_what_to_do(compas_nan):
    from pwlc.frontends.catboost import with_categories

    data, X, y = compas_nan
    ctr = fit("CatBoostClassifier", data.X.iloc[:ROWS], y, cat_features=list(data.categorical), one_hot_max_size=1)
    with pytest.raises(pwlc.UnsupportedError, match=r"CatBoost tree \d+ splits on a OnlineCtr.*one_hot_max_size=255.*pwlc.distill"):
        lower(with_categories(ctr, data.X))
    deep = fit("CatBoostRegressor", X[list(data.numeric)], y, depth=3, iterations=3)
    with pytest.raises(pwlc.UnsupportedError, match=r"CatBoost tree 0 splits on several features.*retrain with depth=1.*pwlc.distill\(model.predict, X\)"):
        lower(deep)
