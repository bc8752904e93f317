"""One test per rule of pwlc.semantics, against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwlc import CategoryAxis, Constant, Curve, DataError, Grid, Input, KnotAxis, Model, Step, StepAxis, Table
from pwlc.semantics import category_key, evaluate, evaluate_terms

nan, inf = math.nan, math.inf


def score(term: object, column: list, kind: str = "numeric", link: str = "identity") -> list[float]:
    features = {"x": kind}
    if isinstance(term, Grid):
        features = {term.a.feature: "categorical" if isinstance(term.a, CategoryAxis) else "numeric", term.b.feature: "categorical" if isinstance(term.b, CategoryAxis) else "numeric"}
    model = Model(tuple(Input(n, k) for n, k in features.items()), (term,), link)  # type: ignore[arg-type]
    data = column if isinstance(column, dict) else {"x": column}
    return evaluate(model, data, output="score").tolist()


def same(actual: list[float], expected: list[float]) -> bool:
    return all((math.isnan(a) and math.isnan(e)) or a == pytest.approx(e, rel=1e-15, abs=1e-15) for a, e in zip(actual, expected, strict=True))


# Rule 1: clamping, end knots exact, interpolation, missing.
def test_curve_interpolates_between_knots_and_is_flat_outside() -> None:
    curve = Curve("x", (0.0, 10.0, 20.0), (1.0, 3.0, -1.0))
    assert same(score(curve, [-5.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0]), [1.0, 1.0, 2.0, 3.0, 1.0, -1.0, -1.0])


def test_curve_clamps_infinities_instead_of_treating_them_as_missing() -> None:
    curve = Curve("x", (0.0, 10.0), (1.0, 3.0), missing=100.0)
    assert same(score(curve, [-inf, inf]), [1.0, 3.0])


def test_curve_missing_input_gives_its_missing_value_or_a_missing_score() -> None:
    assert same(score(Curve("x", (0.0, 1.0), (0.0, 1.0), missing=0.25), [nan, None]), [0.25, 0.25])
    assert same(score(Curve("x", (0.0, 1.0), (0.0, 1.0)), [nan]), [nan])


def test_single_knot_curve_is_constant() -> None:
    assert same(score(Curve("x", (3.0,), (0.5,)), [-inf, 0.0, 3.0, 1e300]), [0.5] * 4)


# Rule 2: transforms.
def test_log_transform_interpolates_in_log_space() -> None:
    # log(10) is halfway between log(1) and log(100).
    assert same(score(Curve("x", (1.0, 100.0), (0.0, 2.0), fx="log"), [10.0, 0.5]), [1.0, 0.0])


def test_log1p_transform() -> None:
    # log1p(e - 1) = 1 is halfway between log1p(0) = 0 and log1p(e**2 - 1) = 2.
    assert same(score(Curve("x", (0.0, math.e**2 - 1), (0.0, 4.0), fx="log1p"), [math.e - 1]), [2.0])


def test_symlog1p_transform_is_odd() -> None:
    # symlog1p(-(e - 1)) = -1, a quarter of the way from -2 to 2.
    curve = Curve("x", (-(math.e**2 - 1), math.e**2 - 1), (0.0, 4.0), fx="symlog1p")
    assert same(score(curve, [-(math.e - 1), 0.0, math.e - 1]), [1.0, 2.0, 3.0])


# Rule 3: steps and which side an edge falls on.
def test_step_value_on_an_edge_goes_up_for_ebm_bins() -> None:
    step = Step("x", (1.0, 2.0), (10.0, 20.0, 30.0), at_edge="upper")
    assert same(score(step, [0.5, 1.0, 1.5, 2.0, 2.5, -inf, inf]), [10.0, 20.0, 20.0, 30.0, 30.0, 10.0, 30.0])


def test_step_value_on_an_edge_goes_down_for_tree_splits() -> None:
    step = Step("x", (1.0, 2.0), (10.0, 20.0, 30.0), at_edge="lower")
    assert same(score(step, [1.0, math.nextafter(1.0, 2.0), 2.0, math.nextafter(2.0, 3.0)]), [10.0, 20.0, 20.0, 30.0])


def test_step_missing() -> None:
    assert same(score(Step("x", (1.0,), (1.0, 2.0), missing=-1.0), [nan]), [-1.0])
    assert same(score(Step("x", (1.0,), (1.0, 2.0)), [nan]), [nan])


# Rule 4: tables.
def test_table_compares_categories_as_strings() -> None:
    table = Table("x", (("3", 1.0), ("a", 2.0)), default=-1.0, missing=9.0)
    assert same(score(table, [3, 3.0, "3", "a", "b", None, nan, np.int64(3)], kind="categorical"), [1.0, 1.0, 1.0, 2.0, -1.0, 9.0, 9.0, 1.0])


def test_category_keys() -> None:
    assert [category_key(v) for v in [3, 3.0, -0.0, 2.5, "x", None, nan, True]] == ["3", "3", "0", "2.5", "x", None, None, "True"]


# Rule 5: grids.
def test_step_grid_picks_the_cell() -> None:
    grid = Grid(StepAxis("a", (0.0,), "upper"), StepAxis("b", (5.0,), "lower"), ((1.0, 2.0), (3.0, 4.0)), missing=-1.0)
    data = {"a": [-1.0, 0.0, 0.0, 1.0, nan], "b": [0.0, 5.0, 6.0, 9.0, 1.0]}
    assert same(score(grid, data), [1.0, 3.0, 4.0, 4.0, -1.0])


def test_bilinear_grid_interpolates_and_clamps() -> None:
    grid = Grid(KnotAxis("a", (0.0, 1.0)), KnotAxis("b", (0.0, 2.0)), ((0.0, 2.0), (4.0, 10.0)))
    data = {"a": [0.5, 0.0, 1.0, -3.0, 9.0, 0.5], "b": [1.0, 0.0, 2.0, 1.0, 9.0, nan]}
    # centre: mean of corners (0 + 2 + 4 + 10) / 4 = 4; a clamped to 0 at b=1: 1.
    assert same(score(grid, data), [4.0, 0.0, 10.0, 1.0, 10.0, nan])


def test_category_axis_sends_unseen_categories_to_the_last_cell() -> None:
    grid = Grid(CategoryAxis("c", ("x", "y")), StepAxis("b", (), "upper"), ((1.0,), (2.0,), (3.0,)))
    assert same(score(grid, {"c": ["x", "y", "z", None], "b": [0.0, 0.0, 0.0, 0.0]}), [1.0, 2.0, 3.0, nan])


def test_grid_missing_row_and_column_are_read_along_the_other_axis() -> None:
    grid = Grid(
        StepAxis("a", (1.0, 2.0), "upper"),
        KnotAxis("b", (0.0, 10.0)),
        ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0)),
        missing=0.5,
        missing_a=(7.0, 8.0),  # a missing: interpolated along b's knots
        missing_b=(9.0, 10.0, 11.0),  # b missing: a's cell
    )
    data = {"a": [nan, nan, nan, 1.5, 9.0, nan, 0.0], "b": [5.0, 0.0, 99.0, nan, nan, nan, 5.0]}
    assert same(score(grid, data), [7.5, 7.0, 8.0, 10.0, 11.0, 0.5, 1.5])
    only_a = Grid(grid.a, grid.b, grid.values, missing=None, missing_a=(7.0, 8.0))
    assert same(score(only_a, data), [7.5, 7.0, 8.0, nan, nan, nan, 1.5])


# Rule 6 and 7: sum and links.
def test_sum_adds_terms_and_a_missing_term_makes_the_score_missing() -> None:
    model = Model((Input("x"),), (Constant(1.5), Curve("x", (0.0, 1.0), (0.0, 1.0)), Constant(-0.5)))
    assert same(evaluate(model, {"x": [0.5, nan]}).tolist(), [1.5, nan])
    assert evaluate_terms(model, {"x": [0.5]}).tolist() == [[1.5, 0.5, -0.5]]


@pytest.mark.parametrize(("link", "expected"), [("identity", [0.0, 2.0]), ("logistic", [0.5, 1 / (1 + math.exp(-2))]), ("exp", [1.0, math.exp(2)])])
def test_links(link: str, expected: list[float]) -> None:
    model = Model((Input("x"),), (Curve("x", (0.0, 2.0), (0.0, 2.0)),), link)  # type: ignore[arg-type]
    assert same(evaluate(model, {"x": [0.0, 2.0]}).tolist(), expected)
    assert same(evaluate(model, {"x": [0.0, 2.0]}, output="score").tolist(), [0.0, 2.0])


def test_logistic_link_saturates_without_overflow_warnings() -> None:
    model = Model((Input("x"),), (Curve("x", (0.0, 1.0), (-1000.0, 1000.0)),), "logistic")
    assert evaluate(model, {"x": [0.0, 1.0]}).tolist() == [0.0, 1.0]


# Data handling.
def test_dataframe_with_nullable_columns() -> None:
    pd = pytest.importorskip("pandas")
    model = Model((Input("x"), Input("c", "categorical")), (Curve("x", (0.0, 1.0), (0.0, 1.0), missing=7.0), Table("c", (("a", 1.0),), missing=5.0)))
    frame = pd.DataFrame({"x": pd.array([0.5, None], dtype="Float64"), "c": pd.array(["a", None], dtype="string")})
    assert evaluate(model, frame).tolist() == [1.5, 12.0]


def test_data_errors_name_the_problem() -> None:
    model = Model((Input("x"), Input("y")), (Curve("x", (0.0,), (0.0,)),))
    with pytest.raises(DataError, match="no column for input.*'y'"):
        evaluate(model, {"x": [1.0]})
    with pytest.raises(DataError, match="'y' has 2 rows, expected 1"):
        evaluate(model, {"x": [1.0], "y": [1.0, 2.0]})
    with pytest.raises(DataError, match="'x' is numeric but its data holds non-numbers"):
        evaluate(model, {"x": ["old"], "y": [1.0]})


# Rule 2 (knots apart once transformed) and rule 8 (values within ±2**1022), as `verify` enforces them.
BIG = 2.0**1022
TOO_BIG = math.nextafter(BIG, inf)


def one_term_model(term: object) -> Model:
    """The model of one term: numeric inputs, but a categorical one for a table."""
    if isinstance(term, Grid):
        inputs = (Input(term.a.feature), Input(term.b.feature))
    else:
        inputs = (Input("c", "categorical"),) if isinstance(term, Table) else (Input("x"),)
    return Model(inputs, (term,))  # type: ignore[arg-type]


def values_at(value: float) -> list[object]:
    """One term of every kind holding `value` in each place a value can be."""
    grid_axes = (StepAxis("a", (0.0,)), KnotAxis("b", (0.0, 1.0)))
    return [
        Constant(value),
        Curve("x", (0.0, 1.0), (value, 0.0)),
        Curve("x", (0.0, 1.0), (0.0, 1.0), missing=value),
        Step("x", (0.0,), (0.0, value)),
        Step("x", (0.0,), (0.0, 1.0), missing=value),
        Table("c", (("k", value),)),
        Table("c", (("k", 0.0),), default=value),
        Table("c", (("k", 0.0),), missing=value),
        Grid(*grid_axes, ((0.0, value), (0.0, 0.0))),
        Grid(*grid_axes, ((0.0, 0.0), (0.0, 0.0)), missing=value),
        Grid(*grid_axes, ((0.0, 0.0), (0.0, 0.0)), missing_a=(0.0, value)),
        Grid(*grid_axes, ((0.0, 0.0), (0.0, 0.0)), missing_b=(value, 0.0)),
    ]


@pytest.mark.parametrize("index", range(12))
def test_every_value_is_within_2_to_the_1022(index: int) -> None:
    from pwlc import VerifyError, verify

    for edge in (BIG, -BIG):
        verify(one_term_model(values_at(edge)[index]))
    for outside in (TOO_BIG, -TOO_BIG, 1e308):
        with pytest.raises(VerifyError, match=r"too large: pwlc keeps every value within ±2\*\*1022"):
            verify(one_term_model(values_at(outside)[index]))


def test_values_at_the_bound_interpolate_to_finite_numbers() -> None:
    """The reason for rule 8: the difference of two values never overflows."""
    curve = Curve("x", (0.0, 1.0), (-BIG, BIG))
    assert score(curve, [0.5, 0.75, 0.25]) == [0.0, BIG / 2, -BIG / 2]
    grid = Grid(KnotAxis("a", (0.0, 1.0)), KnotAxis("b", (0.0, 1.0)), ((-BIG, BIG), (BIG, -BIG)), missing_a=(-BIG, BIG))
    result = score(grid, {"a": [0.5, 0.25, nan], "b": [0.5, 0.5, 0.5]})
    assert result == [0.0, 0.0, 0.0]


def test_knots_whose_transforms_coincide_are_refused_with_both_named() -> None:
    from pwlc import VerifyError, verify

    cases = [("log1p", (0.0, 1e17, 1e17 + 16)), ("log", (1.0, 1e300, math.nextafter(1e300, inf))), ("symlog1p", (-1e17 - 16, -1e17, 0.0))]
    for fx, knots in cases:
        xs = knots[1:] if fx != "symlog1p" else knots[:2]
        assert xs[0] < xs[1] and np.log(abs(xs[0])) == np.log(abs(xs[1]))
        with pytest.raises(VerifyError) as caught:
            verify(one_term_model(Curve("x", knots, (0.0, 1.0, 2.0), fx)))  # type: ignore[arg-type]
        message = str(caught.value)
        assert f"knots {xs[0]!r} and {xs[1]!r} have the same {fx}" in message and "drop one of them or move them further apart" in message
    verify(one_term_model(Curve("x", (1e17, 2e17), (0.0, 1.0), "log1p")))  # apart once transformed


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["identity", "log", "log1p", "symlog1p"]),
    st.lists(st.floats(min_value=1e-300, max_value=1e300) | st.floats(min_value=-0.99, max_value=1e3), min_size=1, max_size=6, unique=True),
    st.lists(st.floats(min_value=-BIG, max_value=BIG) | st.sampled_from([BIG, -BIG, 0.0]), min_size=6, max_size=6),
)
def test_every_valid_curve_evaluates_to_a_finite_number_wherever_its_input_is(fx: str, raw: list[float], ys: list[float]) -> None:
    """Whatever verify accepts, the evaluator interpolates without NaN or overflow."""
    from pwlc import VerifyError, verify
    from pwlc.testing import edge_grid

    xs = tuple(sorted(raw))
    if fx == "symlog1p":
        xs = tuple(sorted({-x for x in xs} | set(xs)))[:6]
    curve = Curve("x", xs, tuple(ys[: len(xs)]), fx)  # type: ignore[arg-type]
    try:
        model = verify(one_term_model(curve))
    except VerifyError:
        t = np.asarray(curve.xs)
        with np.errstate(all="ignore"):
            t = {"log": np.log, "log1p": np.log1p}.get(fx, lambda v: np.sign(v) * np.log1p(np.abs(v)))(t) if fx != "identity" else t
        assert fx in ("log", "log1p") and curve.xs[0] <= (0 if fx == "log" else -1) or not (np.diff(t) > 0).all()
        return
    grid = edge_grid(model)
    present = [v for v in grid["x"] if not math.isnan(v)]
    assert np.isfinite(evaluate(model, {"x": present})).all()


def test_knots_are_within_2_to_the_1022_and_edges_may_be_any_double() -> None:
    """Rule 9: a knot is interpolated from, so the distance between two is finite; an edge
    is only compared."""
    from pwlc import VerifyError, verify

    widest = Curve("x", (-BIG, BIG), (-1.0, 1.0))
    verify(one_term_model(widest))
    assert score(widest, [0.0, 2e307, -2e307, 1e308, -inf]) == [0.0, -1.0 + 2.0 * ((2e307 + BIG) / (2 * BIG)), -1.0 + 2.0 * ((-2e307 + BIG) / (2 * BIG)), 1.0, -1.0]
    axis = Grid(KnotAxis("a", (-BIG, BIG)), StepAxis("b", ()), ((-1.0,), (1.0,)))
    verify(one_term_model(axis))
    assert score(axis, {"a": [0.0, 1e308], "b": [0.0, 0.0]}) == [0.0, 1.0]
    for outside in (TOO_BIG, -TOO_BIG, 1e308):
        for term in (Curve("x", tuple(sorted((0.0, outside))), (0.0, 1.0)), Grid(KnotAxis("a", tuple(sorted((0.0, outside)))), StepAxis("b", ()), ((0.0,), (1.0,)))):
            with pytest.raises(VerifyError, match=r"too large: a knot is interpolated from"):
                verify(one_term_model(term))
    edges = Step("x", (-1.7e308, 1.7e308), (0.0, 1.0, 2.0))
    verify(one_term_model(edges))
    assert score(edges, [-inf, 0.0, 1.7e308]) == [0.0, 1.0, 2.0]
