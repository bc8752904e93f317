"""pygam: exact lowering of factor and order-0 spline terms, exact shapes of the others,
against pygam's own linear predictor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc.datasets import compas
from pwlc.frontends import lower, teacher
from pwlc.frontends.pygam import Named
from tests.frontend_checks import EXACT, RELATIVE, assert_exact, library_scores, probes
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def compas_data():
    return load(compas)


def compas_codes(data, rows=None):
    X = data.X[["age", "priors_count", "length_of_stay", "race", "sex"]].iloc[:rows].copy()
    for column in ("race", "sex"):
        X[column] = pd.Categorical(X[column]).codes.astype(np.float64)
    return X


@pytest.mark.parametrize("kind", ["LinearGAM", "LogisticGAM"])
def test_pygam_shapes_reproduce_the_linear_predictor(compas_data, kind):
    import pygam
    from pygam import f, l, s

    X = compas_codes(compas_data)
    gam = getattr(pygam, kind)(s(0) + s(1, n_splines=8) + l(2) + f(3) + f(4)).fit(X.to_numpy(), compas_data.y)
    shapes = teacher(Named(gam, tuple(X.columns)))
    assert shapes.link == ("logistic" if kind == "LogisticGAM" else "identity")
    assert np.max(np.abs(shapes.score(X) - gam._linear_predictor(X.to_numpy()))) <= EXACT


@pytest.mark.parametrize("kind", ["PoissonGAM", "GammaGAM"])
def test_pygam_log_link_gams_have_the_exp_link_and_exact_shapes(compas_data, kind):
    import pygam
    from pygam import f, s

    X = compas_codes(compas_data, 2000)
    y = compas_data.X["priors_count"].to_numpy()[:2000] + (1.0 if kind == "GammaGAM" else 0.0)
    gam = getattr(pygam, kind)(s(0, n_splines=6) + f(3)).fit(X.to_numpy(), y)
    shapes = teacher(Named(gam, tuple(X.columns)))
    assert shapes.link == "exp"
    assert np.max(np.abs(shapes.score(X) - gam._linear_predictor(X.to_numpy()))) <= EXACT
    np.testing.assert_allclose(np.exp(shapes.score(X)), gam.predict(X.to_numpy()), rtol=1e-12)


def test_pygam_factor_with_codes_that_are_not_consecutive_is_exact_on_every_code(compas_data):
    """Codes 0, 2, 5, 9: pygam bins [min, max] into four equal bins, so code 1 takes code 0's
    value and 3 takes 2's. The table lists every integer code pygam accepts."""
    from pygam import LinearGAM, f, s

    rng = np.random.default_rng(0)
    codes = rng.choice([0.0, 2.0, 5.0, 9.0], 1500)
    X = np.column_stack([compas_data.X["age"].to_numpy()[:1500], codes])
    y = compas_data.y[:1500] + (codes == 5) * 1.0 + (codes == 9) * 2.0
    gam = LinearGAM(s(0, n_splines=5) + f(1)).fit(X, y)
    table = next(shape.term for shape in teacher(gam).shapes if isinstance(shape.term, pwlc.Table))
    assert [key for key, _ in table.entries] == [str(k) for k in range(10)]
    every_code = np.column_stack([np.full(10, 40.0), np.arange(10.0)])
    np.testing.assert_allclose(
        pwlc.evaluate(pwlc.Model((pwlc.Input("x1", "categorical"),), (table,)), {"x1": every_code[:, 1]}, output="score"),
        gam.partial_dependence(term=1, X=every_code),
        rtol=0,
        atol=EXACT,
    )


def test_pygam_order_0_splines_and_tensor_terms_lower_exactly(compas_data):
    """s(spline_order=0) is a step inside its edge knots and 0 outside; te() of two of them a
    step grid. The edges are where pygam's own rescaling crosses each knot, to the bit."""
    from pygam import LinearGAM, f, s, te

    X = compas_codes(compas_data, 2000)
    gam = LinearGAM(s(0, spline_order=0, n_splines=6) + te(1, 2, spline_order=0, n_splines=[4, 5]) + f(3)).fit(X.to_numpy(), compas_data.y[:2000])
    named = Named(gam, tuple(X.columns))
    lowered = lower(named)
    assert [type(t).__name__ for t in lowered.terms] == ["Constant", "Step", "Grid", "Table"]
    frame = probes(lowered, X)
    frame = frame[frame["race"].between(0, 5)]  # pygam refuses codes outside the factor's range
    raw = library_scores(lambda rows: gam._linear_predictor(rows.to_numpy()), frame)
    assert_exact(lowered, frame, raw, data_rows=len(X))


