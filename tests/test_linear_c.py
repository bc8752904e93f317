"""Linear terms in C: `SLOPE * x` (no branch when the term has no missing value) or
`pwlc_linear(x, SLOPE, MISSING)`, read back, compiled with gcc and clang and run against
the reference evaluator to the bit, on edge grids and random rows, edited files too."""

from __future__ import annotations

import ctypes
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc import Constant, Curve, Input, Linear, Model
from pwlc.backends import c
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid, mismatches
from tests import differential, engines
from tests.strategies import models
from tests.test_backend_c import _holds_nul, _row_struct, require_compiler

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models-linear" / "linear.pwl"
COMPILERS = ["gcc", "clang"]


def bitwise(got: object, expected: object) -> list[int]:
    """Rows where two score arrays are not the same double (NaN meets NaN)."""
    return mismatches(got, expected, rtol=0.0, atol=0.0)


def with_random_rows(model: Model, seed: int = 0, rows: int = 300) -> dict[str, list]:
    """The edge grid, then random rows: each numeric input uniform over ±1e6 and log-uniform
    up to 1e308 (either sign), each category drawn from the grid's."""
    grid = edge_grid(model)
    rng = np.random.default_rng(seed)
    out = {}
    for declared in model.inputs:
        column = list(grid[declared.name])
        if declared.kind == "categorical":
            column += [column[i] for i in rng.integers(0, len(column), rows)]
        else:
            huge = np.exp(rng.uniform(0, 709, rows // 2)) * rng.choice([-1.0, 1.0], rows // 2)
            column += [*rng.uniform(-1e6, 1e6, rows - rows // 2), *huge]
        out[declared.name] = column
    return out


@pytest.mark.parametrize("compiler", COMPILERS)
def test_the_golden_linear_model_compiles_clean_and_scores_like_the_evaluator(compiler: str) -> None:
    require_compiler(compiler)
    model = pwlc.read(GOLDEN)
    text = c.emit(model)
    assert "return 0.031 * x;" in text  # no missing value: the bare product, no branch
    assert "return pwlc_linear(x, -2.5e-05, 0.0);" in text
    _, messages = engines.compile_c(text, compiler)
    assert messages == ""
    data = with_random_rows(model)
    got = engines.run_c(model, data, compiler)
    expected = evaluate(model, data, output="score")
    assert bitwise(got, expected) == []
    assert np.isinf(expected).any() and np.isnan(expected).any()  # the grid reaches overflow and missing


@pytest.mark.parametrize("compiler", COMPILERS)
def test_per_row_function_and_probability_score_like_the_evaluator(compiler: str) -> None:
    require_compiler(compiler)
    model = pwlc.read(GOLDEN)
    library = ctypes.CDLL(str(engines.compile_c(c.emit(model), compiler)[0]))
    row_type = _row_struct(model)
    grid = edge_grid(model)
    fields = c.c_names(model).fields
    for function, output in ((library.risk, "score"), (library.risk_probability, "prediction")):
        function.argtypes, function.restype = [ctypes.POINTER(row_type)], ctypes.c_double
        got = []
        for i in range(len(grid["age"])):
            values = {}
            for declared in model.inputs:
                value = grid[declared.name][i]
                values[fields[declared.name]] = (None if value is None else value.encode()) if declared.kind == "categorical" else (math.nan if value is None else value)
            got.append(function(ctypes.byref(row_type(**values))))
        assert bitwise(got, evaluate(model, grid, output=output)) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True), st.sampled_from(COMPILERS), st.integers(0, 3))
def test_random_models_with_linear_terms_round_trip_and_run_like_the_evaluator(model: Model, compiler: str, seed: int) -> None:
    assume(not _holds_nul(model))
    require_compiler(compiler)
    text = c.emit(model)
    assert c.read(text) == model and c.emit(c.read(text)) == text
    data = with_random_rows(model, seed, rows=100)
    got = engines.run_c(model, data, compiler)
    # to the bit, but for log/log1p curves: numpy's and the C library's differ in the last bit
    # (README), which a steep curve enlarges: there C's score lies within the evaluator's envelope
    transformed = any(isinstance(t, Curve) and t.fx != "identity" for t in model.terms)
    if transformed:
        envelope = differential.expected(model, data)
        outside = differential.ulps_outside(got, envelope.score, envelope.score_low, envelope.score_high, envelope.nan_allowed)
        assert np.flatnonzero(outside > differential.TOLERANCE_ULPS).tolist() == []
    else:
        assert bitwise(got, evaluate(model, data, output="score")) == []


# --- edits ---------------------------------------------------------------------------------

MODEL = Model((Input("x"), Input("z")), (Constant(0.5), Linear("x", 0.25), Linear("z", -3.0, missing=1.5), Curve("x", (0.0, 1.0), (0.0, 2.0))))


@pytest.mark.parametrize(
    ("old", "new", "slope"),
    [
        ("return 0.25 * x;", "return x * 0.25;", 0.25),  # one product either way
        ("return 0.25 * x;", "return (0.1 + 0.2) * x;", 0.1 + 0.2),  # C's constant arithmetic, in doubles
        ("return 0.25 * x;", "return -2 * x;", -2.0),  # an int constant, converted
        ("return 0.25 * x;", "return 0.1f * x;", float(np.float32(0.1))),  # a float constant, as C rounds it
        ("return 0.25 * x;", "return pwlc_linear(x, 0.75, NAN);", 0.75),
    ],
)
def test_edited_slopes_read_back_as_c_computes_them(old: str, new: str, slope: float) -> None:
    text = c.emit(MODEL)
    assert old in text
    edited = text.replace(old, new)
    model = c.read(edited)
    assert model.terms[1] == Linear("x", slope)
    require_compiler("gcc")
    data = with_random_rows(model)
    if "pwlc_linear(x, 0.75" in edited:  # the piece is in the runtime already (the z term needs it)
        assert "PWLC_HELPER double pwlc_linear" in edited
    assert bitwise(engines.run_c_source(edited, model, data), evaluate(model, data, output="score")) == []


def test_a_missing_value_edited_into_the_linear_call_reads_back() -> None:
    text = c.emit(MODEL).replace("return pwlc_linear(x, -3.0, 1.5);", "return pwlc_linear(x, -3.0, -0.5);")
    assert c.read(text).terms[2] == Linear("z", -3.0, missing=-0.5)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("return 0.25 * x;", "return 0.25 * x * 2;", "a linear term returns SLOPE * x"),
        ("return 0.25 * x;", "return 0 * x;", "slope is 0, so the term is a constant"),
        ("return 0.25 * x;", "return x * x;", "x is not a number pwlc reads: write the number itself"),
        ("return 0.25 * x;", "return 0.25 + x;", "a term function returns pwlc_curve(...)"),
        ("return pwlc_linear(x, -3.0, 1.5);", "return pwlc_linear(x, -3.0);", "pwlc_linear takes 3 arguments, given 2"),
        ("return pwlc_linear(x, -3.0, 1.5);", "return pwlc_linear(x, -3.0, 1e400);", "1e400"),
    ],
)
def test_edits_pwlc_does_not_read_are_refused_at_their_position(old: str, new: str, says: str) -> None:
    text = c.emit(MODEL)
    assert old in text
    edited = text.replace(old, new)
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(edited, format="c")
    message = str(caught.value)
    assert says in message, message
    line = message.split(":")[1]
    assert edited.splitlines()[int(line) - 1].strip().startswith(("return", "static double", "/*")), message
    assert message.splitlines()[-1].strip().endswith("^")
