"""statsmodels GLM/OLS/GLMGam: exact lowering of categorical and linear-spline formula
terms against the linear predictor, exact shapes of the rest, refusals that say what to do."""

from __future__ import annotations

import numpy as np
import pytest

import pwlc
from pwlc.datasets import compas
from pwlc.frontends import lower, teacher
from tests.frontend_checks import EXACT, RELATIVE, assert_exact, library_scores, probes, require_library
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")


@pytest.fixture(scope="module")
def frame():
    data = load(compas)
    d = data.X.iloc[:2000].copy()
    d["y"] = data.y[:2000]
    return d


@pytest.fixture(scope="module")
def sm():
    require_library("statsmodels")
    import statsmodels.api

    return statsmodels.api


def test_glm_with_categories_and_step_splines_is_exact(frame, sm):
    import statsmodels.formula.api as smf

    results = smf.glm("y ~ C(race, Treatment('Other')) + C(c_charge_degree, Sum) + sex + bs(age, df=5, degree=0)", frame, family=sm.families.Binomial()).fit()
    lowered = lower(results)
    assert lowered.link == "logistic"
    assert {type(t).__name__ for t in lowered.terms} == {"Constant", "Table", "Step"}
    X = frame.drop(columns=["y"])
    rows = probes(lowered, X)
    assert_exact(lowered, rows, library_scores(lambda r: results.predict(r, which="linear"), rows), data_rows=len(X))


def test_linear_terms_lower_exactly_and_other_transforms_are_refused(frame, sm):
    """A plain variable is `slope * x`, a Linear term: statsmodels' linear predictor on the
    data and the edge grid (±1e6 and each term's overflow point), up to rounding of the sum;
    formula transforms are exact shapes refused for lowering, with what to do."""
    import statsmodels.formula.api as smf

    results = smf.glm("priors_count ~ age + C(sex) + length_of_stay", frame, family=sm.families.Poisson()).fit()
    lowered = lower(results)
    assert lowered.link == "exp"
    linear = {t.feature: t.slope for t in lowered.terms if isinstance(t, pwlc.Linear)}
    assert linear == {"age": results.params["age"], "length_of_stay": results.params["length_of_stay"]}
    X = frame.drop(columns=["y"])
    rows = probes(lowered, X)
    assert_exact(lowered, rows, library_scores(lambda r: results.predict(r, which="linear"), rows), data_rows=len(X), relative=RELATIVE)
    assert (np.abs(rows["age"]) == 1e6).any()
    with pytest.raises(pwlc.UnsupportedError, match=r"formula term np.log1p\(length_of_stay \+ 1\): is a transform .*bs\(length_of_stay, degree=0"):
        lower(smf.glm("priors_count ~ age + np.log1p(length_of_stay + 1)", frame, family=sm.families.Poisson()).fit())
    with pytest.raises(pwlc.UnsupportedError, match=r"formula term bs\(y, df=3, degree=1\): is a transform .*patsy extrapolates splines.*bs\(y, degree=0"):
        lower(smf.glm("priors_count ~ bs(y, df=3, degree=1)", frame, family=sm.families.Poisson()).fit())
    arrays = sm.OLS(frame["y"], sm.add_constant(frame[["age", "priors_count"]])).fit()
    exog = sm.add_constant(frame[["age", "priors_count"]])
    assert np.max(np.abs(pwlc.evaluate(lower(arrays), frame, output="score") - arrays.predict(exog))) <= EXACT


def test_glm_gam_smooths_are_exact_shapes_refused_for_lowering(frame, sm):
    from statsmodels.gam.api import BSplines, GLMGam

    smoother = BSplines(frame[["age", "length_of_stay"]], df=[5, 4], degree=[3, 2])
    results = GLMGam.from_formula("y ~ C(race)", data=frame, smoother=smoother, family=sm.families.Binomial()).fit()
    with pytest.raises(pwlc.UnsupportedError, match=r"GLMGam smooth of 'age' .*is a smooth spline.*pwlc.distill\(model, X\)"):
        lower(results)
    X = frame.drop(columns=["y"])
    raw = results.predict(frame, exog_smooth=frame[["age", "length_of_stay"]], which="linear")
    assert np.max(np.abs(teacher(results).score(X) - np.asarray(raw))) <= EXACT


def test_other_links_and_interactions_are_refused_with_what_to_do(frame, sm):
    import statsmodels.formula.api as smf

    with pytest.raises(pwlc.UnsupportedError, match=r"InversePower link \(Gamma family\).*link=sm.families.links.Log\(\).*pwlc.distill"):
        lower(smf.glm("age ~ C(sex)", frame, family=sm.families.Gamma()).fit())
    with pytest.raises(pwlc.UnsupportedError, match=r"formula term 'age:priors_count' reads 2 variables.*refit without interactions.*pwlc.distill"):
        lower(smf.ols("y ~ age:priors_count", frame).fit())
