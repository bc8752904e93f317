"""Multiclass models: the IR node, `verify`, rules M1-M4 of `pwlc.semantics`, the API."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.errors import UnsupportedError, VerifyError
from pwlc.ir import Constant, Curve, Input, Model, Multiclass, Step, Table, all_terms, verify
from pwlc.semantics import softmax
from pwlc.testing import edge_grid, grid_as_arrays
from tests.strategies import multiclass_models

INPUTS = (Input("x"), Input("c", "categorical"))


def three_classes(**changes: object) -> Multiclass:
    fields: dict[str, object] = {
        "inputs": INPUTS,
        "classes": ("setosa", "versicolor", "virginica"),
        "scores": (
            (Constant(0.5), Curve("x", (0.0, 10.0), (-1.0, 1.0))),
            (Step("x", (5.0,), (0.0, 2.0), "lower", missing=0.25),),
            (Table("c", (("a", 1.0), ("b", -1.0)), default=0.0, missing=None), Constant(-0.5)),
        ),
        "name": "species",
    }
    fields.update(changes)
    return Multiclass(**fields)  # type: ignore[arg-type]


def reference_softmax(row: list[float]) -> list[float]:
    """Rules M2-M4 in plain Python, one row (independent of `semantics.softmax`)."""
    if any(math.isnan(s) for s in row):
        return [math.nan] * len(row)
    top = max(row)
    if top == math.inf or top == -math.inf:
        return [math.nan] * len(row)
    shifted = [math.exp(s - top) for s in row]
    total = 0.0
    for e in shifted:
        total += e
    return [e / total for e in shifted]


# --- the node and verify ----------------------------------------------------------------


def test_class_model_is_one_class_score_with_the_shared_inputs() -> None:
    model = verify(three_classes())
    second = model.class_model(1)
    assert second == Model(INPUTS, model.scores[1], "identity", "species")
    assert Multiclass.from_models(model.classes, model.class_models(), "species") == model


def test_from_models_joins_the_inputs_and_refuses_a_link_or_a_kind_clash() -> None:
    a = Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0)),))
    b = Model((Input("c", "categorical"),), (Table("c", (("u", 1.0),)),))
    c = Model((), (Constant(1.0),))
    joined = Multiclass.from_models(("a", "b", "c"), [a, b, c])
    assert joined.inputs == (Input("x"), Input("c", "categorical"))
    assert verify(joined).scores == (a.terms, b.terms, c.terms)
    with pytest.raises(VerifyError, match="class 'b': a class's score has no link of its own"):
        Multiclass.from_models(("a", "b", "c"), [a, Model(a.inputs, a.terms, "logistic"), c])
    with pytest.raises(VerifyError, match="input 'x' is categorical but numeric in another class"):
        Multiclass.from_models(("a", "b", "c"), [a, Model((Input("x", "categorical"),), ()), c])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"classes": ("a", "b"), "scores": ((), ())}, "needs at least 3 classes, got 2; two classes are one logistic model"),
        ({"classes": ("a", "b", "a")}, "class 'a' appears twice"),
        ({"classes": ("a", "b", 3)}, "class name 3 is not a string"),
        ({"classes": ("a", "b", "\ud800")}, "class name '\\\\ud800' holds a lone surrogate"),
        ({"scores": ((), ())}, "3 classes but 2 class scores"),
        ({"scores": ((), (Curve("y", (0.0,), (1.0,)),), ())}, "class 'versicolor': term reads undeclared input 'y'"),
        ({"scores": ((), (), (Constant(math.inf),))}, "class 'virginica': constant inf is not a finite number"),
        ({"inputs": (Input("x"), Input("x"))}, "input 'x' is declared twice"),
        ({"name": "not a name"}, "function name 'not a name' is not an identifier"),
    ],
)
def test_verify_refuses_with_the_class_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(VerifyError, match=message):
        verify(three_classes(**changes))


# --- rules M1-M4 ------------------------------------------------------------------------


def test_m1_scores_are_one_column_per_class_in_declared_order() -> None:
    model = three_classes()
    data = {"x": [0.0, 5.0, 10.0, math.nan], "c": ["a", "b", "z", None]}
    scores = pwlc.evaluate(model, data, output="score")
    expected = [
        [0.5 - 1.0, 0.0, 1.0 - 0.5],
        [0.5 + 0.0, 0.0, -1.0 - 0.5],
        [0.5 + 1.0, 2.0, 0.0 - 0.5],
        [math.nan, 0.25, math.nan],
    ]
    np.testing.assert_array_equal(scores, expected)


@settings(max_examples=60, deadline=None)
@given(multiclass_models())
def test_m1_each_column_is_that_class_model_scored_alone(model: Multiclass) -> None:
    data = grid_as_arrays(model, edge_grid(model))
    scores = pwlc.evaluate(model, data, output="score")
    assert scores.shape == (len(next(iter(data.values()))), len(model.classes))
    for k in range(len(model.classes)):
        np.testing.assert_array_equal(scores[:, k], pwlc.evaluate(model.class_model(k), data, output="score"))


finite_scores = st.floats(min_value=-1e308, max_value=1e308, allow_nan=False, width=64)
any_scores = st.one_of(finite_scores, st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308]))


@settings(max_examples=300, deadline=None)
@given(st.integers(3, 7).flatmap(lambda k: st.lists(st.lists(any_scores, min_size=k, max_size=k), min_size=1, max_size=8)))
def test_m2_to_m4_softmax_is_the_written_formula_without_warnings(rows: list[list[float]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = softmax(np.array(rows))
    for row, probabilities in zip(rows, got):
        # numpy's exp and the C library's may differ in the last bit: a few ulps apart
        np.testing.assert_allclose(probabilities, reference_softmax(row), rtol=4 * 2**-52, atol=0, equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(st.integers(3, 7).flatmap(lambda k: st.lists(finite_scores, min_size=k, max_size=k)))
def test_m2_finite_scores_give_probabilities_summing_to_one(row: list[float]) -> None:
    probabilities = softmax(np.array([row]))[0]
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    assert math.fsum(probabilities) == pytest.approx(1.0, abs=len(row) * 2**-52)
    assert probabilities[int(np.argmax(row))] == max(probabilities)


def test_m2_huge_scores_do_not_overflow() -> None:
    got = softmax(np.array([[1e308, 1e308 - 1e292, -1e308], [710.0, 0.0, -710.0]]))
    assert got[0, 2] == 0.0 and got[0, 0] + got[0, 1] == pytest.approx(1.0)
    np.testing.assert_allclose(got[1], reference_softmax([710.0, 0.0, -710.0]), rtol=4 * 2**-52, atol=1e-320)


def test_m3_a_missing_score_in_any_class_makes_the_whole_row_missing() -> None:
    model = three_classes()
    probabilities = pwlc.evaluate(model, {"x": [1.0, 1.0], "c": ["a", None]})
    assert not np.isnan(probabilities[0]).any()
    assert np.isnan(probabilities[1]).all()  # only class 'virginica' reads the missing c


def test_m4_infinite_scores() -> None:
    got = softmax(np.array([[math.inf, 0.0, 0.0], [-math.inf, -math.inf, -math.inf], [-math.inf, 0.0, 0.0]]))
    assert np.isnan(got[0]).all() and np.isnan(got[1]).all()
    assert got[2].tolist() == [0.0, 0.5, 0.5]


# --- testing and the API ----------------------------------------------------------------


def test_edge_grid_visits_every_class_knots_and_edges() -> None:
    model = three_classes()
    grid = edge_grid(model)
    for term in all_terms(model):
        if isinstance(term, Curve):
            assert set(term.xs) <= set(grid["x"])
        if isinstance(term, Step):
            assert {e for e in term.edges} <= set(grid["x"]) and {math.nextafter(e, math.inf) for e in term.edges} <= set(grid["x"])
        if isinstance(term, Table):
            assert {k for k, _ in term.entries} <= set(grid["c"])


def test_prediction_is_the_softmax_of_the_scores() -> None:
    model = three_classes()
    data = grid_as_arrays(model, edge_grid(model))
    scores = pwlc.evaluate(model, data, output="score")
    probabilities = pwlc.evaluate(model, data)
    for row, got in zip(scores.tolist(), probabilities):
        np.testing.assert_allclose(got, reference_softmax(row), rtol=4 * 2**-52, atol=0, equal_nan=True)


@pytest.mark.parametrize("target", ["python", "sql:duckdb"])
def test_a_backend_without_multiclass_refuses_with_advice(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backend prints multiclass models now; one that did not (its module without
    MULTICLASS = True) would be refused before printing, with advice."""
    from pwlc.backends import backend

    module = backend(target.split(":")[0])
    assert module.MULTICLASS is True
    monkeypatch.setattr(module, "MULTICLASS", False)
    with pytest.raises(UnsupportedError) as raised:
        pwlc.emit(three_classes(), target)
    message = str(raised.value)
    assert "\n" not in message
    assert f"target {target!r} cannot print a multiclass model yet (3 classes)" in message
    assert "-t pwl" in message and "class_model(k)" in message