def test_pygam_tensor_term_after_another_term_is_read(compas_data):
    """te() after another term used to raise a traceback; now its exact shape is read and
    the refusal to lower a cubic one names what to do."""
    from pygam import LinearGAM, s, te

    X = compas_codes(compas_data, 1500)
    gam = LinearGAM(s(0, n_splines=5) + te(1, 2, n_splines=4)).fit(X.to_numpy(), compas_data.y[:1500])
    shapes = teacher(Named(gam, tuple(X.columns)))
    assert shapes.shapes[1].features == ("priors_count", "length_of_stay")
    assert np.max(np.abs(shapes.score(X) - gam._linear_predictor(X.to_numpy()))) <= EXACT
    with pytest.raises(pwlc.UnsupportedError, match=r"pygam term 0 \(SplineTerm on 'age'\): is a spline of order 3 that pygam extrapolates linearly.*spline_order=0.*pwlc.distill"):
        lower(Named(gam, tuple(X.columns)))


def test_pygam_linear_terms_lower_exactly_to_linear_terms(compas_data):
    """l() is `slope * x`, a Linear term: pygam's own linear predictor on the data and the
    edge grid (±1e6 and each term's overflow point), up to rounding of the sum."""
    from pygam import LinearGAM, f, l

    X = compas_codes(compas_data, 1500).fillna({"race": 0.0})
    gam = LinearGAM(l(0) + l(2) + f(3)).fit(X.to_numpy(), compas_data.y[:1500])
    lowered = lower(Named(gam, tuple(X.columns)))
    assert [type(t).__name__ for t in lowered.terms] == ["Constant", "Linear", "Linear", "Table"]
    age = lowered.terms[1]
    x = np.array([18.0, 40.0, -1e6, 1e6])
    expected = gam.partial_dependence(term=0, X=np.column_stack([x, np.zeros((4, 4))]))
    np.testing.assert_allclose(age.slope * x, expected, rtol=1e-12)  # linear beyond the data too
    frame = probes(lowered, X)
    frame = frame[frame["race"].between(0, 5) & frame["sex"].between(0, 1)]  # pygam refuses codes outside the factor's range
    raw = library_scores(lambda rows: gam._linear_predictor(rows.to_numpy()), frame)
    assert_exact(lowered, frame, raw, data_rows=len(X), relative=RELATIVE)
    assert (np.abs(frame["age"]) == 1e6).any()


def test_pygam_splines_are_not_lowered_but_named(compas_data):
    from pygam import LinearGAM, s

    gam = LinearGAM(s(0)).fit(compas_data.X[["age"]].to_numpy(), compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"pygam term 0 \(SplineTerm on 'x0'\).*pwlc.distill"):
        lower(gam)


def test_pygam_cubic_tensor_term_is_refused_by_name(compas_data):
    from pygam import LinearGAM, te

    gam = LinearGAM(te(0, 1)).fit(compas_data.X[["age", "priors_count"]].to_numpy(), compas_data.y)
    with pytest.raises(pwlc.UnsupportedError, match=r"pygam term 0 \(TensorTerm on 'x0', 'x1'\): is a spline of order 3 .*spline_order=0.*pwlc.distill\(lambda X: model.predict\(X.to_numpy\(\)\), X\)"):
        lower(gam)
    X = compas_data.X[["age", "priors_count"]].set_axis(["x0", "x1"], axis=1)
    student = pwlc.distill(lambda X: gam.predict(X.to_numpy()), X, segments=3)  # the advice, as written
    assert np.corrcoef(pwlc.evaluate(student, X), gam.predict(X.to_numpy()))[0, 1] > 0.9
