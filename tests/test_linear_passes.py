"""Passes and distill on linear terms, each checked against the reference evaluator (the
random-model properties of tests/test_passes.py and test_passes_refit.py also draw linear
terms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc import Constant, Curve, Input, Linear, Model, Table, verify
from pwlc.passes import optimize
from pwlc.semantics import evaluate
from tests.test_passes import dense_probe, max_change

INPUTS = (Input("age"), Input("income"), Input("region", "categorical"))


def glm() -> Model:
    return verify(
        Model(
            INPUTS,
            (
                Constant(-1.25),
                Linear("age", 0.031234567, missing=0.0),
                Linear("income", -2.51234e-05),
                Curve("age", (18.0, 70.0), (0.2, -0.1)),
                Table("region", (("north", 0.4), ("south", -0.1)), default=0.0, missing=0.0),
            ),
            "logistic",
        )
    )


def rows(n: int = 2000, seed: int = 3) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 70, n)
    age[::50] = np.nan
    return {"age": age, "income": rng.uniform(1e4, 2e5, n), "region": rng.choice(["north", "south", "east"], n).tolist()}


def linear(model: Model, feature: str) -> Linear:
    (term,) = [t for t in model.terms if isinstance(t, Linear) and t.feature == feature]
    return term


# --- round ------------------------------------------------------------------------------


@pytest.mark.parametrize("tol", [1e-4, 1e-3, 0.02])
def test_round_shortens_a_slope_within_tol_on_the_data(tol: float) -> None:
    model, data = glm(), rows()
    rounded, report = optimize(model, f"round{{tol={tol}}}", data)
    assert max_change(model, rounded, data) <= tol
    assert report.passes[0].max_error <= tol
    slope = linear(rounded, "age").slope
    assert slope != 0.031234567 and len(repr(slope)) < len(repr(0.031234567)), slope  # fewer digits
    # the slope's change times the largest |age| of the data is what it may cost
    assert abs(slope - 0.031234567) * 70 <= tol


def test_round_over_all_keeps_every_slope_exact() -> None:
    model, data = glm(), rows()
    for run_on in (data, None):
        rounded, _ = optimize(model, "round{tol=0.5,over=all}", run_on)
        assert [linear(rounded, f).slope for f in ("age", "income")] == [0.031234567, -2.51234e-05]
        assert max_change(model, rounded, dense_probe(model, rows=3000)) <= 0.5


# --- fold, merge-segments, prune ------------------------------------------------------------


def test_fold_keeps_linear_terms_uncentred_and_apart_and_is_exact() -> None:
    model = verify(Model((Input("x"),), (Constant(1.0), Linear("x", 2.0), Constant(0.5), Linear("x", 3.0, missing=1.0), Curve("x", (0.0, 1.0), (1.0, 3.0)))))
    data = {"x": np.array([-1e6, -1.0, 0.0, 0.5, 2.0, 1e6, math.inf, -math.inf, math.nan])}
    for run_on in (data, None):
        folded, _ = optimize(model, "fold-constants", run_on)
        assert [t for t in folded.terms if isinstance(t, Linear)] == [Linear("x", 2.0), Linear("x", 3.0, missing=1.0)]
        assert max_change(model, folded, dense_probe(model, rows=500)) <= 1e-12 * 1e6 * 6


def test_merge_segments_leaves_a_linear_term_as_it_is() -> None:
    model, data = glm(), rows()
    merged, _ = optimize(model, "merge-segments{tol=0.5}", data)
    assert [linear(merged, f) for f in ("age", "income")] == [linear(model, f) for f in ("age", "income")]


def test_prune_drops_a_linear_term_small_over_the_data_but_never_over_every_input() -> None:
    model = verify(Model((Input("x"), Input("z")), (Constant(0.5), Linear("x", 1e-4, missing=0.0), Linear("z", 2.0, missing=0.0))))
    data = {"x": np.linspace(-10, 10, 400), "z": np.linspace(0, 1, 400)}
    pruned, _ = optimize(model, "prune{threshold=0.01}", data)
    assert [t.feature for t in pruned.terms if isinstance(t, Linear)] == ["z"]
    assert max_change(model, pruned, data) <= 0.01
    kept, _ = optimize(model, "prune{threshold=0.01}")  # without data: 1e-4 * x is unbounded
    assert kept == model
    kept, _ = optimize(model, "prune{threshold=0.01,over=all}", data)
    assert kept == model


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-9), st.sampled_from(["round", "prune", "merge-segments"]), st.sampled_from([1e-3, 0.1]))
def test_lossy_passes_keep_their_bound_on_data_with_any_slope(slope: float, name: str, tol: float) -> None:
    model = verify(Model((Input("x"),), (Constant(0.25), Linear("x", slope, missing=0.5), Curve("x", (0.0, 1.0), (0.0, 0.001)))))
    data = {"x": np.concatenate([np.linspace(-3, 3, 300), [np.nan]])}
    option = "threshold" if name == "prune" else "tol"
    result, report = optimize(model, f"{name}{{{option}={tol}}}", data)
    assert max_change(model, result, data) <= tol
    assert report.passes[0].max_error <= tol


# --- refit ----------------------------------------------------------------------------------


def test_refit_solves_the_slope_with_the_other_values_as_least_squares_does() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    x, z = rng.uniform(-5, 5, n), rng.uniform(0, 1, n)
    teacher = 0.75 + 2.5 * x + np.where(z < 0.5, -0.3, 0.4) + rng.normal(0, 0.1, n)
    start = verify(Model((Input("x"), Input("z")), (Constant(0.0), Linear("x", 1.0), Curve("z", (0.0, 1.0), (0.0, 0.0)))))
    data = {"x": x, "z": z}
    fitted, _ = optimize(start, "refit{ridge=0}", data, teacher=teacher)
    slope = linear(fitted, "x").slope
    design = np.column_stack([np.ones(n), x, 1 - z, z])  # intercept, slope, the curve's two hat functions
    reference, *_ = np.linalg.lstsq(design, teacher, rcond=None)
    assert slope == pytest.approx(reference[1], rel=1e-6)
    ours = evaluate(fitted, data, output="score")
    assert np.mean((ours - teacher) ** 2) <= np.mean((design @ reference - teacher) ** 2) * (1 + 1e-6)


def test_refit_leaves_out_rows_where_a_linear_input_is_beyond_reach() -> None:
    start = verify(Model((Input("x"),), (Linear("x", 1.0, missing=0.0),)))
    x = np.array([1.0, 2.0, 3.0, math.inf, -1e200, math.nan])
    fitted, _ = optimize(start, "refit{ridge=0}", {"x": x}, teacher=np.array([2.0, 4.0, 6.0, 0.0, 0.0, 0.0]))
    assert linear(fitted, "x").slope == pytest.approx(2.0, rel=1e-9)


# --- distill -------------------------------------------------------------------------------


def test_distill_keeps_a_linear_term_as_it_is() -> None:
    model, data = glm(), rows()
    import pandas as pd

    student = pwlc.distill(model, pd.DataFrame(data), segments=2)
    assert [linear(student, f) for f in ("age", "income")] == [linear(model, f) for f in ("age", "income")]
    beyond = {"age": np.array([-1e6, 1e6]), "income": np.array([1e9, -1e9]), "region": ["north", "east"]}
    teacher, got = evaluate(model, beyond, output="score"), evaluate(student, beyond, output="score")
    assert np.allclose(got, teacher, rtol=1e-9, atol=0.5)  # only the curve is distilled: linear beyond the data too


# --- report ---------------------------------------------------------------------------------


def test_the_report_plots_and_prints_a_linear_term() -> None:
    import re

    from pwlc.report import build_report

    model, data = glm(), rows(600)
    labels = (np.random.default_rng(2).uniform(size=600) < evaluate(model, data)).astype(float)
    text = build_report(model, data, teacher=model, labels=labels)
    shaped = [t for t in model.terms if not isinstance(t, Constant)]
    assert len(re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', text)) == len(shaped)
    assert "linear(age, 0.031234567, missing=0)" in text and "linear(income, -2.51234e-05)" in text
    assert text.count("vs teacher: RMS 0, max 0") == 2  # income and region: the terms alone on their input
