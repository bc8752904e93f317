"""scikit-learn linear models and GLMs behind pipelines: exact lowering against the
pipeline's own raw score on real data and edge grids, or a refusal that says what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas, diabetes
from pwlc.frontends import lower, teacher
from tests.frontend_checks import EXACT, RELATIVE, assert_exact, library_scores, probes
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

ROWS = 1500


@pytest.fixture(scope="module")
def compas_nan():
    """COMPAS (the first rows) with missing ages and races."""
    data = load(compas)
    X = data.X.iloc[:ROWS].copy()
    X.loc[:60, "age"] = np.nan
    X.loc[100:140, "race"] = np.nan
    return X, data.y[:ROWS]


def raw_score(pipeline):
    """The library's raw score: the decision function, or the GLM's linear predictor."""
    estimator = pipeline[-1]
    if hasattr(estimator, "decision_function"):
        return pipeline.decision_function
    if type(estimator).__name__ in ("PoissonRegressor", "GammaRegressor", "TweedieRegressor") and lower_link(pipeline) == "exp":
        return lambda X: np.log(pipeline.predict(X))
    return pipeline.predict


def lower_link(pipeline) -> str:
    return teacher(pipeline).link


def assert_pipeline_exact(pipeline, X) -> pwlc.Model:
    lowered = lower(pipeline)
    frame = probes(lowered, X)
    assert_exact(lowered, frame, library_scores(raw_score(pipeline), frame), data_rows=len(X))
    return lowered


def categorical_part():
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    return make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore"))


@pytest.mark.parametrize("encode", ["onehot", "ordinal"])
@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
def test_binned_columns_behind_imputer_and_scaler_lower_exactly(compas_nan, strategy, encode):
    """Bin edges are carried back through the scaler to the last bit: the edge grid's
    ±1 ulp probes land in the same bins as in scikit-learn."""
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer, StandardScaler

    X, y = compas_nan
    numeric = make_pipeline(SimpleImputer(), StandardScaler(), KBinsDiscretizer(n_bins=5, strategy=strategy, encode=encode, quantile_method="averaged_inverted_cdf"))
    pipeline = make_pipeline(make_column_transformer((numeric, ["age", "priors_count"]), (categorical_part(), ["race", "sex"])), LogisticRegression(max_iter=500)).fit(X, y)
    lowered = assert_pipeline_exact(pipeline, X)
    age = next(t for t in lowered.terms if getattr(t, "feature", None) == "age")
    assert isinstance(age, pwlc.Step) and age.missing is not None  # the imputed mean's bin


EXACT_SPLINES = [(0, "linear"), (0, "continue"), (0, "error"), (1, "constant"), (1, "error")]
REFUSED_SPLINES = {
    (1, "linear"): "is linear beyond its end knots",
    (1, "continue"): "is linear beyond its end knots",
    (1, "periodic"): "is periodic",
    (0, "periodic"): "is periodic",
    (3, "constant"): "is a smooth spline of degree 3",
    (2, "error"): "is a smooth spline of degree 2",
}


@pytest.mark.parametrize(("degree", "extrapolation"), EXACT_SPLINES)
def test_degree_0_and_1_splines_lower_exactly(compas_nan, degree, extrapolation):
    """Behind an imputer and a MinMaxScaler, and with handle_missing='zeros' (a missing input
    contributes 0, as in scikit-learn, not a missing score)."""
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, SplineTransformer

    X, y = compas_nan
    X = X.assign(priors_count=X["priors_count"].where(X.index % 7 != 0))
    spline = dict(degree=degree, extrapolation=extrapolation)
    pipeline = make_pipeline(
        make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="median"), MinMaxScaler(), SplineTransformer(n_knots=5, **spline)), ["age"]),
            (SplineTransformer(n_knots=4, handle_missing="zeros", **spline), ["priors_count"]),
            (OneHotEncoder(handle_unknown="ignore", drop="first"), ["c_charge_degree"]),
        ),
        Ridge(),
    ).fit(X, y)
    lowered = assert_pipeline_exact(pipeline, X)
    priors = next(t for t in lowered.terms if getattr(t, "feature", None) == "priors_count")
    assert priors.missing == 0.0


@pytest.mark.parametrize(("degree", "extrapolation"), list(REFUSED_SPLINES))
def test_other_splines_are_refused_with_what_to_do_and_their_shapes_are_exact(compas_nan, degree, extrapolation):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer

    X, y = compas_nan
    X = X[["priors_count", "length_of_stay"]]
    pipeline = make_pipeline(SplineTransformer(n_knots=5, degree=degree, extrapolation=extrapolation), Ridge()).fit(X, y)
    reason = REFUSED_SPLINES[(degree, extrapolation)]
    with pytest.raises(pwlc.UnsupportedError, match=rf"SplineTransformer\(degree={degree}, extrapolation='{extrapolation}'\) column 'priors_count': {reason}.*SplineTransformer\(degree=1, extrapolation='constant'\).*pwlc.distill"):
        lower(pipeline)
    beyond = pd.concat([X, pd.DataFrame({"priors_count": [-5.0, 80.0], "length_of_stay": [2000.0, -3.0]})], ignore_index=True)
    raw = library_scores(pipeline.predict, beyond)  # with extrapolation='error' scikit-learn refuses the last rows
    assert np.isnan(raw[-2:]).all() == (extrapolation == "error")
    scored = ~np.isnan(raw)
    assert np.max(np.abs(teacher(pipeline).score(beyond)[scored] - raw[scored])) <= EXACT


ENCODERS = [
    dict(handle_unknown="ignore"),
    dict(handle_unknown="error"),
    dict(handle_unknown="infrequent_if_exist", min_frequency=80),
    dict(handle_unknown="warn", min_frequency=80),
    dict(handle_unknown="ignore", max_categories=3, drop="if_binary"),
    dict(drop="first", handle_unknown="ignore"),
]
GLMS = ["PoissonRegressor", "GammaRegressor", "TweedieRegressor"]


@pytest.mark.parametrize(("encoder", "glm"), [(encoder, GLMS[k % len(GLMS)]) for k, encoder in enumerate(ENCODERS)])
def test_one_hot_variants_into_glms_lower_exactly(compas_nan, encoder, glm):
    """Dropped, infrequent and unseen categories get what the encoder gives them."""
    import sklearn.linear_model
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder

    X, y = compas_nan
    estimator = getattr(sklearn.linear_model, glm)(**({"power": 1.5} if glm == "TweedieRegressor" else {}))
    columns = make_column_transformer((OneHotEncoder(**encoder), ["race", "sex"]), (KBinsDiscretizer(n_bins=4, encode="onehot-dense", quantile_method="averaged_inverted_cdf"), ["priors_count"]))
    pipeline = make_pipeline(columns, estimator).fit(X.fillna({"race": "unknown"}), X["priors_count"] + 1.0)
    assert lower_link(pipeline) == "exp"
    assert_pipeline_exact(pipeline, X.fillna({"race": "unknown"}))


def test_one_hot_category_none_is_the_missing_value(compas_nan):
    """The encoder learned None as a category (from an object column): a missing input gets
    None's coefficient (pwlc once built the probe as a pandas 3 string column, turning None
    into NaN, an unknown category worth 0)."""
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = compas_nan
    X = X[["race", "sex"]].astype(object).where(X[["race", "sex"]].notna(), None)
    pipeline = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["race", "sex"])), Ridge(alpha=0.01)).fit(X, y + X["race"].isna() * 2.0)
    lowered = assert_pipeline_exact(pipeline, X)
    race = next(t for t in lowered.terms if getattr(t, "feature", None) == "race")
    assert race.missing is not None and abs(race.missing) > 0.5


LINEAR_ESTIMATORS = [
    ("LinearRegression", {}),
    ("Ridge", {"alpha": 3.0}),
    ("Lasso", {"alpha": 0.01}),
    ("ElasticNet", {"alpha": 0.01}),
    ("LogisticRegression", {"max_iter": 2000}),
    ("PoissonRegressor", {}),
    ("GammaRegressor", {}),
    ("TweedieRegressor", {"power": 1.5, "link": "log"}),
]


def linear_pipeline(X, y, kind: str, options: dict):
    """Numeric columns that reach the model linearly (imputed and standardized, robust
    scaled, min-max scaled and passed through) beside a one-hot category."""
    import sklearn.linear_model
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, RobustScaler, StandardScaler

    columns = make_column_transformer(
        (make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), ["age"]),
        (RobustScaler(), ["length_of_stay"]),
        (MinMaxScaler(), ["priors_count"]),
        ("passthrough", ["priors_count"]),  # the same column twice: one term, the slopes summed
        (OneHotEncoder(handle_unknown="ignore"), ["sex"]),
    )
    estimator = getattr(sklearn.linear_model, kind)(**options)
    target = y if kind == "LogisticRegression" else (X["priors_count"] + 1.0 + y if kind in ("PoissonRegressor", "GammaRegressor", "TweedieRegressor") else y + 0.01 * X["length_of_stay"])
    return make_pipeline(columns, estimator).fit(X, target)


@pytest.mark.parametrize(("kind", "options"), LINEAR_ESTIMATORS, ids=[k for k, _ in LINEAR_ESTIMATORS])
def test_passthrough_and_scaled_columns_lower_exactly_to_linear_terms(compas_nan, kind, options):
    """A column that reaches the model linearly is a `Linear` term (slope * x, the scalers'
    offsets in the intercept): equal to the library's raw score up to rounding on the data
    rows and the edge grid (±1e6 and each term's overflow point included), and at ±inf,
    which scikit-learn refuses, infinite with the sign of the library's own slope."""
    X, y = compas_nan
    pipeline = linear_pipeline(X, y, kind, options)
    lowered = lower(pipeline)
    linear = {t.feature: t for t in lowered.terms if isinstance(t, pwlc.Linear)}
    assert set(linear) == {"age", "length_of_stay", "priors_count"}
    assert linear["age"].missing is not None  # the imputed mean plus the indicator's coefficient
    frame = probes(lowered, X)
    raw = library_scores(raw_score(pipeline), frame)
    if lowered.link == "exp":  # the GLM's predict overflows (or underflows to 0) where |score| > ~709: compared as predictions there
        beyond = np.isinf(raw)
        prediction = pwlc.evaluate(lowered, frame.iloc[np.flatnonzero(beyond)])
        assert list(prediction) == list(np.exp(raw[beyond])) and beyond.any()
        raw[beyond] = np.nan
    assert_exact(lowered, frame, raw, data_rows=len(X), relative=RELATIVE)
    for name in ("age", "length_of_stay", "priors_count"):
        assert any(abs(v) == 1e6 for v in frame[name]), name
    # beyond the data, where a curve would be flat: the library's own value at ±1e6 (for
    # a GLM, as far as its exp does not overflow)
    base = X.iloc[[0] * 4].reset_index(drop=True).fillna({"age": 30.0})
    for name, term in linear.items():
        far = base.copy()
        distance = 1e6 if lowered.link != "exp" else min(1e6, 500 / abs(term.slope))
        far[name] = [-distance, distance, -np.inf, np.inf]
        ours = pwlc.evaluate(lowered, far, output="score")
        library = np.asarray(raw_score(pipeline)(far.iloc[:2]), dtype=np.float64)
        np.testing.assert_allclose(ours[:2], library, rtol=1e-12)
        direction = np.sign(library[1] - library[0])
        assert list(ours[2:]) == [-direction * np.inf, direction * np.inf], name


def test_linear_terms_reach_every_backend_that_prints_them(compas_nan):
    """The lowered GLM runs in C as the evaluator computes it (see tests/test_linear_c.py for
    the differential tests); the .pwl text carries each slope to the bit."""
    X, y = compas_nan
    lowered = lower(linear_pipeline(X, y, "LogisticRegression", {"max_iter": 2000}))
    assert pwlc.read(pwlc.emit(lowered, "pwl"), format="pwl") == lowered
    assert "linear priors_count " in pwlc.emit(lowered, "pwl")


def test_a_linear_column_distills_to_itself(compas_nan):
    """distill keeps a linear term as it is: the student equals the teacher beyond the data."""
    X, y = compas_nan
    pipeline = linear_pipeline(X, y, "Ridge", {"alpha": 3.0})
    student = pwlc.distill(pipeline, X, segments=1)
    teacher_terms = [t for t in lower(pipeline).terms if isinstance(t, pwlc.Linear)]
    assert [t for t in student.terms if isinstance(t, pwlc.Linear)] == teacher_terms
    far = X.iloc[[0, 1]].reset_index(drop=True).fillna({"age": 30.0})
    far["priors_count"] = [1e6, -1e6]
    np.testing.assert_allclose(pwlc.evaluate(student, far, output="score"), pipeline.predict(far), rtol=1e-9)


def test_missing_indicators_join_the_column_term(compas_nan):
    """The imputer's indicator column, binned with the others, lands in the age term's
    missing value; the pipeline outputs DataFrames between steps (set_output)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer

    X, y = compas_nan
    X = X[["age", "priors_count"]]
    pipeline = make_pipeline(SimpleImputer(add_indicator=True), KBinsDiscretizer(n_bins=4, encode="onehot-dense", quantile_method="averaged_inverted_cdf"), Ridge())
    pipeline.set_output(transform="pandas")
    pipeline.fit(X, y + X["age"].isna())
    lowered = assert_pipeline_exact(pipeline, X)
    assert sum(getattr(t, "feature", None) == "age" for t in lowered.terms) == 1


def test_pipeline_fitted_on_an_array_names_its_columns_x0_x1(compas_nan):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer

    data = diabetes()
    pipeline = make_pipeline(KBinsDiscretizer(n_bins=6, quantile_method="averaged_inverted_cdf"), LinearRegression()).fit(data.X.to_numpy(), data.y)
    lowered = lower(pipeline)
    assert [i.name for i in lowered.inputs] == [f"x{j}" for j in range(10)]
    X = pd.DataFrame(data.X.to_numpy(), columns=[f"x{j}" for j in range(10)])
    frame = probes(lowered, X)
    assert_exact(lowered, frame, library_scores(lambda rows: pipeline.predict(rows.to_numpy()), frame), data_rows=len(X), tolerance=1e-7)


def test_unsupported_steps_and_models_are_refused_with_what_to_do(compas_nan):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LogisticRegression, TweedieRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    X, y = compas_nan
    X = X[["priors_count", "length_of_stay"]]
    with pytest.raises(pwlc.UnsupportedError, match=r"the pipeline step PCA may mix input columns; pwlc lowers pipelines built of .*pwlc.distill\(lambda X: model.predict_proba\(X\)\[:, 1\], X, link=.logistic.\)"):
        lower(make_pipeline(PCA(1), LogisticRegression()).fit(X, y))
    with pytest.raises(pwlc.UnsupportedError, match=r"ends in RandomForestRegressor.*pwlc.distill\(model.predict, X\)"):
        lower(make_pipeline(MinMaxScaler(), RandomForestRegressor(n_estimators=2)).fit(X, y))
    with pytest.raises(pwlc.UnsupportedError, match=r"clip=False"):
        lower(make_pipeline(MinMaxScaler(clip=True), TweedieRegressor()).fit(X, y))
    # a 3-class logistic regression is lowered class by class, each class's scaled columns
    # as linear terms (exact to the library: tests/test_linear_multiclass.py)
    three = lower(make_pipeline(MinMaxScaler(), LogisticRegression()).fit(X, (y + (X["priors_count"] > 2)).astype(int)))
    assert isinstance(three, pwlc.Multiclass) and len(three.classes) == 3
    assert all({t.feature for t in terms if isinstance(t, pwlc.Linear)} == {"priors_count", "length_of_stay"} for terms in three.scores)
    assert teacher(make_pipeline(MinMaxScaler(), TweedieRegressor(power=0)).fit(X, y)).link == "identity"


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


def test_cubic_spline_pipeline_shapes_reproduce_the_decision_function():
    from sklearn.linear_model import LogisticRegression

    data = load(compas)
    pipeline = spline_pipeline(data, LogisticRegression(max_iter=2000))
    X = data.X.copy()
    X.loc[:50, "race"] = "never seen"
    X.loc[60:70, "age"] = 150.0  # beyond the knots: the transformer's own extrapolation
    shapes = teacher(pipeline)
    assert np.max(np.abs(shapes.score(X) - pipeline.decision_function(X))) <= EXACT
    with pytest.raises(pwlc.UnsupportedError, match=r"SplineTransformer\(degree=3, extrapolation='constant'\) column 'age': is a smooth spline of degree 3"):
        shapes.lower()
