"""The frontend zoo (issue 16): every model kind pwlc reads or refuses, trained on real
data (COMPAS, Lending Club, diabetes, breast cancer, with NaN and categoricals), and what
pwlc does with it.

For each kind: the library and its installed version, and the outcome:

- exact: `pwlc.lower(model)` succeeded; max |pwlc score - library raw score| on the data
  rows and on the lowered model's edge grid (every edge and knot ±1 ulp, NaN, ±inf,
  unseen categories, each input alone; rows the library itself refuses are skipped);
- refused: the message (what is unsupported and what to do), and, when pwlc still reads
  the model's exact shapes (what `pwlc.distill(model, X)` fits), their max gap on the data;
- WRONG (a gap above the tolerance) or TRACEBACK (any other exception): the bugs the zoo
  is there to find. There are none when the table is written.

    .venv/bin/python benchmarks/frontends.py                 # full data, writes benchmarks/results/frontends.md
    .venv/bin/python benchmarks/frontends.py --rows 600 --no-write
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import pwlc
from pwlc.datasets import Dataset, breast_cancer, compas, diabetes, lending_club
from pwlc.frontends import teacher

# the tests' helpers, when run as a script from any directory
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.frontend_checks import library_scores, probes  # noqa: E402

EXACT = 1e-9
FLOAT32 = 4e-6  # relative: XGBoost adds float32 leaves in float32 (exact leaf by leaf: tests/test_frontends_xgboost.py)
LINEAR = 1e-12  # relative: a linear term is the library's scaled column times its coefficient, rounded in another order
RESULTS = Path(__file__).parent / "results" / "frontends.md"


@dataclass(frozen=True)
class Trial:
    """A fitted model: what pwlc is given, the rows (typed as the library wants them, with
    pwlc's input names), and the library's raw score on rows like them."""

    target: Any
    X: pd.DataFrame
    score: Callable[[pd.DataFrame], Any]
    tolerance: float = EXACT
    relative: bool = False  # the tolerance is relative to max(1, |library score|)
    native: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # probe names -> the values users pass


@dataclass(frozen=True)
class Outcome:
    kind: str
    library: str
    data: str
    result: str  # exact / refused / WRONG / TRACEBACK
    data_gap: float = math.nan
    grid_gap: float = math.nan
    grid_rows: int = 0
    message: str = ""


@dataclass(frozen=True)
class Data:
    """The datasets, cut to `rows` rows, with NaN put into COMPAS's age and race."""

    compas: Dataset
    loans: Dataset
    diabetes: Dataset
    cancer: Dataset
    small: bool = False  # fewer trees and boosting rounds (the zoo's test)

    def n(self, count: int) -> int:
        """`count` trees or rounds, a fifth of them for a small zoo."""
        return max(2, count // 5) if self.small else count

    @classmethod
    def load(cls, rows: int | None) -> Data:
        def cut(d: Dataset) -> Dataset:
            return Dataset(d.name, d.X.iloc[:rows].reset_index(drop=True), d.y[:rows], d.task, d.categorical, d.target)

        c = cut(compas())
        X = c.X.copy()
        X.loc[X.index % 23 == 0, "age"] = np.nan
        X.loc[X.index % 31 == 0, "race"] = np.nan
        return cls(Dataset(c.name, X, c.y, c.task, c.categorical, c.target), cut(lending_club()), cut(diabetes()), cut(breast_cancer()), rows is not None and rows < 1000)


def categories(X: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = X.copy()
    for column in columns:
        out[column] = out[column].astype("category")
    return out


def codes(X: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = X.copy()
    for column in columns:
        out[column] = pd.Categorical(out[column]).codes.astype(np.float64)
        out.loc[out[column] < 0, column] = np.nan
    return out


def by_value_types(score: Callable[[pd.DataFrame], Any], rows: pd.DataFrame) -> np.ndarray:
    """`score` on the rows grouped by the Python types of their object columns' values:
    interpret names a category differently when a column mixes booleans and strings in
    one call (True is "1" alone, not among strings), so each row is scored among rows like it."""
    objects = [c for c in rows.columns if rows[c].dtype == object]
    signature = rows[objects].map(lambda v: type(v).__name__).agg("/".join, axis=1)
    out = np.full(len(rows), np.nan)
    for _, group in rows.groupby(signature, sort=False):
        out[rows.index.get_indexer(group.index)] = score(group)
    return out


def native_values(rows: pd.DataFrame) -> pd.DataFrame:
    """The probes of an object column as the values a user passes: numbers for the names of
    numbers ("1e+20", "100000000000000000000"), booleans for "True"/"False". (pwlc names 1e20
    and the text "100000000000000000000" alike; interpret tells the text from the number.)"""

    def value(v: Any) -> Any:
        if isinstance(v, str):
            if v in ("True", "False"):
                return v == "True"
            try:
                return float(v)
            except ValueError:
                return v
        return v

    return rows.assign(**{c: rows[c].map(value).astype(object) for c in rows.columns if rows[c].dtype == object})


def raw(model: Any) -> Callable[[pd.DataFrame], Any]:
    if hasattr(model, "decision_function"):
        return model.decision_function
    return model.predict


# --- the kinds ---------------------------------------------------------------------------------


def ebm(d: Data, kind: str) -> Trial:
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    if kind == "classifier":
        model = ExplainableBoostingClassifier(interactions=[(1, 2), (2, 4)], outer_bags=2, max_rounds=d.n(300), random_state=0).fit(d.compas.X, d.compas.y)
        return Trial(model, d.compas.X, model.decision_function)
    if kind == "regressor":
        model = ExplainableBoostingRegressor(interactions=[(0, 2)], outer_bags=2, max_rounds=d.n(300), random_state=0).fit(d.loans.X, d.loans.y)
        return Trial(model, d.loans.X, model.predict)
    if kind == "JSON export":
        from pwlc.frontends.ebm import jsonable

        model = ExplainableBoostingClassifier(outer_bags=1, max_rounds=d.n(200), random_state=0).fit(d.compas.X, d.compas.y)
        return Trial(jsonable(model), d.compas.X, model.decision_function)
    if kind == "numeric categories (1e20, booleans)":
        X = d.compas.X[["age", "sex"]].copy()
        X["code"] = np.where(X.index % 3 == 0, 1e20, np.where(X.index % 3 == 1, 3.0, 0.5))
        X["flag"] = X.index % 2 == 0
        model = ExplainableBoostingRegressor(outer_bags=1, max_rounds=d.n(200), feature_types=["continuous", "nominal", "nominal", "nominal"], random_state=0)
        model.fit(X, d.compas.y + (X["code"] == 1e20))
        return Trial(model, X.astype({"code": object, "flag": object}), partial(by_value_types, model.predict), native=native_values)
    if kind == "multiclass with pairs":
        three = (d.compas.y + (d.compas.X["age"] > 30)).astype(int)
        model = ExplainableBoostingClassifier(interactions=[(1, 2), (0, 4)], outer_bags=2, max_rounds=d.n(200), random_state=0).fit(d.compas.X, three)
        return Trial(model, d.compas.X, model.decision_function)
    model = ExplainableBoostingClassifier(outer_bags=1, max_rounds=d.n(100), random_state=0).fit(d.compas.X, d.compas.y)
    model.remove_features(["race"])  # "after remove_features"
    return Trial(model, d.compas.X, model.decision_function)


def lightgbm(d: Data, kind: str) -> Trial:
    import lightgbm

    c = d.compas
    constraints = [[j] for j in range(c.X.shape[1])]
    if kind == "classifier, categoricals, NaN":
        X = categories(c.X, c.categorical)
        model = lightgbm.LGBMClassifier(n_estimators=d.n(100), num_leaves=8, interaction_constraints=constraints, verbose=-1).fit(X, c.y)
        return Trial(model, X, partial(model.predict, raw_score=True))
    if kind == "regressor stumps":
        X = d.loans.X[list(d.loans.numeric)]
        model = lightgbm.LGBMRegressor(n_estimators=d.n(100), max_depth=1, verbose=-1).fit(X, d.loans.y)
        return Trial(model, X, partial(model.predict, raw_score=True))
    if kind == "model text":
        X = categories(c.X, c.categorical)
        model = lightgbm.LGBMClassifier(n_estimators=d.n(50), num_leaves=6, interaction_constraints=constraints, verbose=-1).fit(X, c.y)
        return Trial(lightgbm.Booster(model_str=model.booster_.model_to_string()), X, partial(model.predict, raw_score=True))
    if kind == "linear_tree":
        X = d.diabetes.X
        model = lightgbm.LGBMRegressor(n_estimators=d.n(50), num_leaves=4, linear_tree=True, interaction_constraints=[[j] for j in range(X.shape[1])], verbose=-1).fit(X, d.diabetes.y)
        return Trial(model, X, partial(model.predict, raw_score=True))
    if kind == "multiclass":
        X = categories(c.X, c.categorical)
        model = lightgbm.LGBMClassifier(n_estimators=d.n(30), num_leaves=6, interaction_constraints=constraints, verbose=-1).fit(X, (c.y + (c.X["age"] > 30)).astype(int))
        return Trial(model, X, partial(model.predict, raw_score=True))
    X = c.X[list(c.numeric)]
    model = lightgbm.LGBMClassifier(n_estimators=d.n(20), num_leaves=8, verbose=-1).fit(X, c.y)  # trees on several features
    return Trial(model, X, partial(model.predict, raw_score=True))


def xgboost(d: Data, kind: str) -> Trial:
    import xgboost

    c = d.compas
    if kind == "regressor, NaN":
        X = d.loans.X[list(d.loans.numeric)]
        model = xgboost.XGBRegressor(n_estimators=d.n(100), max_depth=3, interaction_constraints=[[col] for col in X.columns]).fit(X, d.loans.y)
    elif kind == "classifier stumps":
        X = d.cancer.X
        model = xgboost.XGBClassifier(n_estimators=d.n(100), max_depth=1).fit(X, d.cancer.y)
    elif kind == "enable_categorical":
        X = categories(c.X, c.categorical)
        model = xgboost.XGBClassifier(n_estimators=d.n(100), max_depth=2, enable_categorical=True, interaction_constraints=[[col] for col in X.columns]).fit(X, c.y)
    elif kind == "multiclass":  # multi:softprob
        X = c.X[list(c.numeric)]
        model = xgboost.XGBClassifier(n_estimators=d.n(20), max_depth=2, interaction_constraints=[[col] for col in X.columns]).fit(X, (c.y + (X["age"] > 30)).astype(int))
    else:
        X = c.X[list(c.numeric)]
        model = xgboost.XGBClassifier(n_estimators=d.n(5), max_depth=3).fit(X, c.y)
    return Trial(model, X, partial(model.predict, output_margin=True), FLOAT32, relative=True)


def pygam(d: Data, kind: str) -> Trial:
    import pygam
    from pygam import f, l, s, te

    from pwlc.frontends.pygam import Named

    X = codes(d.compas.X[["age", "priors_count", "length_of_stay", "race", "sex"]], ("race", "sex")).fillna({"age": 30.0, "race": 0.0})
    y = d.compas.y
    terms = {
        "LinearGAM s() l() f()": ("LinearGAM", s(0) + s(1, n_splines=8) + l(2) + f(3) + f(4), y),
        "LinearGAM l() f()": ("LinearGAM", l(0) + l(2) + f(3) + f(4), y),
        "LogisticGAM s() f()": ("LogisticGAM", s(0) + f(3), y),
        "PoissonGAM": ("PoissonGAM", s(0, n_splines=6) + f(3), X["priors_count"].to_numpy()),
        "GammaGAM": ("GammaGAM", s(0, n_splines=6) + f(4), X["priors_count"].to_numpy() + 1.0),
        "f() codes 0,2,5 + order-0 s()": ("LinearGAM", s(0, spline_order=0, n_splines=6) + f(3), y),
        "te() of order-0 splines": ("LinearGAM", te(1, 2, spline_order=0, n_splines=[4, 5]) + f(4), y),
        "te() after another term": ("LinearGAM", s(0, n_splines=5) + te(1, 2, n_splines=4), y),
    }
    name, formula, target = terms[kind]
    if kind.startswith("f() codes"):
        X = X.assign(race=X["race"].map({0.0: 0.0, 1.0: 2.0, 2.0: 5.0}).fillna(5.0))
    model = getattr(pygam, name)(formula).fit(X.to_numpy(), target)
    domain = X.copy()

    def score(rows: pd.DataFrame) -> Any:
        for column in ("race", "sex"):  # pygam refuses factor codes outside the range it saw
            if ((rows[column] < domain[column].min()) | (rows[column] > domain[column].max())).any():
                raise ValueError("factor code out of range")
        return model._linear_predictor(rows.to_numpy())

    if kind == "LinearGAM l() f()":  # linear terms: summed in another order than pygam's
        return Trial(Named(model, tuple(X.columns)), X, score, tolerance=LINEAR, relative=True)
    return Trial(Named(model, tuple(X.columns)), X, score)


def sklearn_linear(d: Data, kind: str) -> Trial:
    import sklearn.linear_model as linear
    from sklearn.compose import make_column_transformer
    from sklearn.decomposition import PCA
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, SplineTransformer, StandardScaler

    X, y = d.compas.X, d.compas.y
    onehot = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore"))
    estimator: Any
    if kind.startswith("KBins"):
        _, strategy, encode = kind.split()
        bins = make_pipeline(SimpleImputer(), StandardScaler(), KBinsDiscretizer(n_bins=6, strategy=strategy, encode=encode, quantile_method="averaged_inverted_cdf"))
        columns = make_column_transformer((bins, ["age", "priors_count", "length_of_stay"]), (onehot, ["race", "sex", "c_charge_degree"]))
        estimator = linear.LogisticRegression(max_iter=1000)
    elif kind.startswith("SplineTransformer"):
        _, degree, extrapolation = kind.split()
        spline = dict(degree=int(degree), extrapolation=extrapolation, n_knots=5)
        columns = make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="median"), SplineTransformer(**spline)), ["age"]),
            (SplineTransformer(handle_missing="zeros", **spline), ["priors_count"]),
            (onehot, ["race"]),
        )
        estimator = linear.Ridge()
    elif kind == "OneHotEncoder with None as a category":
        X = X.astype({"race": object}).where(X.notna(), None)
        columns = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["race", "sex"]))
        estimator = linear.Lasso(alpha=0.001)
    elif kind.startswith("OneHotEncoder"):
        glm = kind.split()[-1]
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=50, drop="if_binary")
        columns = make_column_transformer((make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), encoder), ["race", "sex"]), (KBinsDiscretizer(n_bins=4, quantile_method="averaged_inverted_cdf"), ["length_of_stay"]))
        estimator = getattr(linear, glm)(**({"power": 1.5} if glm == "TweedieRegressor" else {}))
        y = d.compas.X["priors_count"].to_numpy() + 1.0
    elif kind.startswith("passthrough"):
        columns = make_column_transformer((make_pipeline(SimpleImputer(), StandardScaler()), ["age"]), ("passthrough", ["priors_count"]))
        estimator = linear.LogisticRegression()
    elif kind == "PCA step":
        columns = make_column_transformer((make_pipeline(SimpleImputer(), PCA(1)), ["age", "priors_count"]))
        estimator = linear.LinearRegression()
    else:  # multiclass
        columns = make_column_transformer((KBinsDiscretizer(n_bins=4, quantile_method="averaged_inverted_cdf"), ["priors_count"]))
        estimator = linear.LogisticRegression()
        y = (y + (d.compas.X["priors_count"] > 2)).astype(int)
    model = make_pipeline(columns, estimator).fit(X, y)
    log_link = type(estimator).__name__ in ("PoissonRegressor", "GammaRegressor", "TweedieRegressor")
    score = (lambda rows: np.log(model.predict(rows))) if log_link else raw(model)
    if kind.startswith("passthrough"):  # linear terms: (x - mean) / scale * coef against coef / scale * x, rounded apart
        return Trial(model, X, score, tolerance=LINEAR, relative=True)
    return Trial(model, X, score)