# --- .pwl -------------------------------------------------------------------------------

SPECIES = """model species
input x : numeric
input c : categorical

class "a"
constant 1
curve x { 0: 1, 1: 2 }

class b
table c { "u": 1 }

class "c d"
"""


@settings(max_examples=80, deadline=None)
@given(multiclass_models())
def test_random_multiclass_models_round_trip_through_pwl_exactly(model: Multiclass) -> None:
    text = pwlc.emit(model, "pwl")
    again = pwlc.read(text, format="pwl")
    assert again == model
    assert pwlc.emit(again, "pwl") == text
    assert text.count("\nclass ") == len(model.classes)


def test_a_class_name_may_be_bare_or_quoted_and_a_class_may_be_empty() -> None:
    model = pwlc.read(SPECIES, format="pwl")
    assert isinstance(model, Multiclass)
    assert model.classes == ("a", "b", "c d") and model.scores[2] == ()
    assert 'class "b"\ntable c' in pwlc.emit(model, "pwl")


def pwl_error(text: str) -> str:
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(text, format="pwl")
    message = str(caught.value)
    assert message.splitlines()[-1].strip() == "^", message
    return message


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (("input c : categorical\n", "input c : categorical\nconstant 3\n"), "<string>:4:1: this term is in no class"),
        (("model species", "model species (link = logistic)"), "<string>:1:23: a model with classes has the softmax for its link: remove `link = logistic`"),
        (('class "c d"', 'class "a"'), "<string>:12:1: class 'a' is given twice (first on line 5)"),
        (("class b\n", "class b\ncurve y { 0: 1 }\n"), "<string>:10:1: class 'b': term reads undeclared input 'y'"),
        (("curve x { 0: 1, 1: 2 }", "curve x { 1: 1, 0: 2 }"), "<string>:7:1: class 'a': curve on 'x': knot positions must be strictly increasing"),
        (('class "c d"\n', ""), "<string>:1:1: a multiclass model needs at least 3 classes, got 2"),
        (('class "c d"', "class {"), "<string>:12:7: unexpected '{'; expected a name"),
    ],
)
def test_pwl_mistakes_are_positioned(edit: tuple[str, str], says: str) -> None:
    assert edit[0] in SPECIES
    message = pwl_error(SPECIES.replace(*edit, 1))
    assert message.startswith(says), message
