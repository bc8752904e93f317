"""The emitted runtime computes what the evaluator computes, row by row and on numpy
arrays, where the evaluator returns a value (issue 15): IEEE division instead of
ZeroDivisionError, numpy booleans as the categories "True"/"False"."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwlc.backends.python import emit, runtime
from pwlc.ir import CategoryAxis, Constant, Curve, Grid, Input, Model, StepAxis, Table, verify
from pwlc.semantics import category_key, evaluate, transform
from pwlc.testing import edge_grid
from tests.python_runs import assert_agrees, run
from tests.strategies import models

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 5e-324, -5e-324, 1e308, -1e308, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("a", SPECIAL)
@pytest.mark.parametrize("b", SPECIAL)
def test_division_is_ieee_division_as_numpy_does_it(a: float, b: float) -> None:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        expected = np.float64(a) / np.float64(b)
    got = runtime._divide(a, b)
    assert (math.isnan(got) and math.isnan(expected)) or (got == expected and math.copysign(1, got) == math.copysign(1, expected))


def test_a_curve_whose_knots_have_one_transformed_value_gives_nan_not_an_error() -> None:
    """Knots a few ulps apart near 1e300 have the same log: the evaluator (and C) divide
    0 by 0 and give NaN there; the runtime used to raise ZeroDivisionError."""
    a = 1e300
    b = a * (1 + 1e-14)
    assert math.log(a) == math.log(b) and b > a
    model = Model((Input("x"),), (Curve("x", (a, b), (0.0, 1.0), "log"),))  # not verified: verify may refuse it
    columns = {"x": [a, (a + b) / 2, math.nextafter(a, math.inf), b, 0.5, math.nan, math.inf]}
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 is the point here
        got = run(emit(model), model, columns)
        expected = evaluate(model, columns, output="score")
    assert np.isnan(expected[1]) and np.isnan(got["score"][1])
    for path in ("score", "score (batch)"):
        assert ((got[path] == expected) | (np.isnan(got[path]) & np.isnan(expected))).all(), path


BOOLS = [True, False, np.True_, np.False_, np.bool_(True), 1, 0, np.int64(1), np.uint8(0), 1.0, np.float32(0.0), np.float64(2.5), "True", "1", None, math.nan, np.float64("nan")]


def test_numpy_booleans_are_the_categories_true_and_false_row_by_row_and_in_batches() -> None:
    for value in BOOLS:
        assert runtime._category(value) == category_key(value), repr(value)
    table = Table("c", (("True", 1.0), ("False", 2.0), ("1", 3.0), ("0", 4.0), ("2.5", 5.0)), default=-1.0, missing=-2.0)
    grid = Grid(CategoryAxis("c", ("True", "False", "1")), StepAxis("x", (0.5,)), ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0), (7.0, 8.0)), missing=-3.0)
    model = verify(Model((Input("c", "categorical"), Input("x")), (table, grid)))
    columns = {"c": BOOLS, "x": [0.0, 1.0] * (len(BOOLS) // 2) + [0.0] * (len(BOOLS) % 2)}
    assert_agrees(emit(model), model, columns)
    got = run(emit(model), model, {"c": [np.True_, np.False_], "x": [0.0, 0.0]})
    assert got["score"].tolist() == got["score (batch)"].tolist() == [1.0 + 1.0, 2.0 + 3.0]
    batch = run(emit(model), model, {"c": list(np.array([True, False, True])), "x": [1.0, 1.0, 1.0]})
    assert batch["score (batch)"].tolist() == [1.0 + 2.0, 2.0 + 4.0, 1.0 + 2.0]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.integers(0, 2**32 - 1))
def test_random_models_agree_exactly_row_by_row_and_in_batches(model: Model, seed: int) -> None:
    """Scalar calls and numpy batches, on every edge ±1 ulp and random rows."""
    from tests.python_runs import probes

    assert_agrees(emit(model), model, probes(model, rows=30, seed=seed))


@pytest.mark.parametrize("score", [-1000.0, -745.2, -709.79, -709.78, -100.0, -0.0, 0.0, 36.8, 709.78, 709.79, 1000.0, math.inf, -math.inf])
def test_the_links_agree_with_the_evaluator_where_exp_overflows(score: float) -> None:
    for link in ("logistic", "exp"):
        with np.errstate(over="ignore"):
            expected = 1.0 / (1.0 + np.exp(-score)) if link == "logistic" else np.exp(score)
        got = getattr(runtime, link)(score)
        assert got == expected or abs(got - expected) <= 4 * math.ulp(expected), (link, score, got, expected)
        assert getattr(runtime, link)(np.array([score]))[0] == expected


CONSTANT_MODELS = [
    Model((Input("a"),), ()),
    Model((Input("a"), Input("c", "categorical")), (Constant(1.5), Constant(-0.25)), "logistic"),
    Model((Input("a"),), (Constant(2.0),), "exp"),
    Model((Input("not a name"),), tuple(Constant(float(k)) for k in range(300))),  # a sum in stages
]


@pytest.mark.parametrize("model", CONSTANT_MODELS, ids=["no terms", "constants", "exp", "stages"])
def test_a_batch_gets_a_score_for_each_row_when_no_term_reads_an_input(model: Model) -> None:
    """Fuzz finding A6: a sum of constants is one number; the batch used to return it."""
    model = verify(model)
    text = emit(model)
    columns = {i.name: [0.5, None, "x"] if i.kind == "categorical" else [0.5, math.nan, -1e300] for i in model.inputs}
    got = run(text, model, columns)
    for path, values in got.items():
        assert values.shape == (3,), path
    assert_agrees(text, model, columns)


def test_close_knots_of_a_log1p_curve_give_the_evaluators_value_row_by_row() -> None:
    """The model that failed `test_random_models_round_trip_and_agree`: one row off by
    1.9e-10 (x = 53131.51346541712, one ulp above the middle knot). Neither printer,
    reader nor evaluator was wrong: the runtime took log1p of one number from the C library
    (math.log1p), which differs from numpy's (the evaluator's and the batch's) in the last
    bit for some inputs, and knots 0.49 apart at 53131 make that bit 1e5 times larger. One
    number is now transformed with numpy's function too (math's only without numpy)."""
    model = verify(Model((Input("age"),), (Curve("age", (0.0, 53131.51346541711, 53132.0), (0.0, 0.0, 1.0), "log1p"),), "logistic"))
    rng = np.random.default_rng(0)
    columns = {"age": edge_grid(model)["age"] + list(rng.uniform(53131.5, 53132.0, 2000)) + list(10 ** rng.uniform(-3, 5, 2000))}
    assert_agrees(emit(model), model, columns)
    assert run(emit(model), model, {"age": [53131.51346541712]})["score"][0] == 0.0


@pytest.mark.parametrize("fx", ["log", "log1p", "symlog1p"])
def test_one_number_is_transformed_as_the_evaluator_and_a_batch_transform_it(fx: str) -> None:
    """Where numpy and the C library differ in the last bit (about one value in 150 for
    log1p here), a single call gives what a batch and the evaluator give."""
    rng = np.random.default_rng(1)
    values = np.concatenate([10 ** rng.uniform(-300, 300, 3000), rng.uniform(0, 1e6, 3000)]) * (rng.choice([-1, 1], 6000) if fx == "symlog1p" else 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = transform(fx, values)
    got = np.array([runtime._transform(fx)(float(v)) for v in values])
    assert np.array_equal(got, expected)
    libm = {"log": math.log, "log1p": math.log1p}.get(fx, lambda v: math.copysign(math.log1p(abs(v)), v))
    assert any(libm(float(v)) != e for v, e in zip(values, expected)) or fx == "log"  # the case this is about
    scores = rng.uniform(-800, 800, 3000)
    with np.errstate(over="ignore"):
        assert [runtime.exp(float(s)) for s in scores] == np.exp(scores).tolist()
        assert [runtime.logistic(float(s)) for s in scores] == (1.0 / (1.0 + np.exp(-scores))).tolist()


def test_without_numpy_one_number_uses_module_math(tmp_path: Path) -> None:
    """The emitted module needs only the standard library: without numpy, module math."""
    model = verify(Model((Input("x"),), (Curve("x", (0.0, 10.0, 1e6), (0.0, 1.0, 2.0), "symlog1p"),), "exp"))
    path = tmp_path / "m.py"
    path.write_text(emit(model), encoding="utf-8")
    code = f"import sys; sys.modules['numpy'] = None; import runpy; m = runpy.run_path({str(path)!r}); print(repr(m['prediction'](123.0)), repr(m['prediction'](1e9)))"
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout.split()
    t, t0, t1 = math.log1p(123.0), math.log1p(10.0), math.log1p(1e6)
    assert out == [repr(math.exp(1.0 + (2.0 - 1.0) * ((t - t0) / (t1 - t0)))), repr(math.exp(2.0))]