def sklearn_trees(d: Data, kind: str) -> Trial:
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    c = d.compas
    model: Any
    if kind == "HistGradientBoostingClassifier interaction_cst, categoricals, NaN":
        X = categories(c.X, c.categorical)
        model = HistGradientBoostingClassifier(max_iter=d.n(60), interaction_cst=[[j] for j in range(X.shape[1])], random_state=0).fit(X, c.y)
    elif kind == "HistGradientBoostingRegressor stumps, NaN":
        X = d.loans.X[list(d.loans.numeric)]
        model = HistGradientBoostingRegressor(max_iter=d.n(60), max_depth=1, random_state=0).fit(X, d.loans.y)
    elif kind == "HistGradientBoostingRegressor poisson":
        X = d.loans.X[list(d.loans.numeric)]
        model = HistGradientBoostingRegressor(loss="poisson", max_iter=d.n(40), max_depth=1, random_state=0).fit(X, d.loans.y)
        return Trial(model, X, lambda rows: np.log(model.predict(rows)))
    elif kind == "GradientBoostingClassifier stumps":
        X = d.cancer.X
        model = GradientBoostingClassifier(n_estimators=d.n(60), max_depth=1, random_state=0).fit(X, d.cancer.y)
    elif kind == "GradientBoostingRegressor stumps":
        X = d.diabetes.X
        model = GradientBoostingRegressor(n_estimators=d.n(60), max_depth=1, random_state=0).fit(X, d.diabetes.y)
    elif kind == "HistGradientBoostingClassifier multiclass, categoricals, NaN":
        X = categories(c.X, c.categorical)
        three = (c.y + (c.X["priors_count"] > 2)).astype(int)
        model = HistGradientBoostingClassifier(max_iter=d.n(40), interaction_cst=[[j] for j in range(X.shape[1])], random_state=0).fit(X, three)
    elif kind == "GradientBoostingClassifier multiclass stumps":
        X = c.X[["priors_count", "length_of_stay"]]
        model = GradientBoostingClassifier(n_estimators=d.n(40), max_depth=1, random_state=0).fit(X, (c.y + (X["priors_count"] > 2)).astype(int))
    else:
        X = c.X[list(c.numeric)]
        model = HistGradientBoostingClassifier(max_iter=d.n(5), random_state=0).fit(X, c.y)  # deeper trees
    return Trial(model, X, raw(model))


