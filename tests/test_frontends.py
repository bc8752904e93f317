"""Frontends in general: the additive view, dispatch, loading model files, the shared
threshold helpers, and the rule that every refusal says what to do instead. Each library's
exactness tests are in tests/test_frontends_<library>.py."""

from __future__ import annotations

import ast
import math
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.datasets import compas
from pwlc.frontends import load_model, lower, supported
from pwlc.frontends.steps import float32_rounding, lowest_reaching, merged_step
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def compas_data():
    return load(compas)


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
    with pytest.raises(pwlc.UnsupportedError, match=r"no frontend for builtins.object \(supported: .*lightgbm.LGBMClassifier.*pwlc\.distill\(model, X\)$"):
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


# --- thresholds ---------------------------------------------------------------------------------

finite_doubles = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(target=finite_doubles, mean=st.floats(-1e6, 1e6), scale=st.floats(1e-6, 1e6))
def test_lowest_reaching_finds_the_first_double_a_scaler_carries_onto_a_target(target, mean, scale):
    def forward(x):
        with np.errstate(over="ignore"):
            return (x - mean) / scale

    (edge,) = lowest_reaching(forward, [target])
    if math.isinf(edge):
        assert edge > 0 and forward(np.array([np.finfo(np.float64).max]))[0] < target
        return
    assert forward(np.array([edge]))[0] >= target
    below = math.nextafter(edge, -math.inf)
    assert math.isinf(below) or forward(np.array([below]))[0] < target


@settings(max_examples=300, deadline=None)
@given(threshold=st.floats(-3e38, 3e38, allow_nan=False))
def test_lowest_reaching_turns_a_float32_comparison_into_a_float64_edge(threshold):
    """float32(x) > t exactly when x >= the edge (scikit-learn trees, CatBoost borders)."""
    (edge,) = lowest_reaching(float32_rounding, [math.nextafter(threshold, math.inf)])
    assert float32_rounding(np.array([edge]))[0] > threshold
    assert not float32_rounding(np.array([math.nextafter(edge, -math.inf)]))[0] > threshold


def test_merged_step_keeps_only_edges_that_change_the_value():
    def function(x):
        return np.where(x < 1.0, 0.0, np.where(x <= 3.0, 2.0, 5.0))

    step = merged_step("x", [1.0, 2.0, 3.0], "lower", lambda x: function(np.where(x <= 1.0, 0.0, x)), None)
    assert step.edges == (1.0, 3.0) and step.values == (0.0, 2.0, 5.0)
    step = merged_step("x", [-1.0, 1.0], "upper", function, 7.0)
    assert step.edges == (1.0,) and step.values == (0.0, 2.0) and step.missing == 7.0


# --- refusals -------------------------------------------------------------------------------------

FRONTENDS = Path(pwlc.__file__).parent / "frontends"
# What a refusal may tell the user to do (the advice module's wording, or a direct instruction).
INSTRUCTIONS = ("advice.", "retrain", "refit", "pwlc.distill", "use ", "export", "save", "give", "name them", "recode", "fit it first", "impute", "make them one", "write it", "train", "drop terms", "set ", "fit with", "allow it", "make it", "LINEAR_INSTEAD", "instead", "CTR_ADVICE")


def refusal_sites():
    """Every `raise UnsupportedError(...)` / `raise refuse(...)` in the frontends, with the
    text of its message (string parts and the names it interpolates)."""
    for path in sorted(FRONTENDS.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                called = ast.unparse(node.exc.func)
                if called in ("UnsupportedError", "refuse", "_not_additive"):
                    yield f"{path.relative_to(FRONTENDS)}:{node.lineno}", called, ast.unparse(node.exc)


def test_every_refusal_says_what_to_do_instead():
    sites = list(refusal_sites())
    assert len(sites) > 40  # the audit sees the frontends' refusals
    silent = [site for site, called, text in sites if called == "UnsupportedError" and not any(word in text for word in INSTRUCTIONS)]
    assert not silent, f"refusals without advice: {silent}"
    # `refuse` and `_not_additive` add the advice themselves
    assert "advice.black_box" in ast.unparse(ast.parse((FRONTENDS / "sklearn" / "trace.py").read_text()))
