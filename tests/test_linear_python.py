"""Linear terms in Python: `linear(x, SLOPE)` / `linear(x, SLOPE, missing=M)` (the runtime
gives `missing` for NaN and None, `slope * x` otherwise, on one number or a numpy batch),
read back, and the file run by CPython against the reference evaluator to the bit (row by
row and as a batch, score and prediction), edited files too."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import pwlc
from pwlc import Constant, Curve, Input, Linear, Model
from pwlc.backends import python
from tests.python_runs import assert_agrees, probes
from tests.strategies import models

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models-linear" / "linear.pwl"


def test_the_golden_linear_model_runs_like_the_evaluator() -> None:
    model = pwlc.read(GOLDEN)
    text = python.emit(model)
    assert "+ linear(age, 0.031)" in text and "+ linear(income, -2.5e-05, missing=0)" in text
    assert python.read(text) == model
    columns = probes(model, rows=300)
    columns["age"] += [1e6, -1e6, math.inf, -math.inf, None, 1.7e308]
    for name in ("income", "region"):
        columns[name] += [columns[name][0]] * 6
    assert_agrees(text, model, columns)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True))
def test_random_models_with_linear_terms_round_trip_and_run_like_the_evaluator(model: Model) -> None:
    text = python.emit(model)
    assert python.read(text) == model and python.emit(python.read(text)) == text
    assert_agrees(text, model)


MODEL = Model((Input("x"), Input("z")), (Constant(0.5), Linear("x", 0.25), Linear("z", -3.0, missing=1.5), Curve("x", (0.0, 1.0), (0.0, 2.0))))


@pytest.mark.parametrize(
    ("old", "new", "term"),
    [
        ("linear(x, 0.25)", "linear(x, 0.1 + 0.2)", Linear("x", 0.1 + 0.2)),  # Python's arithmetic
        ("linear(x, 0.25)", "linear(slope=2, x=x)", Linear("x", 2.0)),  # bound by name, an int
        ("linear(x, 0.25)", "linear(x, 0.25, missing=None)", Linear("x", 0.25)),
        ("linear(x, 0.25)", "linear(x, -1e3, 7)", Linear("x", -1000.0, missing=7.0)),
    ],
)
def test_edited_linear_terms_read_back_and_run_as_read(old: str, new: str, term: Linear) -> None:
    text = python.emit(MODEL)
    assert old in text
    edited = text.replace(old, new)
    model = python.read(edited)
    assert model.terms[1] == term
    assert_agrees(edited, model)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("linear(x, 0.25)", "0.25 * x", "write a linear term as linear(x, SLOPE)"),
        ("linear(x, 0.25)", "linear(x)", "linear() needs its argument 'slope'"),
        ("linear(x, 0.25)", "linear(x, 0)", "slope is 0, so the term is a constant"),
        ("linear(x, 0.25)", "linear(x, 1e400)", "pwlc needs a finite number"),
        ("linear(x, 0.25)", "linear(0.25, x)", "expected a number for slope"),
        ("linear(x, 0.25)", "2 * linear(x, 0.25)", "a term cannot be multiplied or divided"),
    ],
)
def test_linear_edits_pwlc_does_not_read_are_refused_at_their_position(old: str, new: str, says: str) -> None:
    text = python.emit(MODEL)
    edited = text.replace(old, new)
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(edited, format="python")
    message = str(caught.value)
    assert says in message, message
    assert message.splitlines()[-1].strip().endswith("^")


def test_a_batch_with_none_nan_and_infinities() -> None:
    model = pwlc.verify(Model((Input("x"),), (Linear("x", -2.0, missing=0.5),)))
    namespace: dict = {}
    exec(compile(python.emit(model), "<score.py>", "exec"), namespace)  # noqa: S102  (running it is the point)
    assert [namespace["score"](v) for v in (None, math.nan, math.inf, 3, 1e308)] == [0.5, 0.5, -math.inf, -6.0, -math.inf]
    batch = namespace["score"](np.array([math.nan, -math.inf, 2.0]))
    assert batch.tolist() == [0.5, math.inf, -4.0]