def catboost(d: Data, kind: str) -> Trial:
    import catboost

    from pwlc.frontends.catboost import with_categories

    c = d.compas
    options = dict(depth=1, iterations=100, verbose=0, thread_count=1, random_seed=0)  # enough rounds to split on the categories
    X = c.X.fillna({"race": "missing"})
    if kind.startswith("CatBoostClassifier one-hot"):
        nan_mode = kind.split()[-1]
        X = X if nan_mode != "Forbidden" else X.fillna({"age": 30.0})
        model = catboost.CatBoostClassifier(nan_mode=nan_mode, cat_features=list(c.categorical), one_hot_max_size=10, **options).fit(X, c.y)
        target: Any = with_categories(model, X)
    elif kind == "CatBoostRegressor Poisson":
        X = d.loans.X[list(d.loans.numeric)]
        model = catboost.CatBoostRegressor(loss_function="Poisson", **options).fit(X, d.loans.X["inquiries_last_12m"])
        target = model
    elif kind == "one-hot without categories":
        model = catboost.CatBoostClassifier(cat_features=list(c.categorical), one_hot_max_size=10, **options).fit(X, c.y)
        target = model
    else:  # CTR
        model = catboost.CatBoostClassifier(cat_features=list(c.categorical), one_hot_max_size=1, **options).fit(X, c.y)
        target = with_categories(model, X)
    return Trial(target, X, partial(model.predict, prediction_type="RawFormulaVal"))


