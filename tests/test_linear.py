"""The linear term (`Linear(feature, slope, missing)`: `slope * x`, not flat beyond any
range) through the core: verify, rule 10 of the semantics, the edge grid, .pwl and diff."""

from __future__ import annotations

import math
import re
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pwlc
from pwlc import Constant, Curve, Input, Linear, Model
from pwlc.diff import compare
from pwlc.semantics import evaluate, evaluate_terms
from pwlc.testing import edge_grid
from tests.strategies import models
from tests.test_golden import TARGETS, golden_path

ROOT = Path(__file__).resolve().parent.parent
# The golden model with linear terms, its output pinned here for every target: apart from
# golden/models because PostgreSQL stops a query on the edge grid's overflow probes (see
# tests/test_linear_sql.py), which the tests of golden/models run everywhere.
LINEAR_GOLDEN = ROOT / "golden" / "models-linear" / "linear.pwl"
nan, inf = math.nan, math.inf


def one_term(term: object, kind: str = "numeric") -> Model:
    return Model((Input("x", kind),), (term,))  # type: ignore[arg-type]


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


# --- verify ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slope", "says"),
    [
        (0.0, "slope is 0, so the term is a constant"),
        (-0.0, "slope is 0, so the term is a constant"),
        (nan, "slope nan is not a finite number"),
        (inf, "slope inf is not a finite number"),
        (2.0**1023, "is too large: pwlc keeps every value within ±2**1022"),
        ("2", "slope '2' is not a finite number"),
    ],
)
def test_verify_refuses_a_slope_that_is_not_a_finite_nonzero_value(slope: object, says: str) -> None:
    with pytest.raises(pwlc.VerifyError, match=re.escape(says)):
        pwlc.verify(one_term(Linear("x", slope)))  # type: ignore[arg-type]


def test_verify_takes_the_ends_of_the_slope_range_and_refuses_a_categorical_input() -> None:
    for slope in (2.0**1022, -(2.0**1022), 5e-324, -1.0):
        pwlc.verify(one_term(Linear("x", slope, missing=-(2.0**1022))))
    with pytest.raises(pwlc.VerifyError, match="missing value inf is not a finite number"):
        pwlc.verify(one_term(Linear("x", 1.0, missing=inf)))
    with pytest.raises(pwlc.VerifyError, match="input 'x' is categorical but this term needs a numeric input"):
        pwlc.verify(one_term(Linear("x", 1.0), "categorical"))


# --- rule 10 --------------------------------------------------------------------------


def test_rule_10_is_the_ieee_product_beyond_any_range_with_infinities_and_overflow() -> None:
    model = one_term(Linear("x", -2.5, missing=0.75))
    x = [0.0, -0.0, 4.0, -1e6, 1e6, inf, -inf, 1e308, sys.float_info.max, 5e-324, nan, None]
    got = evaluate(model, {"x": x}, output="score").tolist()
    assert got == [-0.0, 0.0, -10.0, 2.5e6, -2.5e6, -inf, inf, -inf, -inf, -1e-323, 0.75, 0.75]
    term = evaluate_terms(model, {"x": x})[:, 0]
    assert bits(term[0]) == bits(-0.0) and bits(term[1]) == bits(0.0)  # the term keeps the sign of zero, as IEEE
    assert math.isnan(evaluate(one_term(Linear("x", 3.0)), {"x": [nan]}, output="score")[0])  # missing=None


def test_rule_10_two_linear_terms_meeting_at_opposite_infinities_give_a_missing_score() -> None:
    model = Model((Input("x"),), (Linear("x", 1.0), Linear("x", -1.0), Constant(1.0)))
    assert [math.isnan(v) for v in evaluate(model, {"x": [inf, -inf, 2.0]}, output="score")] == [True, True, False]


@settings(max_examples=300, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-(2.0**1022), max_value=2.0**1022).filter(lambda v: v != 0),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=20),
)
def test_rule_10_equals_pythons_float_product_bit_for_bit(slope: float, xs: list[float]) -> None:
    got = evaluate_terms(one_term(Linear("x", slope, missing=0.5)), {"x": xs})[:, 0]
    for x, value in zip(xs, got.tolist()):
        assert bits(value) == bits(0.5 if math.isnan(x) else slope * x), (slope, x)


# --- the edge grid --------------------------------------------------------------------


def test_the_edge_grid_probes_where_a_linear_term_overflows_and_far_beyond_the_data() -> None:
    probes = set(map(bits, edge_grid(Model((Input("x"),), (Linear("x", 3.0),)))["x"]))
    threshold = sys.float_info.max / 3.0
    for x in (1e6, -1e6, threshold, -threshold, math.nextafter(threshold, inf), math.nextafter(-threshold, -inf), inf, -inf, sys.float_info.min / 3.0):
        assert bits(x) in probes, x
    # the product overflows between the threshold's neighbours
    assert math.isinf(3.0 * math.nextafter(threshold, inf)) and math.isfinite(3.0 * math.nextafter(threshold, -inf))


@settings(max_examples=100, deadline=None)
@given(models(linear=True))
def test_random_models_are_probed_on_both_sides_of_each_linear_terms_overflow(model: Model) -> None:
    grid = edge_grid(model)
    for term in model.terms:
        if isinstance(term, Linear) and math.isfinite(sys.float_info.max / abs(term.slope)):
            with np.errstate(over="ignore"):
                products = np.asarray(grid[term.feature], dtype=np.float64) * term.slope
            for sign in (1.0, -1.0):
                finite = products[np.isfinite(products) & (products * sign > 0)]
                assert finite.size and np.max(np.abs(finite)) > sys.float_info.max / 2, (term, sign)
                assert np.any(products == sign * inf), (term, sign)