def statsmodels(d: Data, kind: str) -> Trial:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from statsmodels.gam.api import BSplines, GLMGam

    frame = d.compas.X.dropna().reset_index(drop=True)
    frame["y"] = d.compas.y[d.compas.X.notna().all(axis=1).to_numpy()]
    results: Any
    if kind == "GLM logit, C() and bs(degree=0)":
        results = smf.glm("y ~ C(race) + sex + C(c_charge_degree, Sum) + bs(age, df=5, degree=0)", frame, family=sm.families.Binomial()).fit()
    elif kind == "OLS categorical":
        loans = d.loans.X.assign(y=d.loans.y)
        results = smf.ols("y ~ C(homeownership) + C(loan_purpose) + verified_income", loans).fit()
        return Trial(results, d.loans.X, results.predict)
    elif kind == "GLM Poisson, linear term":
        results = smf.glm("priors_count ~ age + C(sex)", frame, family=sm.families.Poisson()).fit()
    elif kind == "GLM Gamma, inverse link":
        results = smf.glm("age ~ C(sex)", frame, family=sm.families.Gamma()).fit()
    else:
        smoother = BSplines(frame[["age", "length_of_stay"]], df=[5, 4], degree=[3, 2])
        results = GLMGam.from_formula("y ~ C(race)", data=frame, smoother=smoother, family=sm.families.Binomial()).fit()
        return Trial(results, frame.drop(columns=["y"]), lambda rows: results.predict(rows, exog_smooth=rows[["age", "length_of_stay"]], which="linear"))
    linear_terms = kind == "GLM Poisson, linear term"  # summed in another order than statsmodels' dot product
    return Trial(results, frame.drop(columns=["y"]), partial(results.predict, which="linear"), *((LINEAR, True) if linear_terms else ()))


ZOO: dict[str, tuple[str, Callable[[Data, str], Trial], tuple[str, ...]]] = {
    "InterpretML EBM": ("interpret", ebm, ("classifier", "regressor", "JSON export", "numeric categories (1e20, booleans)", "multiclass with pairs", "after remove_features")),
    "LightGBM": ("lightgbm", lightgbm, ("classifier, categoricals, NaN", "regressor stumps", "model text", "linear_tree", "multiclass", "trees on several features")),
    "XGBoost": ("xgboost", xgboost, ("regressor, NaN", "classifier stumps", "enable_categorical", "multiclass", "trees on several features")),
    "pygam": (
        "pygam",
        pygam,
        ("LinearGAM s() l() f()", "LinearGAM l() f()", "LogisticGAM s() f()", "PoissonGAM", "GammaGAM", "f() codes 0,2,5 + order-0 s()", "te() of order-0 splines", "te() after another term"),
    ),
    "scikit-learn linear": (
        "scikit-learn",
        sklearn_linear,
        (
            *(f"KBins {strategy} {encode}" for strategy in ("uniform", "quantile", "kmeans") for encode in ("onehot", "ordinal")),
            *(f"SplineTransformer {degree} {extrapolation}" for degree, extrapolation in (("0", "linear"), ("0", "error"), ("1", "constant"), ("1", "error"), ("1", "linear"), ("1", "periodic"), ("3", "constant"))),
            *(f"OneHotEncoder infrequent, drop -> {glm}" for glm in ("PoissonRegressor", "GammaRegressor", "TweedieRegressor")),
            "OneHotEncoder with None as a category",
            "passthrough and StandardScaler columns",
            "PCA step",
            "multiclass LogisticRegression",
        ),
    ),
    "scikit-learn trees": (
        "scikit-learn",
        sklearn_trees,
        (
            "HistGradientBoostingClassifier interaction_cst, categoricals, NaN",
            "HistGradientBoostingRegressor stumps, NaN",
            "HistGradientBoostingRegressor poisson",
            "GradientBoostingClassifier stumps",
            "GradientBoostingRegressor stumps",
            "HistGradientBoostingClassifier multiclass, categoricals, NaN",
            "GradientBoostingClassifier multiclass stumps",
            "HistGradientBoostingClassifier deeper trees",
        ),
    ),
    "CatBoost": ("catboost", catboost, ("CatBoostClassifier one-hot Min", "CatBoostClassifier one-hot Max", "CatBoostClassifier one-hot Forbidden", "CatBoostRegressor Poisson", "one-hot without categories", "CTR categoricals")),
    "statsmodels": ("statsmodels", statsmodels, ("GLM logit, C() and bs(degree=0)", "OLS categorical", "GLM Poisson, linear term", "GLM Gamma, inverse link", "GLMGam smooths")),
}