# --- .pwl -----------------------------------------------------------------------------


def test_pwl_prints_a_linear_term_on_one_line_and_reads_it_back() -> None:
    model = Model((Input("age"), Input("linear")), (Constant(-1.0), Linear("age", 0.031), Linear("linear", -2.5e-05, missing=0.0)))
    text = pwlc.emit(model, "pwl")
    assert text.splitlines()[-2:] == ["linear age 0.031", 'linear "linear" (missing = 0) -2.5e-05']
    assert pwlc.read(text, format="pwl") == model


@settings(max_examples=120, deadline=None)
@given(models(linear=True))
def test_random_models_with_linear_terms_round_trip_through_pwl(model: Model) -> None:
    text = pwlc.emit(model, "pwl")
    assert pwlc.read(text, format="pwl") == model
    assert pwlc.emit(pwlc.read(text, format="pwl"), "pwl") == text


HEADER = "input x : numeric\ninput c : categorical\n"


@pytest.mark.parametrize(
    ("line", "where", "says"),
    [
        ("linear x 0", "3:1", "linear term on 'x': slope is 0, so the term is a constant"),
        ("linear x (fx = log) 2", "3:11", "unknown option 'fx' (expected missing)"),
        ("linear x (missing = a) 2", "3:21", "expected a number, got 'a'"),
        ("linear x 1e400", "3:10", "number 1e400 is too large for a double"),
        ("linear x { 1 }", "3:10", "unexpected '{'; expected a number"),
        ("linear c 2", "3:1", "input 'c' is categorical but this term needs a numeric input"),
        ("linear y 2", "3:1", "term reads undeclared input 'y'"),
        ("linear x 2e-320 3", "3:17", "unexpected '3'; expected a declaration"),
        ("linear x 1e308", "3:1", "slope 1e+308 is too large"),
    ],
)
def test_linear_mistakes_are_positioned(line: str, where: str, says: str) -> None:
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(HEADER + line + "\n", format="pwl")
    message = str(caught.value)
    assert message.startswith(f"<string>:{where}: "), message
    assert says in message, message
    assert message.splitlines()[-1].strip() == "^"


def test_the_grammar_and_the_reader_agree_on_linear_terms() -> None:
    from lark.exceptions import UnexpectedInput

    from pwlc.grammar import parser

    texts = {
        "linear x 2": True,
        "linear x (missing = 0) -2": True,
        "linear x (missing = 0,) +2.5e3": True,
        '"linear" x 2': False,
        "linear x": False,
        "linear x ()": False,
        "linear x 2 3": False,
        "linear (missing = 0) x 2": False,
    }
    for body, accepted in texts.items():
        text = HEADER + body + "\n"
        try:
            pwlc.backends.pwl.read(text)
            reader = True
        except pwlc.ParseError:
            reader = False
        try:
            parser("pwl.lark").parse(text)
            grammar = True
        except UnexpectedInput:
            grammar = False
        assert (reader, grammar) == (accepted, accepted), body


# --- golden -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_the_linear_golden_model_is_pinned(target: str, update_golden: bool) -> None:
    model = pwlc.read(LINEAR_GOLDEN)
    emitted = pwlc.emit(model, target)
    expected = golden_path(LINEAR_GOLDEN, target)
    if update_golden:
        expected.write_text(emitted, encoding="utf-8")
    assert emitted == expected.read_text(encoding="utf-8"), f"{expected} differs: run `pytest --update-golden` and review `git diff golden/`"
    reread = pwlc.read(emitted, format=target)
    assert reread == model and pwlc.emit(reread, target) == emitted


def test_every_target_compiles_it_and_diff_sees_no_change(tmp_path: Path) -> None:
    import subprocess

    for target, suffix in (("python", ".py"), ("c", ".c"), ("sql:duckdb", ".sql"), ("sql:postgres", ".sql")):
        out = tmp_path / f"risk_{target.replace(':', '_')}{suffix}"
        done = subprocess.run([sys.executable, "-m", "pwlc", "compile", str(LINEAR_GOLDEN), "-t", target, "-o", str(out)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        done = subprocess.run([sys.executable, "-m", "pwlc", "diff", str(LINEAR_GOLDEN), str(out)], capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout.startswith("no change; score change max 0"), (target, done.stdout)


# --- diff -------------------------------------------------------------------------------


def test_diff_describes_a_slope_change_and_measures_it_beyond_the_data() -> None:
    inputs = (Input("x"), Input("z"))
    old = Model(inputs, (Linear("x", 2.0), Linear("z", 1.0, missing=0.0)))
    new = Model(inputs, (Linear("x", 2.5), Curve("z", (0.0,), (1.0,), missing=0.0)))
    comparison = compare(old, new)
    described = {change.title: (change.status, change.details) for change, _ in comparison.terms}
    assert described == {
        "linear x": ("changed", ("slope 2 -> 2.5",)),
        "linear z": ("removed", ("slope 1, missing = 0",)),
        "curve z": ("added", ("1 knots from 0 to 0, missing = 0",)),
    }
    change = dict((c.title, m.max) for c, m in comparison.terms)
    assert change["linear x"] == inf  # beyond the data a slope change is unbounded: 2.5 x overflows before 2 x
    assert compare(old, old).total.max == 0.0  # the same infinity on both sides is no change
    on_data = compare(old, new, {"x": np.array([0.0, 10.0]), "z": np.array([1.0, nan])})
    assert on_data.total.max == 5.0