def run(family: str, kind: str, d: Data) -> Outcome:
    library, build, _ = ZOO[family]
    name = f"{family}: {kind}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial = build(d, kind)
            try:
                lowered = pwlc.lower(trial.target)
            except pwlc.UnsupportedError as refusal:
                return Outcome(name, library, _data_name(trial), "refused", data_gap=_teacher_gap(trial), message=str(refusal))
            frame = probes(lowered, trial.X)
            frame = trial.native(frame) if trial.native else frame
            classes = len(lowered.classes) if isinstance(lowered, pwlc.Multiclass) else 0
            library_raw = library_scores(trial.score, frame, classes)
        score = pwlc.evaluate(lowered, frame, output="score")
        rows = len(trial.X)
        scored = ~np.isnan(library_raw)
        with np.errstate(invalid="ignore", over="ignore"):  # the same infinity on both sides (a linear term's) is no gap
            gaps = np.where(score == library_raw, 0.0, np.abs(score - library_raw)) / (np.maximum(1.0, np.abs(library_raw)) if trial.relative else 1.0)
        gaps[scored & np.isnan(score)] = math.inf  # pwlc gives no score where the library gives one
        if classes:  # a multiclass model: a row's gap is its largest over the classes
            gaps = np.where(scored, gaps, 0.0).max(axis=1)
            scored = scored.all(axis=1)
        data_gap = float(np.max(gaps[:rows][scored[:rows]], initial=0.0))
        grid_gap = float(np.max(gaps[rows:][scored[rows:]], initial=0.0))
        result = "exact" if max(data_gap, grid_gap) <= trial.tolerance and scored[:rows].all() else "WRONG"
        return Outcome(name, library, _data_name(trial), result, data_gap, grid_gap, int(scored[rows:].sum()))
    except Exception as error:  # the zoo reports what the user would see
        return Outcome(name, library, "", "TRACEBACK", message=f"{type(error).__name__}: {error} ({traceback.extract_tb(error.__traceback__)[-1].name})")


def _data_name(trial: Trial) -> str:
    return f"{len(trial.X)} rows"


def _teacher_gap(trial: Trial) -> float:
    """Max |exact shapes - library| on the data rows, when pwlc reads the shapes."""
    try:
        shapes = teacher(trial.target)
        X = trial.X.dropna()
        return float(np.max(np.abs(shapes.score(X) - np.asarray(trial.score(X), dtype=np.float64))))
    except Exception:  # no teacher for this kind: the refusal came from reading it
        return math.nan


def versions() -> dict[str, str]:
    names = {"interpret": "interpret-core", "lightgbm": "lightgbm", "xgboost": "xgboost", "pygam": "pygam", "scikit-learn": "scikit-learn", "catboost": "catboost", "statsmodels": "statsmodels"}
    return {library: importlib.metadata.version(package) for library, package in names.items()}


def table(outcomes: list[Outcome], seconds: float, rows: int | None) -> str:
    known = versions()
    lines = [
        "# Frontend zoo",
        "",
        f"`.venv/bin/python benchmarks/frontends.py` ({'all rows' if rows is None else f'{rows} rows'} of each dataset; {seconds:.0f} s). "
        "Exact: max |pwlc score - library raw score| on the data rows and on the lowered model's edge grid "
        "(every edge and knot ±1 ulp, NaN, ±inf, unseen categories, each input alone; rows the library refuses are skipped). "
        "XGBoost adds float32 leaves in float32: its gaps are relative to max(1, |score|), tolerance 4e-6 (leaf by leaf the lowering is exact: tests/test_frontends_xgboost.py). "
        "Linear terms (passthrough and scaled columns) are the library's scaled column times its coefficient rounded in another order: relative to max(1, |score|), tolerance 1e-12 (the edge grid reaches ±1e6 and each term's overflow point; the same infinity is no gap). "
        "Refused: the message, and the max gap of the exact shapes pwlc still reads (what `pwlc.distill(model, X)` fits) on the data rows.",
        "",
        f"numpy {np.__version__}, pandas {pd.__version__}, Python {sys.version.split()[0]}. "
        + ", ".join(f"{library} {version}" for library, version in known.items())
        + ".",
        "",
        "| model kind | library | data | outcome | max gap, data | max gap, edge grid (rows) | message |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        grid = f"{o.grid_gap:.1e} ({o.grid_rows})" if o.result in ("exact", "WRONG") else ""
        data = "" if math.isnan(o.data_gap) else f"{o.data_gap:.1e}"
        message = o.message.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {o.kind} | {o.library} {known.get(o.library, '')} | {o.data} | {o.result} | {data} | {grid} | {message} |")
    counts = {result: sum(o.result == result for o in outcomes) for result in ("exact", "refused", "WRONG", "TRACEBACK")}
    lines += ["", ", ".join(f"{count} {result}" for result, count in counts.items()) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows of each dataset (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print the table, do not write benchmarks/results/frontends.md")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    d = Data.load(args.rows)
    outcomes = [run(family, kind, d) for family, (_, _, kinds) in ZOO.items() for kind in kinds]
    text = table(outcomes, time.perf_counter() - start, args.rows)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
    return 1 if any(o.result in ("WRONG", "TRACEBACK") for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
